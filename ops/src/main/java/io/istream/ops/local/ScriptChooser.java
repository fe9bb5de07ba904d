package io.istream.ops.local;

import io.istream.trainer.dataset.DatasetFormat;
import io.istream.trainer.dataset.Datasets;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.RatingProtocol;
import io.istream.trainer.dataset.ReadOptions;
import io.istream.trainer.dataset.ReviewProtocol;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns a dataset path into the event script to replay, with the protocol that fits its format. */
public final class ScriptChooser {
    private ScriptChooser() {
    }

    /**
     * @param data  a dataset directory or file; when it does not exist, the synthetic generator is used and the
     *              choice is said on {@code log}
     * @param users 0 for all users
     */
    /**
     * The synthetic planted-interest world used where {@code data} does not exist, saying so on {@code log}: the
     * small preset (or the benchmark's), {@code users} users per cohort when positive.
     */
    public static SyntheticInterests synthetic(Path data, int users, long seed, boolean benchmarkSized,
                                               PrintStream log) {
        SyntheticConfig config = (benchmarkSized ? SyntheticConfig.benchmark() : SyntheticConfig.small())
                .withSeed(seed);
        if (users > 0) {
            config = config.withSize(users, config.eventsPerUser());
        }
        log.printf("No dataset at %s: using the synthetic planted-interest generator instead (%,d users x %,d steps).%n",
                data == null ? "(none given)" : data.toAbsolutePath().normalize(), config.users(),
                config.eventsPerUser());
        return SyntheticInterests.generate(config);
    }

    public static EventScript load(Path data, int users, long seed, boolean benchmarkSizedSynthetic, PrintStream log) {
        if (data == null || !Files.exists(data)) {
            return synthetic(data, users, seed, benchmarkSizedSynthetic, log).script();
        }
        DatasetFormat format = Datasets.detect(data);
        InteractionLog interactions = format.read(data, users > 0 ? ReadOptions.firstUsers(users) : ReadOptions.all());
        EventScript script = switch (format) {
            case MOVIELENS_100K, MOVIELENS_LATEST -> RatingProtocol.script(interactions);
            default -> ReviewProtocol.script(interactions, seed);
        };
        log.printf("Dataset %s (%s): %,d users, %,d items, %,d interactions -> %,d events, %,d expected samples.%n",
                data.toAbsolutePath().normalize(), format, interactions.users(), interactions.items(),
                interactions.interactions(), script.size(), script.expectedSamples());
        return script;
    }
}
