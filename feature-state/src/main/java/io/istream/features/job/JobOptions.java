package io.istream.features.job;

import io.istream.ingestion.config.KafkaConnection;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/** What every istream job's {@code main} and the launcher share: the printed configuration and argument lookup. */
public final class JobOptions {
    private JobOptions() {
    }

    /** The effective value of every option, one per line, with the default where it differs. */
    public static String describe(List<ConfigOption<?>> options, ReadableConfig config) {
        StringBuilder out = new StringBuilder();
        for (ConfigOption<?> option : options) {
            Object value = config.get(option);
            out.append(String.format("  %-36s %s%s%n", option.key(), value,
                    Objects.equals(value, option.defaultValue()) ? "" : "   (default " + option.defaultValue() + ")"));
        }
        return out.toString();
    }

    /** The value after {@code name} in a job's arguments ({@code --bootstrap host:port}), or {@code fallback}. */
    public static String argument(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /**
     * The Kafka connection of a job's {@code main}: {@code --bootstrap host:port} (default {@code fallback}), then the
     * client settings of {@code --kafka-properties FILE} (a properties file: security.protocol, sasl.mechanism,
     * sasl.jaas.config, ssl.truststore.location, ssl.truststore.password, ...), then each
     * {@code --kafka-property key=value}, later ones winning. Keep secrets in the file: arguments show in process
     * lists. The connection prints with secret values masked.
     */
    public static KafkaConnection kafkaConnection(String[] args, String fallback) {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--kafka-property")) {
                String setting = args[i + 1];
                int eq = setting.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--kafka-property takes key=value, got '" + setting + "'");
                }
                overrides.put(setting.substring(0, eq).trim(), setting.substring(eq + 1));
            }
        }
        String file = argument(args, "--kafka-properties", null);
        return kafkaConnection(argument(args, "--bootstrap", fallback), file == null ? null : Path.of(file), overrides);
    }

    /** The brokers, the client settings of a properties file (or null), then {@code overrides}. */
    public static KafkaConnection kafkaConnection(String bootstrap, Path file, Map<String, String> overrides) {
        Map<String, String> client = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(file)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the Kafka client settings in " + file, e);
            }
            p.stringPropertyNames().forEach(k -> client.put(k, p.getProperty(k)));
        }
        client.putAll(overrides);
        if (client.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException("give the brokers with --bootstrap, not bootstrap.servers");
        }
        return new KafkaConnection(bootstrap, client);
    }
}
