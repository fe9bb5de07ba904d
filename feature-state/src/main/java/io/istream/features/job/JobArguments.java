package io.istream.features.job;

import io.istream.ingestion.config.KafkaConnection;
import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.YamlParserUtils;

/**
 * What a job's {@code main} was given: the Kafka connection, the consumer group and the job options.
 *
 * <p>Arguments: {@code --bootstrap HOST:PORT}, {@code --group-id ID}, {@code --kafka-properties FILE},
 * {@code --kafka-property key=value} (see {@link JobOptions#kafkaConnection}), {@code --conf-file FILE} and
 * {@code --conf key=value}, each of the last two repeatable. The job options are, later ones winning: the cluster's
 * Flink configuration as the client sees it ({@code config.yaml} and {@code flink run -Dkey=value}), each
 * {@code --conf-file} (a {@code .properties} file, or YAML with nested or dotted keys), each {@code --conf}. A key
 * under one of the project's prefixes ({@code features.}, {@code ingestion.}, {@code trainer.}, {@code scorer.},
 * {@code model.}, {@code optimizer.}) that no option of the job knows is an error, so a typo never goes unnoticed.
 */
public record JobArguments(KafkaConnection kafka, String groupId, Configuration options) {

    /** The prefixes of the project's own option keys. */
    public static final List<String> PROJECT_PREFIXES = List.of("features.", "ingestion.", "trainer.", "scorer.",
            "model.", "optimizer.");

    private static final Set<String> VALUED = Set.of("--bootstrap", "--group-id", "--kafka-properties",
            "--kafka-property", "--conf-file", "--conf");

    /**
     * @param cluster   the cluster's configuration (the execution environment's), or an empty one
     * @param knownKeys every option key this job reads under the project's prefixes
     */
    public static JobArguments parse(String[] args, String defaultGroup, ReadableConfig cluster,
                                     Collection<String> knownKeys) {
        for (int i = 0; i < args.length; i += 2) {
            if (!VALUED.contains(args[i]) || i + 1 >= args.length) {
                throw new IllegalArgumentException("unknown or incomplete argument '" + args[i] + "'; a job takes "
                        + String.join(", ", VALUED) + ", each followed by its value");
            }
        }
        Map<String, String> values = new LinkedHashMap<>(cluster.toMap());
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--conf-file")) {
                values.putAll(readFile(Path.of(args[i + 1])));
            } else if (args[i].equals("--conf")) {
                String setting = args[i + 1];
                int eq = setting.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--conf takes key=value, got '" + setting + "'");
                }
                values.put(setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
            }
        }
        List<String> unknown = new ArrayList<>();
        for (String key : values.keySet()) {
            if (PROJECT_PREFIXES.stream().anyMatch(key::startsWith) && !knownKeys.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + unknown + "; this job's options are listed in"
                    + " docs/configuration.md");
        }
        return new JobArguments(JobOptions.kafkaConnection(args, "127.0.0.1:9092"),
                JobOptions.argument(args, "--group-id", defaultGroup), Configuration.fromMap(values));
    }

    /** A {@code .properties} file, or a YAML file whose nested maps become dotted keys. */
    static Map<String, String> readFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        Map<String, String> out = new LinkedHashMap<>();
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            Map<String, Object> tree;
            try {
                tree = YamlParserUtils.loadYamlFile(new File(file.toString()));
            } catch (Exception e) {
                throw new IllegalArgumentException("cannot read the YAML options file " + file + ": " + e.getMessage(),
                        e);
            }
            flatten("", tree, out);
            return out;
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the options file " + file, e);
        }
        p.stringPropertyNames().forEach(k -> out.put(k.trim(), p.getProperty(k).trim()));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> tree, Map<String, String> out) {
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            String key = prefix + e.getKey();
            Object value = e.getValue();
            if (value instanceof Map<?, ?> nested) {
                flatten(key + ".", (Map<String, Object>) nested, out);
            } else if (value instanceof List<?> list) {
                out.put(key, String.join(",", list.stream().map(String::valueOf).toList()));
            } else {
                out.put(key, String.valueOf(value));
            }
        }
    }
}
