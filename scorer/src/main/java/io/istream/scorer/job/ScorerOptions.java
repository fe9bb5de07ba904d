package io.istream.scorer.job;

import io.istream.features.job.JobOptions;
import java.time.Duration;
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

    public static final ConfigOption<Duration> USER_TTL = ConfigOptions.key("scorer.user-ttl")
            .durationType().defaultValue(Duration.ofDays(30))
            .withDescription("Processing time after which a stored behaviour is forgotten, and a user without newer "
                    + "ones with it (Flink state TTL, cleaned in RocksDB compaction): keeps the scorer's state bounded"
                    + " on an endless stream of new users. 0 = never.");

    public static final ConfigOption<Integer> INTEREST_CACHE_USERS = ConfigOptions.key("scorer.interest-cache-users")
            .intType().defaultValue(1000)
            .withDescription("Users per scorer subtask whose DIEN interest-extractor states are kept between requests "
                    + "for the current model version (about T·H·4 bytes each: 14 KB at T = 100, H = 36); 0 = none.");

    public static final ConfigOption<Integer> MODEL_THREADS = ConfigOptions.key("scorer.model-threads")
            .intType().defaultValue(1)
            .withDescription("Threads one DIEN request may use (1 or 2): with 2, the AUGRU's candidate rows are split "
                    + "over a second thread. Lowers latency where cores are idle; under full load it only adds "
                    + "threads competing for them.");

    public static final ConfigOption<Boolean> READ_UNCOMMITTED_UPDATES = ConfigOptions
            .key("scorer.read-uncommitted-updates").booleanType().defaultValue(true)
            .withDescription("Apply model updates as soon as the trainer writes them (read_uncommitted), rather than "
                    + "when the learning job's checkpoint commits them (read_committed): freshness then does not "
                    + "wait for checkpoints. After a trainer failure the scorer may serve, until the restored "
                    + "trainer's first FULL arrives, a model that includes updates the restore rolled back "
                    + "(docs/architecture.md, \"Model freshness\"). false = committed updates only.");

    public static final List<ConfigOption<?>> ALL = List.of(MAX_HISTORY, KEPT_BEHAVIOURS, USER_TTL,
            INTEREST_CACHE_USERS, MODEL_THREADS, READ_UNCOMMITTED_UPDATES);

    public static String describe(ReadableConfig config) {
        return JobOptions.describe(ALL, config);
    }
}
