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
    /**
     * Producer batch size. A sample is ~1.5 KB, so Kafka's default 16 KiB batch held about ten, and every batch opened
     * an lz4 frame (its header checksum was ~3% of the keyed operator's time) and a produce request of its own. A
     * batch is still sent after linger.ms, so a larger one adds no latency; it stays below the broker's 1 MiB
     * message limit.
     */
    static final String BATCH_SIZE_BYTES = String.valueOf(256 * 1024);
    /**
     * How long a batch waits to fill. These producers are transactional and their readers read_committed, so a record
     * becomes visible only when the checkpoint commits, and the checkpoint's flush sends whatever still lingers: a
     * longer linger delays no reader. With Kafka's default of 5 ms the samples sink sent batches of a few dozen
     * samples, and opening each batch's lz4 frame (a 64 KiB buffer) was a tenth of the data plane's allocation.
     */
    static final String LINGER_MS = "100";

    /**
     * The linger of a sink whose readers may read uncommitted records (the model updates): they see a record when it
     * is sent, so it is sent at once. Model updates are few and large; batching them gains nothing.
     */
    static final String LINGER_MS_UNCOMMITTED_READERS = "0";

    private KafkaSinks() {
    }

    public static <V extends SpecificRecord> KafkaSink<V> exactlyOnce(KafkaConnection kafka, Topic<V> topic,
                                                                      SerializableFunction<V, byte[]> key,
                                                                      String transactionalIdPrefix) {
        return exactlyOnce(kafka, topic, key, transactionalIdPrefix, false);
    }

    /**
     * @param readUncommitted some readers read uncommitted records, so each record is sent at once instead of
     *                        lingering for a batch
     */
    public static <V extends SpecificRecord> KafkaSink<V> exactlyOnce(KafkaConnection kafka, Topic<V> topic,
                                                                      SerializableFunction<V, byte[]> key,
                                                                      String transactionalIdPrefix,
                                                                      boolean readUncommitted) {
        return KafkaSink.<V>builder()
                .setKafkaProducerConfig(kafka.toProperties())
                .setRecordSerializer(new CatalogueSerializer<>(topic.name(), topic.values(), key))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .setProperty("compression.type", "lz4")
                .setProperty("batch.size", BATCH_SIZE_BYTES)
                .setProperty("linger.ms", readUncommitted ? LINGER_MS_UNCOMMITTED_READERS : LINGER_MS)
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
