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

    public static WatermarkStrategy<IngestedEvent> strategy(Duration maxOutOfOrderness, Duration idleTimeout) {
        long boundMs = maxOutOfOrderness.toMillis();
        WatermarkStrategy<IngestedEvent> strategy = WatermarkStrategy
                .<IngestedEvent>forGenerator(ctx -> new ValidEventsOnly(boundMs))
                .withTimestampAssigner((event, kafkaTimestamp) -> EventFields.eventTimeMs(event.getPayload()));
        return idleTimeout.isZero() ? strategy : strategy.withIdleness(idleTimeout);
    }

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
