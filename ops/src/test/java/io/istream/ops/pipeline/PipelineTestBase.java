package io.istream.ops.pipeline;

import io.istream.features.job.FeatureStateOptions;
import io.istream.ingestion.config.IngestionOptions;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.config.TopicAdmin;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.TimedEvent;
import io.istream.ingestion.local.EmbeddedKafkaBroker;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.Topics;
import io.istream.trainer.job.TrainerOptions;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real KRaft broker and a MiniCluster with room for the learning and the scoring job at parallelism 2. */
abstract class PipelineTestBase {
    static final int PARALLELISM = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2 * PARALLELISM).build());

    static EmbeddedKafkaBroker broker;
    static KafkaConnection kafka;

    @BeforeAll
    static void startBroker() {
        broker = brokerWithTopics(PARALLELISM);
        kafka = broker.connection();
    }

    /** An embedded broker with every catalogue topic, {@code partitions} partitions each. */
    static EmbeddedKafkaBroker brokerWithTopics(int partitions) {
        EmbeddedKafkaBroker started = EmbeddedKafkaBroker.start();
        TopicAdmin.ensureTopics(started.connection(), Topics.ALL, partitions, (short) 1);
        return started;
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Fail fast, checkpoint often (transactions commit soon), small windows and batches for a small slice. */
    static Configuration jobConfig() {
        Configuration config = new Configuration();
        config.setString("restart-strategy.type", "none");
        config.setString("execution.checkpointing.interval", "300 ms");
        config.setString("execution.checkpointing.min-pause", "100 ms");
        config.set(IngestionOptions.IDLE_PARTITION_TIMEOUT, Duration.ZERO);
        config.set(FeatureStateOptions.SEQUENCE_TTL, Duration.ofDays(3650));
        config.set(TrainerOptions.METRICS_WINDOW, Duration.ofMillis(500));
        config.set(TrainerOptions.PUBLISH_EVERY_BATCHES, 5);
        config.set(TrainerOptions.BATCH_SIZE, 64);
        config.setString("optimizer.learning-rate", "0.003");
        // one pass over a small slice: the shipped MBA λ = 10 is chosen for many passes and learns little from the
        // first one; without it the prequential AUC shows learning within the slice (docs/results.md, "MBA")
        config.setString("optimizer.regularization", "none");
        config.setString("model.expire-after", "0");
        return config;
    }

    static void publish(EventScript script) {
        publish(kafka, script);
    }

    static void publish(KafkaConnection to, EventScript script) {
        try (EventPublisher publisher = new EventPublisher(to, ValidationLimits.defaults())) {
            for (TimedEvent event : script.events()) {
                publisher.publish(event.event());
            }
            publisher.flush();
        }
    }
}
