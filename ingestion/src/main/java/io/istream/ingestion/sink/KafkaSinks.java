package io.istream.ingestion.sink;

import io.istream.ingestion.config.KafkaConnection;
import io.istream.schemas.AvroCodec;
import io.istream.schemas.Topic;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Transactional Kafka sinks for the catalogue's topics (DESIGN decision 5: exactly once end to end). */
public final class KafkaSinks {
    /** The broker's default transaction.max.timeout.ms; a longer producer timeout is refused. */
    static final String TRANSACTION_TIMEOUT_MS = String.valueOf(15 * 60 * 1000);

    private KafkaSinks() {
    }

    public static <V extends SpecificRecord> KafkaSink<V> exactlyOnce(KafkaConnection kafka, Topic<V> topic,
                                                                      SerializableFunction<V, byte[]> key,
                                                                      String transactionalIdPrefix) {
        return KafkaSink.<V>builder()
                .setKafkaProducerConfig(kafka.toProperties())
                .setRecordSerializer(new CatalogueSerializer<>(topic.name(), topic.values(), key))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .setProperty("compression.type", "lz4")
                .build();
    }

    static final class CatalogueSerializer<V extends SpecificRecord> implements KafkaRecordSerializationSchema<V> {
        private final String topic;
        private final AvroCodec<V> codec;
        private final SerializableFunction<V, byte[]> key;

        CatalogueSerializer(String topic, AvroCodec<V> codec, SerializableFunction<V, byte[]> key) {
            this.topic = topic;
            this.codec = codec;
            this.key = key;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(V value, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, timestamp, key.apply(value), codec.encode(value));
        }
    }
}
