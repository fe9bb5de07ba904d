package io.istream.scorer.job;

import io.istream.features.job.JobOptions;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Typed options of the scoring job. */
public final class ScorerOptions {
    private ScorerOptions() {
    }

    public static final ConfigOption<Integer> MAX_HISTORY = ConfigOptions.key("scorer.max-history")
            .intType().defaultValue(100)
            .withDescription("T: behaviours per request, newest kept (the trainer's trainer.max-history).");

    public static final ConfigOption<Integer> KEPT_BEHAVIOURS = ConfigOptions.key("scorer.kept-behaviours")
            .intType().defaultValue(200)
            .withDescription("Behaviours kept per user; the oldest beyond it are dropped (at least scorer.max-history, "
                    + "more for requests whose event time lags their user's behaviours).");

    public static final List<ConfigOption<?>> ALL = List.of(MAX_HISTORY, KEPT_BEHAVIOURS);

    public static String describe(ReadableConfig config) {
        return JobOptions.describe(ALL, config);
    }
}
