package io.istream.features.job;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Typed options of the per-user feature state. */
public final class FeatureStateOptions {
    private FeatureStateOptions() {
    }

    public static final ConfigOption<Integer> MAX_SEQUENCE_LENGTH = ConfigOptions.key("features.max-sequence-length")
            .intType().defaultValue(100)
            .withDescription("Behaviours kept per user, newest kept (T in docs/model.md). Samples carry at most this "
                    + "many.");

    public static final ConfigOption<Integer> SEQUENCE_READ_AHEAD = ConfigOptions.key("features.sequence-read-ahead")
            .intType().defaultValue(400)
            .withDescription("Behaviours kept beyond the max sequence length because impressions before them are not "
                    + "labelled yet. Topics are read at different speeds (most when replaying a backlog), so behaviours "
                    + "can run ahead of their impressions; past this limit the oldest are dropped and counted "
                    + "(metric sequenceOverflow).");

    public static final ConfigOption<Duration> SEQUENCE_TTL = ConfigOptions.key("features.sequence-ttl")
            .durationType().defaultValue(Duration.ofDays(365))
            .withDescription("A user's sequence and join state are dropped this long (event time) after their newest "
                    + "behaviour, if no impression is pending. Keeps state bounded on an endless stream.");

    public static final ConfigOption<Duration> ATTRIBUTION_WINDOW = ConfigOptions.key("features.attribution-window")
            .durationType().defaultValue(Duration.ofMinutes(30))
            .withDescription("A click counts for an impression if it comes at most this long after it (event time). "
                    + "Negatives are emitted when the watermark passes the end of the window.");

    public static final ConfigOption<Integer> SHOWN_NOT_CLICKED = ConfigOptions.key("features.shown-not-clicked")
            .intType().defaultValue(20)
            .withDescription("Recent shown-but-not-clicked items kept per user as preferred auxiliary negatives.");

    public static final ConfigOption<Integer> POPULARITY_POOL = ConfigOptions.key("features.popularity-pool")
            .intType().defaultValue(20_000)
            .withDescription("Recent behaviour occurrences per parallel instance that the popularity sampler of "
                    + "auxiliary negatives draws from.");

    public static final java.util.List<ConfigOption<?>> ALL = java.util.List.of(MAX_SEQUENCE_LENGTH,
            SEQUENCE_READ_AHEAD, SEQUENCE_TTL, ATTRIBUTION_WINDOW, SHOWN_NOT_CLICKED, POPULARITY_POOL);

    /** The effective value of every ingestion and feature-state option, one per line, for the start of a job. */
    public static String describe(ReadableConfig config) {
        java.util.List<ConfigOption<?>> options = new java.util.ArrayList<>(io.istream.ingestion.config.IngestionOptions.ALL);
        options.addAll(ALL);
        return JobOptions.describe(options, config);
    }

    /** The keys of every ingestion and feature-state option. */
    public static java.util.List<String> keys() {
        java.util.List<String> out = new java.util.ArrayList<>();
        io.istream.ingestion.config.IngestionOptions.ALL.forEach(o -> out.add(o.key()));
        ALL.forEach(o -> out.add(o.key()));
        return out;
    }

    /** Throws IllegalArgumentException naming the option at fault. */
    public static void validate(ReadableConfig config) {
        positive(MAX_SEQUENCE_LENGTH, config.get(MAX_SEQUENCE_LENGTH));
        positive(SHOWN_NOT_CLICKED, config.get(SHOWN_NOT_CLICKED));
        positive(POPULARITY_POOL, config.get(POPULARITY_POOL));
        if (config.get(SEQUENCE_READ_AHEAD) < 0) {
            throw new IllegalArgumentException(SEQUENCE_READ_AHEAD.key() + " must be >= 0");
        }
        positive(SEQUENCE_TTL, config.get(SEQUENCE_TTL).toMillis());
        positive(ATTRIBUTION_WINDOW, config.get(ATTRIBUTION_WINDOW).toMillis());
        if (config.get(SEQUENCE_TTL).compareTo(config.get(ATTRIBUTION_WINDOW)) < 0) {
            throw new IllegalArgumentException(SEQUENCE_TTL.key() + " must be at least " + ATTRIBUTION_WINDOW.key());
        }
    }

    private static void positive(ConfigOption<?> option, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(option.key() + " must be positive, got " + value);
        }
    }
}
