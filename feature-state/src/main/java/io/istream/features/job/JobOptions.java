package io.istream.features.job;

import java.util.List;
import java.util.Objects;
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
}
