package io.istream.features.job;

import java.time.Duration;
import org.apache.flink.configuration.Configuration;

/**
 * The Flink settings every istream job runs with (DESIGN decisions 5 and 8): RocksDB keyed state, exactly-once
 * checkpoints, no Kryo fallback, object reuse between chained operators. Callers' explicit settings win.
 */
public final class JobEnvironment {
    private JobEnvironment() {
    }

    public static Configuration defaults(Configuration given) {
        Configuration config = new Configuration();
        config.setString("state.backend.type", "rocksdb");
        config.setString("execution.checkpointing.incremental", "true");
        config.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
        config.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(2));
        config.setString("execution.checkpointing.min-pause", "500 ms");
        // every stored type is an Avro class or a checked POJO: a silent Kryo fallback would be a bug
        config.setString("pipeline.generic-types", "false");
        // chained operators pass records without copying; no function here keeps a reference to its input
        config.setString("pipeline.object-reuse", "true");
        config.addAll(given);
        return config;
    }
}
