package io.istream.ops.pipeline;

import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import io.istream.avro.Sample;
import io.istream.features.job.DataPlaneJob;
import io.istream.features.job.JobEnvironment;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.ops.local.ScriptChooser;
import io.istream.schemas.Topics;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.TimedEvent;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.streaming.StreamingTrainer;
import io.istream.trainer.testing.SharedData;
import io.istream.trainer.updates.ModelFollower;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The learning job fails in front of the trainer mid-stream and restarts from its last checkpoint: the trainer's
 * model, optimiser and buffered samples come back from state, the lost tail is replayed, and in the end every
 * labelled sample was trained exactly once (count and order-independent checksum of sample ids, kept in trainer
 * state and stamped on every model update), with model versions still consecutive on read_committed.
 */
class TrainerRestartITCase extends PipelineTestBase {

    /**
     * Throws once, at the first sample after a checkpoint completed with at least {@code PROGRESS} samples through:
     * the whole job restarts from that checkpoint (a task failure), with trained state to restore and a tail to replay.
     */
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicBoolean CHECKPOINTED_WITH_PROGRESS = new AtomicBoolean();
    static final AtomicLong PASSED = new AtomicLong();
    static final long PROGRESS = 1_000;
    /** Per sample after PROGRESS until a checkpoint covers it: with 300 ms checkpoints, a few hundred samples at most. */
    static final long THROTTLE_NANOS = 2_000_000;

    static final class FailOnce implements MapFunction<Sample, Sample>, CheckpointListener {
        @Override
        public Sample map(Sample sample) {
            if (CHECKPOINTED_WITH_PROGRESS.get() && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure in front of the trainer after " + PASSED.get()
                        + " samples");
            }
            if (PASSED.incrementAndGet() >= PROGRESS && !CHECKPOINTED_WITH_PROGRESS.get()) {
                // hold the stream back (not stop it: barriers pass between records) until a checkpoint covers the
                // progress, so that samples remain after it however fast the trainer drains the slice
                LockSupport.parkNanos(THROTTLE_NANOS);
            }
            return sample;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            if (PASSED.get() >= PROGRESS) {
                CHECKPOINTED_WITH_PROGRESS.set(true);
            }
        }
    }

    @Test
    void restartFromCheckpointTrainsEverySampleExactlyOnce() throws Exception {
        EventScript script = ScriptChooser.load(SharedData.location(SharedData.AMAZON_BEAUTY), 150, 5, false,
                System.out);
        publish(script);
        Configuration config = jobConfig();
        config.setString("restart-strategy.type", "fixed-delay");
        config.setString("restart-strategy.fixed-delay.attempts", "3");
        config.setString("restart-strategy.fixed-delay.delay", "500 ms");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(PARALLELISM);
        // the learning graph with an operator that fails once between the data plane and the trainer
        TrainingJob.defineWorkflow(env, DataPlaneJob.defineKafkaWorkflow(env, kafka, config, "it-restart",
                        StartingPosition.EARLIEST, true).samples()
                        .map(new FailOnce()).returns(new AvroTypeInfo<>(Sample.class))
                        .name("fail-once").uid("fail-once").setParallelism(1),
                config, TrainingJob.kafkaSinks(kafka, "it-restart"));
        env.execute("it-restart");
        assertThat(FAILED).as("the failure was injected").isTrue();

        List<Sample> samples = KafkaTestSupport.readCommitted(kafka, Topics.SAMPLES);
        assertThat(samples).hasSize((int) script.expectedSamples());
        long checksum = 0;
        for (Sample s : samples) {
            checksum += StreamingTrainer.mix(s.getSampleId());
        }
        List<ModelUpdate> updates = KafkaTestSupport.readCommitted(kafka, Topics.MODEL_UPDATES);
        long previous = 0;
        int fulls = 0;
        ModelFollower follower = new ModelFollower();
        for (ModelUpdate u : updates) {
            assertThat(u.getModelVersion()).isIn(previous, previous + 1);
            previous = u.getModelVersion();
            if (u.getKind() == ModelUpdateKind.FULL && u.getChunkIndex() == 0) {
                fulls++;
            }
            follower.accept(u);
        }
        System.out.printf("%d samples passed the failure point (more than the %d samples: a tail was replayed); "
                + "%d FULL updates; final version %d%n", PASSED.get(), samples.size(), fulls, previous);
        assertThat(PASSED.get()).as("samples after the last checkpoint went through twice").isGreaterThan(samples.size());
        assertThat(fulls).as("a FULL at start, after the restore, and at the end").isGreaterThanOrEqualTo(3);
        assertThat(follower.version()).isEqualTo(previous);
        assertThat(follower.samplesTrained()).isEqualTo(samples.size());
        assertThat(follower.sampleChecksum()).isEqualTo(checksum);
    }
}
