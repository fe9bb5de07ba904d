package io.istream.ingestion.validate;

import io.istream.ingestion.config.IngestionOptions;
import java.io.Serializable;
import org.apache.flink.configuration.ReadableConfig;

/** The bounds {@link EventValidator} checks against. */
public record ValidationLimits(long minEventTimeMs, long maxFutureSkewMs, int maxCandidates) implements Serializable {
    public ValidationLimits {
        if (maxFutureSkewMs < 0 || maxCandidates < 1) {
            throw new IllegalArgumentException("need maxFutureSkewMs >= 0 and maxCandidates >= 1");
        }
    }

    public static ValidationLimits defaults() {
        return from(new org.apache.flink.configuration.Configuration());
    }

    public static ValidationLimits from(ReadableConfig config) {
        return new ValidationLimits(config.get(IngestionOptions.MIN_EVENT_TIME_MS),
                config.get(IngestionOptions.MAX_FUTURE_SKEW).toMillis(), config.get(IngestionOptions.MAX_CANDIDATES));
    }
}
