package io.istream.ingestion.testing;

import io.istream.ingestion.config.CommittedReader;
import io.istream.ingestion.config.KafkaConnection;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Reading and writing raw topics in integration tests, against a real broker. */
public final class KafkaTestSupport {
    private KafkaTestSupport() {
    }

    /** Everything committed to the topic, decoded; fails on a record the topic's codec cannot decode. */
    public static <V extends SpecificRecord> List<V> readCommitted(KafkaConnection kafka, Topic<V> topic) {
        return CommittedReader.readCommitted(kafka, topic);
    }

    /** Reads from the beginning to the last stable offset of every partition, read_committed. */
    public static List<ConsumerRecord<byte[], byte[]>> readCommittedRaw(KafkaConnection kafka, String topic) {
        return CommittedReader.readCommittedRaw(kafka, topic);
    }

    /** Sends raw key/value bytes, as a buggy or hostile producer would. */
    public static void sendRaw(KafkaConnection kafka, String topic, List<byte[][]> keyValues) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.toProperties(),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[][] kv : keyValues) {
                producer.send(new ProducerRecord<>(topic, kv[0], kv[1]));
            }
            producer.flush();
        }
    }
}
