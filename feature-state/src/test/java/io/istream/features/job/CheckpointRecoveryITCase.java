package io.istream.features.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.Sample;
import io.istream.ingestion.dataset.SyntheticConfig;
import io.istream.ingestion.dataset.SyntheticInterests;
import io.istream.ingestion.dataset.TimedEvent;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * (c) The job fails mid-stream after a completed checkpoint and restarts from it: the samples topic, read
 * read_committed, holds every sample exactly once.
 */
class CheckpointRecoveryITCase extends DataPlaneTestBase {
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicInteger CHECKPOINTS_BEFORE_FAILURE = new AtomicInteger();

    @Test
    void restartFromCheckpointNeitherLosesNorDuplicatesSamples() throws Exception {
        SyntheticInterests synthetic = SyntheticInterests.generate(SyntheticConfig.small());
        try (EventPublisher publisher = new EventPublisher(kafka, ValidationLimits.defaults())) {
            for (TimedEvent event : synthetic.script().events()) {
                publisher.publish(event.event());
            }
            publisher.flush();
        }
        Configuration config = jobConfig(Duration.ofMinutes(5));
        config.setString("restart-strategy.type", "fixed-delay");
        config.setString("restart-strategy.fixed-delay.attempts", "3");
        config.setString("restart-strategy.fixed-delay.delay", "200 ms");
        // the throttled map backpressures the job; aligned barriers would queue behind the buffered records and
        // complete only at the end of input. Unaligned ones overtake them (still exactly once: in-flight records
        // are part of the checkpoint), so a checkpoint completes mid-stream whatever the machine's speed.
        config.setString("execution.checkpointing.unaligned.enabled", "true");
        StreamExecutionEnvironment env = environment(config);
        String group = "checkpoint-recovery";
        DataPlaneJob.defineWorkflow(env,
                DataPlaneJob.kafkaSource(kafka, config, group, StartingPosition.EARLIEST, true),
                DataPlaneJob.watermarks(config), config,
                samples -> samples.map(new FailOnceAfterCheckpoint()).returns(new AvroTypeInfo<>(Sample.class))
                        .name("inject-failure").uid("inject-failure")
                        .sinkTo(DataPlaneJob.samplesSink(kafka, group)).name("samples-sink").uid("samples-sink"),
                dead -> dead.sinkTo(DataPlaneJob.deadLettersSink(kafka, group)));
        env.execute(group);

        assertThat(FAILED).as("the failure was injected after a completed checkpoint").isTrue();
        List<Sample> samples = KafkaTestSupport.readCommitted(kafka, Topics.SAMPLES);
        Set<String> ids = new HashSet<>();
        for (Sample s : samples) {
            assertThat(ids.add(s.getSampleId())).as("sample %s committed twice", s.getSampleId()).isTrue();
        }
        assertThat((long) samples.size()).as("no sample lost").isEqualTo(synthetic.script().expectedSamples());
        assertThat(KafkaTestSupport.readCommitted(kafka, Topics.DEAD_LETTERS)).isEmpty();
    }

    /**
     * Throws once, on the first record after a checkpoint completed and some samples went into the open
     * transaction. It also slows records until then, so that a checkpoint completes mid-stream whatever the machine's
     * speed; parking a millisecond per record is the throttle, not a wait for a condition.
     */
    static final class FailOnceAfterCheckpoint implements MapFunction<Sample, Sample>, CheckpointListener {
        private transient boolean checkpointCompleted;
        private transient int seenSinceCheckpoint;

        @Override
        public Sample map(Sample sample) {
            if (!FAILED.get()) {
                if (checkpointCompleted && ++seenSinceCheckpoint > 50) {
                    FAILED.set(true);
                    throw new IllegalStateException("injected failure after checkpoint");
                }
                // 1 ms a record until the failure: the whole input takes seconds, so a checkpoint completes first
                // even when the MiniCluster is slow to take its first one (200 µs was too little on a busy box)
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return sample;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointCompleted = true;
            CHECKPOINTS_BEFORE_FAILURE.incrementAndGet();
        }
    }
}
