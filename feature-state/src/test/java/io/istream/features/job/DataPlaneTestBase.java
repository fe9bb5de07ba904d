package io.istream.features.job;

import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.config.TopicAdmin;
import io.istream.ingestion.local.EmbeddedKafkaBroker;
import io.istream.ingestion.source.StartingPosition;
import io.istream.schemas.Topics;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real KRaft broker and a real Flink MiniCluster (2 slots) running the data plane on RocksDB. */
abstract class DataPlaneTestBase {
    static final int PARALLELISM = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(PARALLELISM).build());

    static EmbeddedKafkaBroker broker;
    static KafkaConnection kafka;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
        kafka = broker.connection();
        TopicAdmin.ensureTopics(kafka, Topics.ALL, PARALLELISM, (short) 1);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Test settings: fail fast unless a test asks for restarts; checkpoint often so transactions commit soon. */
    static Configuration jobConfig(Duration attributionWindow) {
        Configuration config = new Configuration();
        config.setString("restart-strategy.type", "none");
        config.setString("execution.checkpointing.interval", "300 ms");
        config.setString("execution.checkpointing.min-pause", "100 ms");
        config.set(FeatureStateOptions.ATTRIBUTION_WINDOW, attributionWindow);
        // bounded runs: a finished split stops holding the watermark back by itself; idleness would only add
        // timing-dependent lateness on a slow machine
        config.set(io.istream.ingestion.config.IngestionOptions.IDLE_PARTITION_TIMEOUT, Duration.ZERO);
        // review datasets span years: keep sequences for the whole replay
        config.set(FeatureStateOptions.SEQUENCE_TTL, Duration.ofDays(3650));
        return config;
    }

    static StreamExecutionEnvironment environment(Configuration config) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(PARALLELISM);
        return env;
    }

    static void runBounded(Configuration config, String groupId) throws Exception {
        StreamExecutionEnvironment env = environment(config);
        DataPlaneJob.defineKafkaWorkflow(env, kafka, config, groupId, StartingPosition.EARLIEST, true);
        env.execute(groupId);
    }
}
