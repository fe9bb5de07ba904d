package io.istream.ops.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.istream.avro.ReplicaDelta;
import io.istream.avro.Sample;
import io.istream.avro.ScoreStatus;
import io.istream.avro.ScoredCandidates;
import io.istream.features.job.DataPlaneJob;
import io.istream.features.job.JobEnvironment;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.local.EmbeddedKafkaBroker;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.schemas.Topics;
import io.istream.scorer.job.ScorerJob;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.job.SamplePartitioning;
import io.istream.trainer.job.TrainerOptions;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.model.ModelAssertions;
import io.istream.trainer.streaming.TrainerReplica;
import io.istream.trainer.updates.ModelFollower;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Trainer replicas (trainer.parallelism > 1) on a real broker and MiniCluster with RocksDB: the replicas' merged model
 * is what the scorer follows and serves, every sample is trained exactly once across them, through a task failure
 * and through savepoints that change the number of replicas 2 → 3 → 1.
 */
class TrainerReplicasITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(5).build());

    private EmbeddedKafkaBroker broker;
    private KafkaConnection kafka;

    @TempDir
    Path savepoints;

    @BeforeEach
    void startBroker() {
        broker = PipelineTestBase.brokerWithTopics(PipelineTestBase.PARALLELISM);
        kafka = broker.connection();
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    private static Configuration replicas(int n) {
        Configuration config = PipelineTestBase.jobConfig();
        config.set(TrainerOptions.PARALLELISM, n);
        return config;
    }

    private static EventScript script(long seed) {
        return SyntheticInterests.generate(SyntheticConfig.small().withSize(120, 20).withSeed(seed)).script();
    }

    @ParameterizedTest(name = "samples {0}")
    @EnumSource(SamplePartitioning.class)
    void twoReplicasTrainEverySampleOnceIntoTheModelTheScorerServes(SamplePartitioning partitioning) throws Exception {
        EventScript script = script(21);
        PipelineChecks.Halves halves = PipelineChecks.Halves.of(script);
        halves.publishFirst(kafka);
        halves.publishRestAndClock(kafka);
        Configuration options = replicas(2);
        options.set(TrainerOptions.PARTITIONING, partitioning);
        JobClient learning = startLearning(options, null);
        JobClient scorer = startScorer();
        ModelFollower model = PipelineChecks.awaitSettledModel(kafka, script.expectedSamples(), Duration.ofSeconds(180));
        PipelineChecks.sendRequests(kafka, script, "replicas", halves.endMs());
        List<ScoredCandidates> answers = PipelineChecks.awaitAnswers(kafka, 20, Duration.ofSeconds(60));
        learning.cancel().get();
        scorer.cancel().get();

        PipelineChecks.assertExactlyOnce(kafka, script, model);
        List<ReplicaDelta> deltas = KafkaTestSupport.readCommitted(kafka, Topics.TRAINER_DELTAS);
        assertThat(deltas.stream().map(ReplicaDelta::getReplica).distinct().sorted().toList())
                .as("both replicas sent deltas").containsExactly(0, 1);
        assertThat(deltas.stream().mapToLong(ReplicaDelta::getSamplesConsumed).sum())
                .as("the deltas' sample counts add up to every sample").isEqualTo(script.expectedSamples());
        // the model replica 0 published (rebuilt from FULL + DELTAs) is the initial model plus every replica's deltas
        ModelAssertions.assertSameParameters(TrainerReplica.merged(model.model().config(), deltas), model.model(),
                1e-4);   // float rounding: the same changes added in another order
        assertThat(answers).hasSize(20).allSatisfy(a -> {
            assertThat(a.getStatus()).isEqualTo(ScoreStatus.OK);
            assertThat(a.getModelVersion()).isPositive();
        });
        System.out.printf("2 replicas: %d samples, %d delta chunks (%d from replica 1), model version %d%n",
                model.samplesTrained(), deltas.size(), deltas.stream().filter(d -> d.getReplica() == 1).count(),
                model.version());
    }

    /** Armed once a checkpoint holds trained samples; then throws at the next sample, once. */
    static final AtomicBoolean ARMED = new AtomicBoolean();
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicLong PASSED = new AtomicLong();

    static final class FailOnce implements MapFunction<Sample, Sample> {
        @Override
        public Sample map(Sample sample) {
            if (ARMED.get() && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure in front of the trainer replicas");
            }
            PASSED.incrementAndGet();
            return sample;
        }
    }

    @Test
    void aTaskFailureRestoresBothReplicasAndLosesOrDoublesNothing() throws Exception {
        EventScript script = script(22);
        PipelineChecks.Halves halves = PipelineChecks.Halves.of(script);
        halves.publishFirst(kafka);
        Configuration config = replicas(2);
        config.setString("restart-strategy.type", "fixed-delay");
        config.setString("restart-strategy.fixed-delay.attempts", "3");
        config.setString("restart-strategy.fixed-delay.delay", "500 ms");
        JobClient learning = startLearning(config, new FailOnce());
        // a committed model update with samples: a completed checkpoint holds both replicas' trained state
        long before = awaitTrained(1, Duration.ofSeconds(120));
        ARMED.set(true);
        halves.publishRestAndClock(kafka);
        // watermarks are not checkpointed: if the restored checkpoint's offsets are past the clock events, event time
        // stands still until more events come, so the clock events come once more after the failure (at the same
        // time: a later clock would release the clock users' own impressions as samples)
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!FAILED.get() && System.nanoTime() < deadline) {
            Thread.sleep(100);   // poll interval: the failure gives no notice
        }
        PipelineChecks.publishClock(kafka, halves.endMs() + Duration.ofHours(3).toMillis());
        ModelFollower model = PipelineChecks.awaitSettledModel(kafka, script.expectedSamples(), Duration.ofSeconds(180));
        learning.cancel().get();

        assertThat(FAILED).as("the failure was injected").isTrue();
        PipelineChecks.assertExactlyOnce(kafka, script, model);
        System.out.printf("a failure after %d samples were trained: %d samples passed in front of the trainers for %d "
                + "trained once, model version %d%n", before, PASSED.get(), model.samplesTrained(), model.version());
    }

    /** Holds each sample a moment, so that a savepoint comes while samples are still to be trained. */
    static final class Throttle implements MapFunction<Sample, Sample> {
        @Override
        public Sample map(Sample sample) {
            LockSupport.parkNanos(3_000_000);
            return sample;
        }
    }

    @Test
    void savepointsRescaleTheReplicasTwoToThreeToOne() throws Exception {
        EventScript script = script(23);
        PipelineChecks.Halves halves = PipelineChecks.Halves.of(script);
        halves.publishFirst(kafka);

        JobClient two = startLearning(replicas(2), null);
        ModelFollower first = PipelineChecks.awaitSettledModel(kafka, 1, Duration.ofSeconds(120));
        String savepoint1 = two.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get();

        halves.publishRestAndClock(kafka);
        Configuration three = replicas(3);
        three.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint1);
        JobClient threeJob = startLearning(three, new Throttle());
        long midway = awaitTrained(first.samplesTrained() + 100, Duration.ofSeconds(120));
        String savepoint2 = threeJob.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get();

        Configuration one = replicas(1);
        one.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint2);
        JobClient oneJob = startLearning(one, null);
        ModelFollower last = PipelineChecks.awaitSettledModel(kafka, script.expectedSamples(), Duration.ofSeconds(180));
        oneJob.cancel().get();

        assertThat(midway).as("the second savepoint came before the last sample").isLessThan(script.expectedSamples());
        PipelineChecks.assertExactlyOnce(kafka, script, last);
        System.out.printf("2 replicas: %d samples; 3 replicas from its savepoint: %d by the next; 1 replica: %d, "
                + "model version %d%n", first.samplesTrained(), midway, last.samplesTrained(), last.version());
    }

    /** Waits until the published model counts at least {@code samples}; returns its count then. */
    private long awaitTrained(long samples, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ModelFollower follower = new ModelFollower();
            KafkaTestSupport.readCommitted(kafka, Topics.MODEL_UPDATES).forEach(follower::accept);
            if (follower.samplesTrained() >= samples) {
                return follower.samplesTrained();
            }
            Thread.sleep(200);   // poll interval: a topic gives no notice when a record is committed
        }
        throw new AssertionError("the model did not reach " + samples + " samples within " + timeout);
    }

    private JobClient startLearning(Configuration config, MapFunction<Sample, Sample> inFront) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(PipelineTestBase.PARALLELISM);
        DataStream<Sample> samples = DataPlaneJob.defineKafkaWorkflow(env, kafka, config, "it-replicas",
                StartingPosition.EARLIEST, false).samples();
        if (inFront != null) {
            samples = samples.map(inFront).returns(new AvroTypeInfo<>(Sample.class)).name("in-front")
                    .uid("in-front");
        }
        TrainingJob.defineWorkflow(env, samples, config, TrainingJob.kafkaSinks(kafka, "it-replicas"));
        return env.executeAsync("it-replicas-learning");
    }

    private JobClient startScorer() throws Exception {
        Configuration config = PipelineTestBase.jobConfig();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(1);
        ScorerJob.defineKafkaWorkflow(env, kafka, config, "it-replicas-scorer", StartingPosition.EARLIEST, false);
        return env.executeAsync("it-replicas-scorer");
    }
}
