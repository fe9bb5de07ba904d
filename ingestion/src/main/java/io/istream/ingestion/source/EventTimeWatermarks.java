package io.istream.ingestion.source;

import io.istream.avro.DeadLetter;
import io.istream.avro.IngestedEvent;
import io.istream.schemas.EventFields;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event-time watermarks per Kafka partition: bounded out-of-orderness over VALID events only, so a dead letter
 * can never move time, and idleness so a quiet partition does not stall the job.
 */
public final class EventTimeWatermarks {
    private EventTimeWatermarks() {
    }

    /**
     * With {@code maxDrift} > 0, also Flink's watermark alignment: a split whose watermark is more than
     * {@code maxDrift} ahead of the slowest split's is paused until it is not.
     */
    public static WatermarkStrategy<IngestedEvent> strategy(Duration maxOutOfOrderness, Duration idleTimeout,
                                                            Duration maxDrift) {
        long boundMs = maxOutOfOrderness.toMillis();
        WatermarkStrategy<IngestedEvent> strategy = WatermarkStrategy
                .<IngestedEvent>forGenerator(ctx -> new ValidEventsOnly(boundMs))
                .withTimestampAssigner((event, kafkaTimestamp) -> EventFields.eventTimeMs(event.getPayload()));
        strategy = idleTimeout.isZero() ? strategy : strategy.withIdleness(idleTimeout);
        return maxDrift.isZero() ? strategy
                : strategy.withWatermarkAlignment(ALIGNMENT_GROUP, maxDrift, ALIGNMENT_UPDATE_INTERVAL);
    }

    /** The alignment group of the input events' source; how often its subtasks agree on the slowest watermark. */
    static final String ALIGNMENT_GROUP = "input-events";
    static final Duration ALIGNMENT_UPDATE_INTERVAL = Duration.ofMillis(200);

    /** Like Flink's BoundedOutOfOrdernessWatermarks, but blind to dead letters. */
    static final class ValidEventsOnly implements WatermarkGenerator<IngestedEvent> {
        private final long boundMs;
        private long maxTimestamp;

        ValidEventsOnly(long boundMs) {
            this.boundMs = boundMs;
            this.maxTimestamp = Long.MIN_VALUE + boundMs + 1;
        }

        @Override
        public void onEvent(IngestedEvent event, long timestamp, WatermarkOutput output) {
            if (!(event.getPayload() instanceof DeadLetter)) {
                maxTimestamp = Math.max(maxTimestamp, timestamp);
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(maxTimestamp - boundMs - 1));
        }
    }
}
