package io.istream.trainer.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.istream.avro.ModelUpdate;
import io.istream.avro.Sample;
import io.istream.trainer.model.EmbeddingTable;
import io.istream.trainer.model.ModelAssertions;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.OptimizerKind;
import io.istream.trainer.model.RegularizationKind;
import io.istream.trainer.updates.ModelFollower;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Trainer replicas with an exchange in memory: they converge to one model that holds every sample once, a follower
 * of replica 0's updates rebuilds that model, and a restore from a checkpoint with another replica count (after
 * deltas were sent past the checkpoint and must be dropped) still trains every sample exactly once.
 */
class TrainerReplicaTest {
    private static final TrainerReplica.Sync SYNC = new TrainerReplica.Sync(2, 3_600_000, 1_000);
    private static final double TOLERANCE = 2e-5;

    private static StreamingSettings settings() {
        return StreamingTrainerTest.settings(0, 0.01);
    }

    private static List<List<Sample>> shares(List<Sample> samples, int count) {
        List<List<Sample>> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            out.add(new ArrayList<>());
        }
        samples.forEach(s -> out.get((int) (s.getUserId() % count)).add(s));
        return out;
    }

    private static long checksum(List<Sample> samples) {
        long sum = 0;
        for (Sample s : samples) {
            sum += StreamingTrainer.mix(s.getSampleId());
        }
        return sum;
    }

    /** Feeds one sample; after a full batch, trains it and lets the replica exchange. */
    private static void feed(TrainerReplica replica, Sample sample, long now, ModelFollower follower) {
        StreamingTrainer trainer = replica.trainer();
        trainer.add(sample);
        if (trainer.batchReady()) {
            trainer.trainBatch(now);
            replica.afterBatch(now);
            follow(replica, now, false, follower);
        }
    }

    private static void follow(TrainerReplica replica, long now, boolean force, ModelFollower follower) {
        for (ModelUpdate u : replica.trainer().pollUpdate(now, force)) {
            assertThat(replica.identity().index()).as("only replica 0 publishes").isZero();
            follower.accept(u);
        }
    }

    /** Trains what is buffered, sends the last deltas (replica 0 last, as it waits for the others). */
    private static void finish(List<TrainerReplica> replicas, long now, ModelFollower follower) {
        for (int k = replicas.size() - 1; k >= 0; k--) {
            TrainerReplica r = replicas.get(k);
            while (r.trainer().buffered() > 0) {
                r.trainer().trainBatch(now);
            }
            r.finish(now);
        }
        follow(replicas.get(0), now, true, follower);
    }

    @Test
    void replicasConvergeToOneModelThatHoldsEverySampleOnce() {
        List<Sample> samples = PlantedSamples.generate(800, 60, 200, 10, 3);
        List<List<Sample>> shares = shares(samples, 2);
        InMemoryDeltaExchange.Log log = new InMemoryDeltaExchange.Log();
        List<TrainerReplica> replicas = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            replicas.add(TrainerReplica.start(settings(), SYNC, new TrainerReplica.Identity(k, 2, "job/0"),
                    log.factory(), 0));
        }
        replicas.forEach(r -> r.trainer().beginEpoch(1));
        ModelFollower follower = new ModelFollower();
        int longest = Math.max(shares.get(0).size(), shares.get(1).size());
        for (int i = 0; i < longest; i++) {
            for (int k = 0; k < 2; k++) {
                if (i < shares.get(k).size()) {
                    feed(replicas.get(k), shares.get(k).get(i), 1_000 + i, follower);
                }
            }
        }
        finish(replicas, 5_000, follower);
        replicas.get(1).tick(5_000);   // replica 1 takes replica 0's last delta too

        for (TrainerReplica r : replicas) {
            assertThat(r.trainer().samplesConsumed()).isEqualTo(samples.size());
            assertThat(r.trainer().sampleChecksum()).isEqualTo(checksum(samples));
            assertThat(r.appliedChunks()).isPositive();
        }
        ModelAssertions.assertSameParameters(replicas.get(0).trainer().model(), replicas.get(1).trainer().model(),
                TOLERANCE);
        assertThat(follower.samplesTrained()).isEqualTo(replicas.get(0).trainer().samplesTrained());
        assertThat(follower.sampleChecksum()).isEqualTo(checksum(samples));
        ModelAssertions.assertSameParameters(follower.model(), replicas.get(0).trainer().model(), TOLERANCE);
    }

    @ParameterizedTest(name = "2 replicas, restored as {0}")
    @ValueSource(ints = {1, 3})
    void restoreFromACheckpointWithAnotherCountTrainsEverySampleExactlyOnce(int newCount) {
        List<Sample> samples = PlantedSamples.generate(900, 70, 200, 10, 5);
        List<List<Sample>> shares = shares(samples, 2);
        InMemoryDeltaExchange.Log log = new InMemoryDeltaExchange.Log();
        ModelFollower follower = new ModelFollower();
        List<TrainerReplica> before = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            before.add(TrainerReplica.start(settings(), SYNC, new TrainerReplica.Identity(k, 2, "job/0"),
                    log.factory(), 0));
        }
        // up to the checkpoint: 40 % of each share
        int[] atCheckpoint = new int[2];
        for (int k = 0; k < 2; k++) {
            atCheckpoint[k] = shares.get(k).size() * 2 / 5;
        }
        for (int i = 0; i < Math.max(atCheckpoint[0], atCheckpoint[1]); i++) {
            for (int k = 0; k < 2; k++) {
                if (i < atCheckpoint[k]) {
                    feed(before.get(k), shares.get(k).get(i), 1_000 + i, follower);
                }
            }
        }
        // checkpoint 1: replica 0 passes its barrier first and goes on sending deltas of interval 2, which replica 1
        // receives before its own barrier: it must hold them back, as they are not in replica 0's checkpoint
        byte[] snapshot0 = before.get(0).snapshot(1, 2_000);
        int carriedOn = atCheckpoint[0];
        for (int i = 0; i < 64; i++, carriedOn++) {
            feed(before.get(0), shares.get(0).get(carriedOn), 2_000 + i, follower);
        }
        before.get(1).tick(2_100);
        byte[] snapshot1 = before.get(1).snapshot(1, 2_100);
        // both go on a while, then the job fails: their deltas of interval 2 are in the log for good
        for (int i = 0; i < 64; i++) {
            feed(before.get(0), shares.get(0).get(carriedOn + i), 2_200 + i, follower);
            feed(before.get(1), shares.get(1).get(atCheckpoint[1] + i), 2_200 + i, follower);
        }
        before.forEach(TrainerReplica::close);

        // restored from checkpoint 1 with another count, in a new run: the sources replay from the checkpoint
        List<TrainerReplica> after = new ArrayList<>();
        for (int k = 0; k < newCount; k++) {
            after.add(TrainerReplica.restore(List.of(snapshot1, snapshot0), settings(), SYNC,
                    new TrainerReplica.Identity(k, newCount, "job/1"), 1, log.factory(), 3_000));
        }
        after.forEach(r -> r.trainer().beginEpoch(3_000));
        List<Sample> rest = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            rest.addAll(shares.get(k).subList(atCheckpoint[k], shares.get(k).size()));
        }
        List<List<Sample>> newShares = shares(rest, newCount);
        ModelFollower restoredFollower = new ModelFollower();
        for (int i = 0; i < rest.size(); i++) {
            for (int k = 0; k < newCount; k++) {
                if (i < newShares.get(k).size()) {
                    feed(after.get(k), newShares.get(k).get(i), 4_000 + i, restoredFollower);
                }
            }
        }
        finish(after, 9_000, restoredFollower);

        TrainerReplica zero = after.get(0);
        assertThat(zero.droppedChunks()).as("the failed run's deltas after the checkpoint").isPositive();
        assertThat(zero.trainer().samplesConsumed()).isEqualTo(samples.size());
        assertThat(zero.trainer().sampleChecksum()).isEqualTo(checksum(samples));
        assertThat(restoredFollower.sampleChecksum()).isEqualTo(checksum(samples));
        ModelAssertions.assertSameParameters(restoredFollower.model(), zero.trainer().model(), TOLERANCE);
        // and every replica, once it has the others' last deltas, holds that model: none holds a change twice
        for (TrainerReplica r : after.subList(1, newCount)) {
            r.tick(9_000);
            assertThat(r.trainer().samplesConsumed()).isEqualTo(samples.size());
            assertThat(r.trainer().sampleChecksum()).isEqualTo(checksum(samples));
            ModelAssertions.assertSameParameters(zero.trainer().model(), r.trainer().model(), TOLERANCE);
        }
    }

    @Test
    void savepointsTwoToThreeToOneTrainEverySampleExactlyOnce() {
        List<Sample> samples = PlantedSamples.generate(1500, 90, 200, 10, 9);
        InMemoryDeltaExchange.Log log = new InMemoryDeltaExchange.Log();
        ModelFollower follower = new ModelFollower();
        int cut1 = 500;
        int cut2 = 1000;
        List<TrainerReplica> two = startAll(2, "job-a/0", log);
        feedAll(two, samples.subList(0, cut1), 1_000, follower);
        List<byte[]> s1 = snapshotAll(two, 10, 2_000);
        feedAll(two, samples.subList(cut1, cut1 + 200), 2_100, follower);   // after the savepoint: never kept
        List<TrainerReplica> three = restoreAll(s1, 3, "job-b/0", 10, log);
        feedAll(three, samples.subList(cut1, cut2), 3_000, follower);
        List<byte[]> s2 = snapshotAll(three, 15, 4_000);
        feedAll(three, samples.subList(cut2, cut2 + 200), 4_100, follower);
        List<TrainerReplica> one = restoreAll(s2, 1, "job-c/0", 15, log);
        ModelFollower last = new ModelFollower();
        feedAll(one, samples.subList(cut2, samples.size()), 5_000, last);
        finish(one, 9_000, last);
        assertThat(one.get(0).trainer().samplesConsumed()).isEqualTo(samples.size());
        assertThat(one.get(0).trainer().sampleChecksum()).isEqualTo(checksum(samples));
    }

    private static List<TrainerReplica> startAll(int n, String run, InMemoryDeltaExchange.Log log) {
        List<TrainerReplica> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            out.add(TrainerReplica.start(settings(), SYNC, new TrainerReplica.Identity(k, n, run), log.factory(), 0));
        }
        return out;
    }

    private static List<TrainerReplica> restoreAll(List<byte[]> snapshots, int n, String run, long checkpoint,
                                                  InMemoryDeltaExchange.Log log) {
        List<TrainerReplica> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            out.add(TrainerReplica.restore(snapshots, settings(), SYNC, new TrainerReplica.Identity(k, n, run),
                    checkpoint, log.factory(), 0));
        }
        return out;
    }

    private static List<byte[]> snapshotAll(List<TrainerReplica> replicas, long checkpoint, long now) {
        List<byte[]> out = new ArrayList<>();
        replicas.forEach(r -> out.add(r.snapshot(checkpoint, now)));
        return out;
    }

    /** Each sample to its user's replica, one at a time, ticking every replica as it goes. */
    private static void feedAll(List<TrainerReplica> replicas, List<Sample> samples, long now, ModelFollower follower) {
        int n = replicas.size();
        for (Sample s : samples) {
            feed(replicas.get((int) (s.getUserId() % n)), s, now, follower);
            replicas.forEach(r -> r.tick(now));
        }
    }

    @Test
    void singleTrainerNeverOpensAnExchange() {
        TrainerReplica single = TrainerReplica.start(settings(), SYNC, new TrainerReplica.Identity(0, 1, "job/0"),
                clientId -> {
                    throw new AssertionError("a single trainer has nothing to exchange");
                }, 0);
        List<Sample> samples = PlantedSamples.generate(64, 10, 50, 5, 1);
        samples.forEach(s -> feed(single, s, 10, new ModelFollower()));
        byte[] snapshot = single.snapshot(1, 20);
        TrainerReplica restored = TrainerReplica.restore(List.of(snapshot), settings(), SYNC,
                new TrainerReplica.Identity(0, 1, "job/1"), 1, clientId -> {
                    throw new AssertionError("a single trainer restored as one has nothing to read");
                }, 30);
        assertThat(restored.trainer().samplesTrained()).isEqualTo(single.trainer().samplesTrained());
    }

    /**
     * The merge rule adds nothing and loses nothing: with a stateless optimiser (SGD, MBA's counts exchanged as
     * sightings) and every delta delivered before the other replica's next batch, two replicas that take turns
     * batch by batch end with the model of one trainer that trained the same batches in the same order.
     */
    @Test
    void twoReplicasTakingTurnsWithSgdEqualOneTrainer() {
        ModelConfig model = ModelConfig.builder(ModelKind.DIEN)
                .embeddingDim(4).hiddenSize(6).headHidden(8).attentionHidden(6).auxHidden(6).seed(7).build();
        OptimizerConfig sgd = new OptimizerConfig(OptimizerKind.SGD, 0.05, 0.9, 0.999, 1e-8, RegularizationKind.MBA,
                0.01, 0);
        StreamingSettings settings = new StreamingSettings(model, sgd, 16, 10, 3, 60_000, 600_000, 2048, 1_000,
                1_000);
        TrainerReplica.Sync everyBatch = new TrainerReplica.Sync(1, 3_600_000, 1_000);
        List<Sample> samples = PlantedSamples.generate(16 * 40, 60, 200, 10, 13);
        StreamingTrainer single = new StreamingTrainer(settings);
        InMemoryDeltaExchange.Log log = new InMemoryDeltaExchange.Log();
        List<TrainerReplica> replicas = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            replicas.add(TrainerReplica.start(settings, everyBatch, new TrainerReplica.Identity(k, 2, "job/0"),
                    log.factory(), 0));
        }
        for (int b = 0; b < samples.size() / 16; b++) {
            List<Sample> batch = samples.subList(16 * b, 16 * (b + 1));
            batch.forEach(single::add);
            single.trainBatch(10 + b);
            TrainerReplica turn = replicas.get(b % 2);
            turn.tick(10 + b);   // the other's delta of the batch before
            batch.forEach(turn.trainer()::add);
            turn.trainer().trainBatch(10 + b);
            turn.afterBatch(10 + b);
        }
        replicas.forEach(r -> r.tick(1_000));
        for (TrainerReplica r : replicas) {
            assertThat(r.trainer().samplesTrained()).isEqualTo(single.samplesTrained());
            ModelAssertions.assertSameParameters(single.model(), r.trainer().model(), 1e-6);
        }
    }

    /**
     * A delta that arrives while a replica fills its batch is in the parameters that batch trains from: after replica
     * 0's first batch and delta, replica 1's {@code beforeBatch} gives it replica 0's model (dense tensors and the rows
     * replica 0 admitted), for the FLOAT models the job trains and the DOUBLE models of gradient checks alike.
     */
    @ParameterizedTest
    @ValueSource(strings = {"FLOAT", "DOUBLE"})
    void aDeltaThatArrivedBeforeABatchIsInTheModelThatTrainsIt(String type) {
        StreamingSettings base = settings();
        ModelConfig model = base.model().toBuilder().dataType(DataType.valueOf(type)).build();
        StreamingSettings settings = new StreamingSettings(model, base.optimizer(), base.batchSize(),
                base.maxHistory(), 3, 60_000, 600_000, 2048, 1_000, 1_000);
        TrainerReplica.Sync everyBatch = new TrainerReplica.Sync(1, 3_600_000, 1_000);
        InMemoryDeltaExchange.Log log = new InMemoryDeltaExchange.Log();
        List<TrainerReplica> replicas = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            replicas.add(TrainerReplica.start(settings, everyBatch, new TrainerReplica.Identity(k, 2, "job/0"),
                    log.factory(), 0));
        }
        TrainerReplica first = replicas.get(0);
        PlantedSamples.generate(settings.batchSize(), 20, 60, 10, 5).forEach(first.trainer()::add);
        first.beforeBatch(10);
        assertThat(first.trainer().trainBatch(10)).isTrue();
        first.afterBatch(10);

        TrainerReplica second = replicas.get(1);
        assertThat(second.trainer().model().params().get(0).value().toDoubleArray())
                .as("nothing applied yet").isNotEqualTo(first.trainer().model().params().get(0).value().toDoubleArray());
        second.beforeBatch(40);
        ModelAssertions.assertSameParameters(first.trainer().model(), second.trainer().model(), 1e-6);
        assertThat(second.appliedChunks()).isPositive();
        assertThat(second.meanDeltaLagMs()).as("sent at 10, applied at 40").isEqualTo(30);
        assertThat(first.meanDeltaLagMs()).as("nothing applied").isZero();
        replicas.forEach(TrainerReplica::close);
    }

    /**
     * A row that only replica 1's users read, and whose newest sighting replica 1 has not yet sent, survives replica
     * 0's expiry even when replica 0's own samples are past the row's expiry age: expiry runs at the oldest of the
     * replicas' reported label times. When the sighting arrives, both replicas hold the same row; had replica 0
     * forgotten it, replica 1's delta would have revived it there from its initial values.
     */
    @Test
    void expiryWaitsForSightingsAnotherReplicaHasNotSentYet() {
        long expireAfter = 50_000;
        StreamingSettings expiring = StreamingTrainerTest.settings(expireAfter, 0.01);
        InMemoryDeltaExchange.Log log = new InMemoryDeltaExchange.Log();
        List<TrainerReplica> replicas = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            replicas.add(TrainerReplica.start(expiring, SYNC, new TrainerReplica.Identity(k, 2, "job/0"),
                    log.factory(), 0));
        }
        replicas.forEach(r -> r.trainer().beginEpoch(1));
        TrainerReplica zero = replicas.get(0);
        TrainerReplica one = replicas.get(1);
        List<Sample> planted = PlantedSamples.generate(200, 20, 100, 6, 11);
        long t0 = 1_800_000_000_000L;
        long onlyOnes = 999_001;   // an item only replica 1's samples read
        // replica 1 reads the item at t0 and sends (two batches); replica 0 trains at t0 and takes that delta
        batch(one, planted.subList(0, 32), onlyOnes, t0, 100);
        batch(zero, planted.subList(32, 64), -1, t0, 200);
        EmbeddingTable items = zero.trainer().model().tables().get(0);
        assertThat(items.resolve(onlyOnes)).as("admitted at replica 0 from replica 1's sightings")
                .isNotEqualTo(EmbeddingTable.UNKNOWN_ROW);
        // replica 1 reads it again at t0 + 40 s, one batch, not sent yet; replica 0's samples reach t0 + 60 s, past
        // the expiry age of the sighting it knows, and its expiry runs
        batch(one, planted.subList(64, 80), onlyOnes, t0 + 40_000, 300);
        batch(zero, planted.subList(80, 96), -1, t0 + 60_000, 2_000);
        assertThat(items.resolve(onlyOnes)).as("kept: replica 1 has reported nothing past t0 yet")
                .isNotEqualTo(EmbeddingTable.UNKNOWN_ROW);
        // replica 1's next batch sends both; replica 0 adds them to the row it kept
        batch(one, planted.subList(96, 112), onlyOnes, t0 + 41_000, 2_100);
        zero.tick(2_200);
        EmbeddingTable theirs = one.trainer().model().tables().get(0);
        int mine = items.resolve(onlyOnes);
        int their = theirs.resolve(onlyOnes);
        for (int j = 0; j < items.dim; j++) {
            assertThat(items.values().get(mine * items.dim + j)).as("element " + j)
                    .isCloseTo(theirs.values().get(their * theirs.dim + j), within(TOLERANCE));
        }
        // and once replica 1 has reported a newer time, the clock moves on and expiry forgets as one trainer would
        batch(one, planted.subList(112, 144), -1, t0 + 120_000, 2_300);
        batch(zero, planted.subList(144, 176), -1, t0 + 120_000, 4_000);
        batch(zero, planted.subList(176, 192), -1, t0 + 121_000, 5_100);
        assertThat(items.resolve(onlyOnes)).as("last seen at t0 + 60 s (the sighting counts as seen when it "
                + "arrived), the clock at t0 + 120 s: expired").isEqualTo(EmbeddingTable.UNKNOWN_ROW);
    }

    /**
     * Trains {@code samples} on {@code replica} in batches at label time {@code labelTimeMs}, each sample's target
     * replaced by {@code item} unless it is −1, then lets the replica exchange at processing time {@code now}.
     */
    private static void batch(TrainerReplica replica, List<Sample> samples, long item, long labelTimeMs, long now) {
        StreamingTrainer trainer = replica.trainer();
        for (Sample s : samples) {
            Sample.Builder b = Sample.newBuilder(s).setSampleId(s.getSampleId() + "@" + labelTimeMs)
                    .setImpressionTimeMs(labelTimeMs - 500).setLabelTimeMs(labelTimeMs);
            trainer.add(item < 0 ? b.build() : b.setItemId(item).build());
            if (trainer.batchReady()) {
                trainer.trainBatch(now);
                replica.afterBatch(now);
            }
        }
        replica.tick(now);
    }
}
