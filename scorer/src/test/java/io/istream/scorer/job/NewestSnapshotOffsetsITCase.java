package io.istream.scorer.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import io.istream.ingestion.local.EmbeddedKafkaBroker;
import io.istream.schemas.AvroCodec;
import io.istream.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scorer's model-updates start offset, on a real broker with transactional writes like the trainer's. */
class NewestSnapshotOffsetsITCase {

    private static final AvroCodec<ModelUpdate> CODEC = Topics.MODEL_UPDATES.values();
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void startsAtTheNewestCommittedCompleteFullAcrossScanWindows() throws Exception {
        TopicPartition partition = topic("updates-mixed");
        try (KafkaProducer<byte[], byte[]> producer = producer("mixed")) {
            commit(producer, partition, full(1, 2));
            commit(producer, partition, delta(2), delta(3));
            long expected = commit(producer, partition, full(4, 3));
            producer.beginTransaction();   // an aborted FULL is never visible to read_committed readers
            send(producer, partition, full(5, 2));
            producer.abortTransaction();
            commit(producer, partition, delta(5), delta(6), delta(7));
            // a later FULL still being written (transaction open) is past the last stable offset
            producer.beginTransaction();
            send(producer, partition, full(8, 1));
            producer.flush();

            for (int window : new int[] {1, 2, 5, 100}) {
                assertThat(new NewestSnapshotOffsets(broker.connection(), window, Duration.ofSeconds(30))
                        .startOffset(partition)).as("window %d", window).isEqualTo(expected);
            }
            producer.abortTransaction();
        }
    }

    @Test
    void startsAtTheBeginningWithoutACompleteFull() throws Exception {
        TopicPartition empty = topic("updates-empty");
        NewestSnapshotOffsets offsets = new NewestSnapshotOffsets(broker.connection(), 4, Duration.ofSeconds(30));
        assertThat(offsets.startOffset(empty)).isZero();

        TopicPartition deltasOnly = topic("updates-deltas");
        try (KafkaProducer<byte[], byte[]> producer = producer("deltas")) {
            commit(producer, deltasOnly, delta(2), delta(3));
            commit(producer, deltasOnly, full(4, 3).subList(1, 3).toArray(new ModelUpdate[0]));
        }
        assertThat(offsets.startOffset(deltasOnly)).isZero();
    }

    private static TopicPartition topic(String name) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(broker.connection().toProperties())) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        }
        return new TopicPartition(name, 0);
    }

    private static KafkaProducer<byte[], byte[]> producer(String id) {
        Properties props = broker.connection().toProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "snapshot-offsets-" + id);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    /** Writes the chunks in one committed transaction; returns the offset of the first. */
    private static long commit(KafkaProducer<byte[], byte[]> producer, TopicPartition partition,
                               List<ModelUpdate> chunks) throws Exception {
        return commit(producer, partition, chunks.toArray(new ModelUpdate[0]));
    }

    private static long commit(KafkaProducer<byte[], byte[]> producer, TopicPartition partition,
                               ModelUpdate... chunks) throws Exception {
        producer.beginTransaction();
        long first = send(producer, partition, List.of(chunks));
        producer.commitTransaction();
        return first;
    }

    private static long send(KafkaProducer<byte[], byte[]> producer, TopicPartition partition,
                             List<ModelUpdate> chunks) throws Exception {
        long first = -1;
        for (ModelUpdate chunk : chunks) {
            RecordMetadata written = producer.send(new ProducerRecord<>(partition.topic(), partition.partition(),
                    null, CODEC.encode(chunk))).get();
            first = first < 0 ? written.offset() : first;
        }
        return first;
    }

    private static List<ModelUpdate> full(long version, int chunks) {
        return java.util.stream.IntStream.range(0, chunks).mapToObj(i -> chunk(version, ModelUpdateKind.FULL, i, chunks))
                .toList();
    }

    private static ModelUpdate delta(long version) {
        return chunk(version, ModelUpdateKind.DELTA, 0, 1);
    }

    private static ModelUpdate chunk(long version, ModelUpdateKind kind, int index, int count) {
        return ModelUpdate.newBuilder().setModelVersion(version).setKind(kind)
                .setBaseVersion(kind == ModelUpdateKind.FULL ? 0 : version - 1).setChunkIndex(index)
                .setChunkCount(count).setCreatedAtMs(1_700_000_000_000L).setSparseRows(List.of())
                .setDenseTensors(List.of()).build();
    }
}
