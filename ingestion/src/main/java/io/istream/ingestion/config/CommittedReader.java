package io.istream.ingestion.config;

import io.istream.schemas.AvroCodec;
import io.istream.schemas.DecodeException;
import io.istream.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic as it stands, read_committed: for benchmarks, tests and offline evaluators. */
public final class CommittedReader {
    private CommittedReader() {
    }

    /** Everything committed to the topic, decoded; throws on a record the topic's codec cannot decode. */
    public static <V extends SpecificRecord> List<V> readCommitted(KafkaConnection kafka, Topic<V> topic) {
        AvroCodec<V> codec = topic.values();
        List<V> values = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : readCommittedRaw(kafka, topic.name())) {
            try {
                values.add(codec.decode(record.value()));
            } catch (DecodeException e) {
                throw new IllegalStateException("undecodable record at " + record.topic() + "/" + record.partition()
                        + "@" + record.offset() + ": " + e.getMessage(), e);
            }
        }
        return values;
    }

    /** Reads from the beginning to the last stable offset of every partition, read_committed. */
    public static List<ConsumerRecord<byte[], byte[]>> readCommittedRaw(KafkaConnection kafka, String topic) {
        Properties props = kafka.toProperties();
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            Set<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end offsets " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
