package io.istream.ingestion.config;

import io.istream.schemas.Topic;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Creates the catalogue's topics where they do not exist yet.
 *
 * <p>Every topic stamps records with the broker's append time. Event time travels in the payload (the pipeline
 * never reads Kafka timestamps), and a replay of historical data stamped with its own event time would be
 * deleted by time-based retention as soon as a segment rolled.
 */
public final class TopicAdmin {
    private TopicAdmin() {
    }

    /**
     * Waits until every partition has a leader that brokers know of. A producer that writes to a topic created a
     * moment ago otherwise meets NOT_LEADER_OR_FOLLOWER, and its idempotent retries can end in
     * OUT_OF_ORDER_SEQUENCE until delivery times out.
     */
    private static void awaitLeaders(Admin admin, Collection<Topic<?>> topics)
            throws InterruptedException, ExecutionException {
        List<String> names = topics.stream().map(Topic::name).toList();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (true) {
            boolean ready;
            try {
                ready = admin.describeTopics(names).allTopicNames().get().values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
                ready = false; // created, but not yet in this broker's metadata
            }
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + names + " have no leaders after 60 s");
            }
            Thread.sleep(50); // polling the broker's metadata: there is no notification to wait on
        }
    }

    public static void ensureTopics(KafkaConnection kafka, Collection<Topic<?>> topics, int partitions,
                                    short replicationFactor) {
        try (Admin admin = Admin.create(kafka.toProperties())) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (Topic<?> topic : topics) {
                if (!existing.contains(topic.name())) {
                    missing.add(new NewTopic(topic.name(), partitions, replicationFactor)
                            .configs(Map.of("max.message.bytes", String.valueOf(8 * 1024 * 1024),
                                    "message.timestamp.type", "LogAppendTime")));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
            awaitLeaders(admin, topics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics on " + kafka.bootstrapServers() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }
}
