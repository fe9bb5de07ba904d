package io.istream.scorer.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.IngestedEvent;
import io.istream.avro.ItemRef;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ScoreRequest;
import io.istream.avro.ScoreStatus;
import io.istream.avro.ScoredCandidate;
import io.istream.avro.ScoredCandidates;
import io.istream.features.sequence.BehaviorSequence;
import io.istream.schemas.EventFields;
import io.istream.scorer.Scorer;
import io.istream.trainer.data.Batch;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.Tensor;
import io.istream.trainer.updates.ModelFollower;
import io.istream.trainer.updates.ModelPublisher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Drives the keyed-broadcast scorer on the real RocksDB backend: behaviours and requests keyed by user, model updates
 * on the broadcast side, state TTL on the harness's state clock. Every answer is compared with the pure
 * {@link Scorer}'s on the same model and history.
 */
class ScorerFunctionHarnessTest {
    private static final long ALICE = 7;
    private static final long BOB = 8;
    private static final int MAX_HISTORY = 10;
    private static final Duration USER_TTL = Duration.ofMinutes(1);
    /** Event time of every request: after every behaviour the tests send unless they say otherwise. */
    private static final long REQUEST_TIME = 100_000;
    private static final int CHUNK_BYTES = 2048;
    private static final ModelPublisher.Stamp STAMP = new ModelPublisher.Stamp(1_000, 0, 0, 0, 1);

    private KeyedBroadcastOperatorTestHarness<Long, IngestedEvent, ModelUpdate, ScoredCandidates> harness;
    private long offset;

    // the trainer's side: a model, and the updates it publishes as it changes
    private final CtrModel source = model();
    private final ModelPublisher publisher = new ModelPublisher(CHUNK_BYTES, false);

