package io.istream.ops.cli;

import io.istream.features.job.FeatureStateOptions;
import io.istream.features.job.JobArguments;
import io.istream.scorer.job.ScorerOptions;
import io.istream.trainer.job.TrainingJob;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** Options of the commands that run the data plane on the local stack (picocli mixin). */
final class LocalJobOptions {
    @Option(names = "--parallelism", defaultValue = "2", description = "Flink parallelism and partitions per topic")
    int parallelism;

    @Option(names = "--seed", defaultValue = "7", description = "seed of sampled negatives / synthetic data")
    long seed;

    @Option(names = "--conf", description = "a Flink or istream option, e.g. --conf features.attribution-window=1h "
            + "--conf execution.checkpointing.interval=10s (repeatable)")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--json", description = "also write the figures to this JSON file")
    Path json;

    @Option(names = "--show-config", description = "print every option's effective value at start, not only those "
            + "that differ from the defaults")
    boolean showConfig;

    /** The job options: local-stack defaults, then whatever --conf says. */
    Configuration jobOptions() {
        return jobOptions(Map.of());
    }

    /** The job options: local-stack defaults, then the command's own ({@code commandDefaults}), then --conf. */
    Configuration jobOptions(Map<String, String> commandDefaults) {
        Configuration options = new Configuration();
        // replayed datasets span years of event time: keep every user's sequence for the whole replay
        options.set(FeatureStateOptions.SEQUENCE_TTL, Duration.ofDays(3650));
        // and ids too: event time moves years during a replay
        options.setString("model.expire-after", "3650d");
        options.set(io.istream.trainer.job.TrainerOptions.METRICS_WINDOW, Duration.ofSeconds(5));
        options.addAll(Configuration.fromMap(commandDefaults));
        options.addAll(Configuration.fromMap(conf));
        List<String> known = new ArrayList<>(TrainingJob.keys());
        ScorerOptions.ALL.forEach(o -> known.add(o.key()));
        List<String> unknown = conf.keySet().stream()
                .filter(k -> JobArguments.PROJECT_PREFIXES.stream().anyMatch(k::startsWith) && !known.contains(k))
                .toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + unknown + "; the options are listed in"
                    + " docs/configuration.md");
        }
        String described = FeatureStateOptions.describe(options)
                + io.istream.trainer.job.TrainerOptions.describe(options)
                + io.istream.scorer.job.ScorerOptions.describe(options);
        if (showConfig) {
            System.out.print("effective configuration:\n" + described
                    + (conf.isEmpty() ? "" : "  given: " + conf + "\n"));
        } else {
            // the lines that say "(default ...)" are the options set to something else
            List<String> changed = described.lines().filter(line -> line.contains("(default ")).map(line -> {
                String[] parts = line.trim().split("\\s+");
                return parts[0] + "=" + parts[1];
            }).toList();
            System.out.println("configuration: the defaults (docs/configuration.md)"
                    + (changed.isEmpty() ? "" : " except " + String.join(", ", changed))
                    + "; --show-config prints every option");
        }
        return options;
    }
}
