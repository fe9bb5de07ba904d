package io.istream.ops.pipeline;

import io.istream.avro.DeadLetter;
import io.istream.avro.ScoredCandidates;
import io.istream.features.job.JobEnvironment;
import io.istream.ingestion.corpus.CorruptCorpus;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.schemas.Topics;
import io.istream.scorer.job.ScorerJob;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.job.TrainingJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scorer fails between scoring and its sink after a checkpoint, with answers in flight, and restarts from the
 * checkpoint: the model comes back from its union state, requests after the checkpoint are read and answered again,
 * and on read_committed every request is answered exactly once. The committed corrupt corpus of score requests is in
 * the same topic: each of its records is one dead letter with its reason, and the job survives it.
 */
class ScorerRestartITCase extends PipelineTestBase {
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicBoolean CHECKPOINTED_WITH_PROGRESS = new AtomicBoolean();
    static final AtomicLong PASSED = new AtomicLong();

    static final class FailOnce implements MapFunction<ScoredCandidates, ScoredCandidates>, CheckpointListener {
        @Override
        public ScoredCandidates map(ScoredCandidates answer) {
            if (CHECKPOINTED_WITH_PROGRESS.get() && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure in front of the answers sink after " + PASSED.get()
                        + " answers");
            }
            if (PASSED.incrementAndGet() >= 10 && !CHECKPOINTED_WITH_PROGRESS.get()) {
                // hold the answers back (barriers pass between records) until a checkpoint covers the progress, so
                // that answers remain after it however fast the scorer drains the requests
                LockSupport.parkNanos(2_000_000);
            }
            return answer;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            if (PASSED.get() >= 10) {
                CHECKPOINTED_WITH_PROGRESS.set(true);
            }
        }
    }

    @Test
    void restartFromCheckpointAnswersEveryRequestExactlyOnce() throws Exception {
        EventScript script = SyntheticInterests.generate(SyntheticConfig.small().withSize(60, 15).withSeed(17))
                .script();
        PipelineChecks.publishAll(kafka, script.events());
        Configuration config = jobConfig();
        JobClient learning = executeAsync(config, env -> TrainingJob.defineKafkaWorkflow(env, kafka, config,
                "it-scorer-restart", StartingPosition.EARLIEST, false), "it-scorer-restart-learning");
        PipelineChecks.awaitSettledModel(kafka, 1, Duration.ofSeconds(120));

        Configuration scorerConfig = jobConfig();
        scorerConfig.setString("restart-strategy.type", "fixed-delay");
        scorerConfig.setString("restart-strategy.fixed-delay.attempts", "3");
        scorerConfig.setString("restart-strategy.fixed-delay.delay", "500 ms");
        String group = "it-scorer-restart-scorer";
        ScorerJob.ScorerSinks sinks = ScorerJob.kafkaSinks(kafka, group);
        // the scorer's graph with an operator that fails once between the scorer and its answers' sink
        JobClient scorer = executeAsync(scorerConfig, env -> ScorerJob.defineWorkflow(env,
                ScorerJob.kafkaEvents(env, kafka, scorerConfig, group, StartingPosition.EARLIEST, false),
                ScorerJob.kafkaModelUpdates(env, kafka, scorerConfig, group, false), scorerConfig,
                new ScorerJob.ScorerSinks(answers -> sinks.answers().accept(answers.map(new FailOnce())
                        .returns(new AvroTypeInfo<>(ScoredCandidates.class)).name("fail-once").uid("fail-once")),
                        sinks.deadLetters())), group);
        long end = script.events().get(script.size() - 1).eventTimeMs();
        // the committed corrupt corpus of the scorer's own input topic, among the valid requests
        List<byte[][]> corrupt = new ArrayList<>();
        Map<String, Long> expectedReasons = new TreeMap<>();
        for (CorruptCorpus.Entry e : CorruptCorpus.load()) {
            if (e.topic().equals(Topics.SCORE_REQUESTS.name())) {
                corrupt.add(new byte[][] {e.key(), e.value()});
                expectedReasons.merge(e.reason().name(), 1L, Long::sum);
            }
        }
        KafkaTestSupport.sendRaw(kafka, Topics.SCORE_REQUESTS.name(), corrupt);
        // three waves of 20 requests: the failure comes after a checkpoint that holds some answers
        // wave 2 comes last in every partition: once it is answered and committed, so is any answer produced again
        // for an earlier request (it sat before wave 2 in the same checkpoint)
        List<ScoredCandidates> answers = List.of();
        for (int wave = 0; wave < 3; wave++) {
            PipelineChecks.sendRequests(kafka, script, "wave" + wave, end);
            answers = PipelineChecks.awaitAnswers(kafka, 20 * (wave + 1), Duration.ofSeconds(90));
        }
        scorer.cancel().get();
        learning.cancel().get();

        assertThat(FAILED).as("the failure was injected").isTrue();
        Map<String, Long> reasons = KafkaTestSupport.readCommitted(kafka, Topics.DEAD_LETTERS).stream()
                .filter(d -> d.getSourceTopic().equals(Topics.SCORE_REQUESTS.name()))
                .collect(Collectors.groupingBy(DeadLetter::getReasonCode, TreeMap::new, Collectors.counting()));
        assertThat(reasons).as("each corrupt request a dead letter with its reason, once").isEqualTo(expectedReasons);
        Map<String, Long> perRequest = answers.stream().collect(Collectors.groupingBy(ScoredCandidates::getRequestId,
                Collectors.counting()));
        assertThat(perRequest).hasSize(60).allSatisfy((request, count) -> assertThat(count).isEqualTo(1L));
        // answers after the restored checkpoint were produced again; their first copies were never committed
        System.out.printf("%d answers passed the failure point for 60 requests%n", PASSED.get());
    }

    private static JobClient executeAsync(Configuration config,
                                          java.util.function.Consumer<StreamExecutionEnvironment> define,
                                          String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(PARALLELISM);
        define.accept(env);
        return env.executeAsync(name);
    }
}
