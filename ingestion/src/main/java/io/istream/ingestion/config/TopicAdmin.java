package io.istream.ingestion.config;

import io.istream.schemas.Topic;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;

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
                var described = admin.describeTopics(names).allTopicNames().get().values();
                ready = described.stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    // a leader in the metadata is not yet a leader that serves: a produce right after creation got
                    // NOT_LEADER_OR_FOLLOWER on a fresh broker, and the idempotent producer's retries then failed with
                    // OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout. ListOffsets is answered by leaders only.
                    Map<TopicPartition, OffsetSpec> all = new HashMap<>();
                    described.forEach(d -> d.partitions().forEach(p -> all.put(
                            new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
                    admin.listOffsets(all).all().get();
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw e;
                }
                ready = false; // created, but not yet in this broker's metadata, or its leader not yet serving
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
