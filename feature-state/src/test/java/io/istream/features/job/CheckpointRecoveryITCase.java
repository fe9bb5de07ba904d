package io.istream.features.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.IngestedEvent;
import io.istream.avro.Sample;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.dataset.TimedEvent;
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
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
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
        StreamExecutionEnvironment env = environment(config);
        String group = "checkpoint-recovery";
        DataPlaneJob.defineWorkflow(env,
                env.fromSource(DataPlaneJob.kafkaSource(kafka, config, group, StartingPosition.EARLIEST, true),
                        throttledUntilFailure(DataPlaneJob.watermarks(config)), "input-events").uid("input-events"),
                config, new DataPlaneJob.DataPlaneSinks(
                        samples -> samples.map(new FailOnceAfterCheckpoint()).returns(new AvroTypeInfo<>(Sample.class))
                                .name("inject-failure").uid("inject-failure")
                                .sinkTo(DataPlaneJob.samplesSink(kafka, group)).name("samples-sink")
                                .uid("samples-sink"),
                        dead -> dead.sinkTo(DataPlaneJob.deadLettersSink(kafka, group))));
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
     * The production watermarks, but the source parks 500 µs per event until the failure has been injected.
     *
     * <p>Why the source and not the samples: the source reader drains its splits largely one after another, so the
     * watermark (the minimum over splits) stays put until the last split is being read, and most samples come out in
     * bursts of attribution timers near the end of input. A task cannot take a checkpoint in the middle of a burst.
     * Unthrottled, a fast machine reads all ~22,000 events before the first checkpoint completes; the old throttle on
     * the samples only stretched the final burst, so no checkpoint ever completed before the first sample and the
     * failure was never injected (it happened on CI). Slowed at the source, reading takes ~5 s, and with a 300 ms
     * interval many checkpoints complete before the first sample appears. The failure then aborts an open
     * transaction that holds samples, and the restart must rebuild them from the checkpointed offsets and RocksDB
     * state exactly once. Parking is the throttle, not a wait for a condition.
     */
    static WatermarkStrategy<IngestedEvent> throttledUntilFailure(WatermarkStrategy<IngestedEvent> production) {
        return new WatermarkStrategy<>() {
            @Override
            public WatermarkGenerator<IngestedEvent> createWatermarkGenerator(WatermarkGeneratorSupplier.Context ctx) {
                return production.createWatermarkGenerator(ctx);
            }

            @Override
            public TimestampAssigner<IngestedEvent> createTimestampAssigner(TimestampAssignerSupplier.Context ctx) {
                TimestampAssigner<IngestedEvent> eventTime = production.createTimestampAssigner(ctx);
                return (event, recordTimestamp) -> {
                    if (!FAILED.get()) {
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500));
                    }
                    return eventTime.extractTimestamp(event, recordTimestamp);
                };
            }
        };
    }

    /** Throws once, on the 51st sample this subtask sees after a checkpoint completed, so that samples went into the
     * open transaction that the failure aborts. */
    static final class FailOnceAfterCheckpoint implements MapFunction<Sample, Sample>, CheckpointListener {
        private transient boolean checkpointCompleted;
        private transient int seenSinceCheckpoint;

        @Override
        public Sample map(Sample sample) {
            if (!FAILED.get() && checkpointCompleted && ++seenSinceCheckpoint > 50) {
                FAILED.set(true);
                throw new IllegalStateException("injected failure after checkpoint");
            }
            return sample;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            checkpointCompleted = true;
        }
    }
}
