package io.istream.ingestion.config;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Typed options of the ingestion stage: validation limits and event-time watermarks. */
public final class IngestionOptions {
    private IngestionOptions() {
    }

    public static final ConfigOption<Long> MIN_EVENT_TIME_MS = ConfigOptions.key("ingestion.min-event-time-ms")
            .longType().defaultValue(631_152_000_000L)
            .withDescription("Events before this epoch-millisecond time are dead letters (ABSURD_TIMESTAMP). "
                    + "Default 1990-01-01: older than any dataset replayed here, newer than a zero or seconds-for-millis bug.");

    public static final ConfigOption<Duration> MAX_FUTURE_SKEW = ConfigOptions.key("ingestion.max-future-skew")
            .durationType().defaultValue(Duration.ofDays(1))
            .withDescription("Events more than this far ahead of the wall clock are dead letters (ABSURD_TIMESTAMP); "
                    + "one would otherwise drag the watermark into the future and make every later event late.");

    public static final ConfigOption<Integer> MAX_CANDIDATES = ConfigOptions.key("ingestion.max-candidates")
            .intType().defaultValue(1000)
            .withDescription("Score requests with more candidates than this are dead letters (OVERSIZED_CANDIDATES).");

    public static final ConfigOption<Duration> MAX_OUT_OF_ORDERNESS = ConfigOptions.key("ingestion.max-out-of-orderness")
            .durationType().defaultValue(Duration.ofMillis(500))
            .withDescription("Bounded out-of-orderness of event time within one Kafka partition. The watermark "
                    + "trails the newest event by this much: larger tolerates more disorder, but delays every label.");

    public static final ConfigOption<Duration> IDLE_PARTITION_TIMEOUT = ConfigOptions.key("ingestion.idle-partition-timeout")
            .durationType().defaultValue(Duration.ofSeconds(5))
            .withDescription("A partition with no records for this long stops holding the watermark back.");

    public static final ConfigOption<Duration> MAX_WATERMARK_DRIFT = ConfigOptions.key("ingestion.max-watermark-drift")
            .durationType().defaultValue(Duration.ZERO)
            .withDescription("Watermark alignment of the input partitions: a partition whose watermark runs this far "
                    + "ahead of the slowest one's pauses until the others catch up, so a backlog or replay is read in "
                    + "about event-time order across partitions. 0 = off (partitions are read as fast as they come).");

    public static final java.util.List<ConfigOption<?>> ALL = java.util.List.of(MIN_EVENT_TIME_MS, MAX_FUTURE_SKEW,
            MAX_CANDIDATES, MAX_OUT_OF_ORDERNESS, IDLE_PARTITION_TIMEOUT, MAX_WATERMARK_DRIFT);
}