    @BeforeEach
    void open() throws Exception {
        harness = newHarness();
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** The function as {@code ScorerJob.defineWorkflow} builds it from its options. */
    private static KeyedBroadcastOperatorTestHarness<Long, IngestedEvent, ModelUpdate, ScoredCandidates> newHarness()
            throws Exception {
        Configuration options = new Configuration();
        options.set(ScorerOptions.MAX_HISTORY, MAX_HISTORY);
        options.set(ScorerOptions.KEPT_BEHAVIOURS, 20);
        options.set(ScorerOptions.USER_TTL, USER_TTL);
        options.set(ScorerOptions.INTEREST_CACHE_USERS, 10);
        ScorerFunction function = new ScorerFunction(options.get(ScorerOptions.MAX_HISTORY),
                options.get(ScorerOptions.KEPT_BEHAVIOURS), options.get(ScorerOptions.USER_TTL).toMillis(),
                options.get(ScorerOptions.INTEREST_CACHE_USERS), options.get(ScorerOptions.MODEL_THREADS));
        var h = new KeyedBroadcastOperatorTestHarness<Long, IngestedEvent, ModelUpdate, ScoredCandidates>(
                new CoBroadcastWithKeyedOperator<>(function, List.<MapStateDescriptor<?, ?>>of(
                        new MapStateDescriptor<>("unused-broadcast-state", Types.STRING, Types.STRING))),
                (IngestedEvent e) -> EventFields.userId(e.getPayload()), Types.LONG, 1, 1, 0);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    @Test
    void requestsBeforeTheFirstModelAreAnsweredNoModelAndLaterOnesWithTheAppliedVersion() throws Exception {
        behave(ALICE, 11, 1_000);
        behave(ALICE, 12, 2_000);
        behave(ALICE, 13, REQUEST_TIME + 1);   // after the request: not in its history
        BehaviorSequence history = history(entry(11, 1_000), entry(12, 2_000));

        ScoredCandidates none = ask(ALICE, "r0");
        assertThat(none.getStatus()).isEqualTo(ScoreStatus.NO_MODEL);
        assertThat(none.getModelVersion()).isEqualTo(-1);
        assertThat(none.getModelAgeMs()).isEqualTo(-1);
        assertThat(none.getCandidates()).extracting(ScoredCandidate::getItemId)
                .containsExactly(20L, 21L, 22L, 23L, 24L, 25L);
        assertThat(none.getCandidates()).extracting(ScoredCandidate::getPctr).containsOnly(0.0);

        // a version is applied whole: with all its chunks but the last, there is still no model
        List<ModelUpdate> v1 = publisher.full(source, 1, STAMP);
        assertThat(v1).as("the test needs a FULL of several chunks").hasSizeGreaterThan(1);
        broadcast(v1.subList(0, v1.size() - 1));
        assertThat(ask(ALICE, "r1").getStatus()).isEqualTo(ScoreStatus.NO_MODEL);
        broadcast(v1.subList(v1.size() - 1, v1.size()));
        ScoredCandidates first = ask(ALICE, "r2");
        assertThat(first.getStatus()).isEqualTo(ScoreStatus.OK);
        assertThat(first.getModelVersion()).isEqualTo(1);
        assertThat(first.getModelAgeMs()).isNotNegative();
        assertThat(first.getCandidates()).isEqualTo(pure(request(ALICE, "r2"), history, v1).getCandidates());

        nudge(source);
        List<ModelUpdate> v2 = publisher.delta(source, 2, 1, STAMP);
        broadcast(v2);
        ScoredCandidates second = ask(ALICE, "r3");
        assertThat(second.getModelVersion()).isEqualTo(2);
        assertThat(second.getCandidates()).isEqualTo(pure(request(ALICE, "r3"), history, v1, v2).getCandidates())
                .isNotEqualTo(first.getCandidates());

        // a DELTA whose base this scorer does not hold is ignored: the answers stay on version 2
        nudge(source);
        broadcast(publisher.delta(source, 4, 3, STAMP));
        ScoredCandidates afterGap = ask(ALICE, "r4");
        assertThat(afterGap.getModelVersion()).isEqualTo(2);
        assertThat(afterGap.getCandidates()).isEqualTo(second.getCandidates());
    }

    @Test
    void aRestoredScorerHasEveryUsersBehavioursTheModelAndTheChunksOfAnIncompleteVersion() throws Exception {
        behave(ALICE, 11, 1_000);
        behave(ALICE, 12, 2_000);
        behave(ALICE, 13, 3_000);
        behave(BOB, 30, 1_500);
        List<ModelUpdate> v1 = publisher.full(source, 1, STAMP);
        nudge(source);
        List<ModelUpdate> v2 = publisher.delta(source, 2, 1, STAMP);
        nudge(source);
        List<ModelUpdate> v3 = publisher.full(source, 3, STAMP);
        broadcast(v1);
        broadcast(v2);
        broadcast(v3.subList(0, v3.size() - 1));   // v3 not complete at the checkpoint
        OperatorSubtaskState snapshot = harness.snapshot(1, 0);
        ScoredCandidates alice = ask(ALICE, "a");
        ScoredCandidates bob = ask(BOB, "b");
        assertThat(alice.getModelVersion()).isEqualTo(2);
        assertThat(alice.getCandidates()).as("the users' histories differ").isNotEqualTo(bob.getCandidates());
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        BehaviorSequence aliceHistory = history(entry(11, 1_000), entry(12, 2_000), entry(13, 3_000));
        BehaviorSequence bobHistory = history(entry(30, 1_500));
        ScoredCandidates aliceRestored = ask(ALICE, "a");
        ScoredCandidates bobRestored = ask(BOB, "b");
        assertThat(aliceRestored.getModelVersion()).isEqualTo(2);
        assertThat(bobRestored.getModelVersion()).isEqualTo(2);
        assertThat(aliceRestored.getCandidates()).isEqualTo(alice.getCandidates())
                .isEqualTo(pure(request(ALICE, "a"), aliceHistory, v1, v2).getCandidates());
        assertThat(bobRestored.getCandidates()).isEqualTo(bob.getCandidates())
                .isEqualTo(pure(request(BOB, "b"), bobHistory, v1, v2).getCandidates());

        // the chunks of v3 that came before the checkpoint were restored: its last chunk completes it
        broadcast(v3.subList(v3.size() - 1, v3.size()));
        ScoredCandidates third = ask(ALICE, "c");
        assertThat(third.getModelVersion()).isEqualTo(3);
        assertThat(third.getCandidates()).isEqualTo(pure(request(ALICE, "c"), aliceHistory, v3).getCandidates());
        // and the restored history goes on growing
        behave(ALICE, 14, 4_000);
        assertThat(ask(ALICE, "d").getCandidates()).isEqualTo(pure(request(ALICE, "d"),
                history(entry(11, 1_000), entry(12, 2_000), entry(13, 3_000), entry(14, 4_000)), v3).getCandidates());
    }

    /**
     * Each behaviour expires {@code scorer.user-ttl} of processing time after it was written (the state clock is the
     * harness's TTL time provider); a request after that sees the remaining history, and none at all once every
     * behaviour expired.
     */
    @Test
    void behavioursExpireTheUserTtlAfterTheyWereWrittenAndALaterRequestSeesNoHistory() throws Exception {
        long ttl = USER_TTL.toMillis();
        List<ModelUpdate> v1 = publisher.full(source, 1, STAMP);
        broadcast(v1);
        harness.setStateTtlProcessingTime(0);
        behave(ALICE, 11, 1_000);
        harness.setStateTtlProcessingTime(ttl / 2);
        behave(ALICE, 12, 2_000);

        harness.setStateTtlProcessingTime(ttl - 1);
        ScoredCandidates both = ask(ALICE, "r1");
        assertThat(both.getCandidates()).isEqualTo(pure(request(ALICE, "r1"),
                history(entry(11, 1_000), entry(12, 2_000)), v1).getCandidates());

        harness.setStateTtlProcessingTime(ttl);
        ScoredCandidates newer = ask(ALICE, "r2");
        assertThat(newer.getCandidates()).as("the first behaviour expired, the second not yet")
                .isEqualTo(pure(request(ALICE, "r2"), history(entry(12, 2_000)), v1).getCandidates())
                .isNotEqualTo(both.getCandidates());

        harness.setStateTtlProcessingTime(ttl / 2 + ttl);
        ScoredCandidates none = ask(ALICE, "r3");
        assertThat(none.getStatus()).isEqualTo(ScoreStatus.OK);
        assertThat(none.getCandidates()).as("every behaviour expired: no history")
                .isEqualTo(pure(request(ALICE, "r3"), new BehaviorSequence(), v1).getCandidates())
                .isNotEqualTo(newer.getCandidates());

        // a behaviour after the expiry starts a new history
        behave(ALICE, 13, 3_000);
        assertThat(ask(ALICE, "r4").getCandidates()).isEqualTo(pure(request(ALICE, "r4"),
                history(entry(13, 3_000)), v1).getCandidates());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** ScorerTest's small DIEN, its ids 1..40 admitted as a trained model's would be. */
    private static CtrModel model() {
        CtrModel m = new CtrModel(ModelConfig.paper(ModelKind.DIEN).embeddingDim(4)
                .hiddenSize(6).headHidden(8).attentionHidden(6).auxHidden(6).seed(3).build());
        Batch vocabulary = new Batch(1, 1);
        for (long id = 1; id <= 40; id++) {
            vocabulary.targetItem[0] = id;
            vocabulary.targetCategory[0] = category(id);
            m.countOccurrences(vocabulary);
        }
        return m;
    }

    /** The output bias moves, as a training step would move it: every score changes. */
    private static void nudge(CtrModel m) {
        Tensor bias = m.params().stream().filter(p -> p.name().equals("head.out.b")).findFirst().orElseThrow()
                .value();
        bias.set(0, bias.get(0) + 0.5);
    }

    private static long category(long item) {
        return 1 + item % 5;
    }

    private static long[] entry(long item, long timeMs) {
        return BehaviorSequence.entry(item, category(item), timeMs, (byte) BehaviorType.CLICK.ordinal());
    }

    private static BehaviorSequence history(long[]... entries) {
        return BehaviorSequence.fromArrivals(List.of(entries));
    }

    private static ScoreRequest request(long user, String id) {
        List<ItemRef> candidates = new ArrayList<>();
        for (long item = 20; item <= 25; item++) {
            candidates.add(new ItemRef(item, category(item)));
        }
        return new ScoreRequest(id, user, candidates, REQUEST_TIME);
    }

    /** The pure scorer's answer on the model that {@code versions} build. */
    @SafeVarargs
    private static ScoredCandidates pure(ScoreRequest request, BehaviorSequence history,
                                         List<ModelUpdate>... versions) {
        ModelFollower follower = new ModelFollower();
        for (List<ModelUpdate> version : versions) {
            version.forEach(follower::accept);
        }
        assertThat(follower.model()).isNotNull();
        return new Scorer(MAX_HISTORY).score(follower.model(), follower.version(), follower.createdAtMs(), request,
                history, 0);
    }

    private void behave(long user, long item, long timeMs) throws Exception {
        send(new Behavior(user, item, category(item), BehaviorType.CLICK, timeMs), "behaviors", timeMs);
    }

    /** Sends a request; it is answered at once, exactly once. */
    private ScoredCandidates ask(long user, String id) throws Exception {
        int before = harness.extractOutputValues().size();
        send(request(user, id), "score-requests", REQUEST_TIME);
        List<ScoredCandidates> answers = harness.extractOutputValues();
        assertThat(answers).hasSize(before + 1);
        ScoredCandidates answer = answers.get(answers.size() - 1);
        assertThat(answer.getRequestId()).isEqualTo(id);
        assertThat(answer.getUserId()).isEqualTo(user);
        return answer;
    }

    private void send(Object payload, String topic, long timeMs) throws Exception {
        harness.processElement(IngestedEvent.newBuilder().setPayload(payload).setSourceTopic(topic).setPartition(0)
                .setOffset(offset++).build(), timeMs);
    }

    private void broadcast(List<ModelUpdate> chunks) throws Exception {
        for (ModelUpdate chunk : chunks) {
            harness.processBroadcastElement(chunk, 0);
        }
    }
}
