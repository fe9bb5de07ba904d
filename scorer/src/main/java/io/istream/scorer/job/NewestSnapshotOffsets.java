package io.istream.scorer.job;

import io.istream.avro.ModelUpdate;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.schemas.AvroCodec;
import io.istream.schemas.DecodeException;
import io.istream.schemas.Topics;
import io.istream.trainer.updates.SnapshotStart;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starting offsets for a new reader of the model-updates topic: the first chunk of the newest complete FULL snapshot
 * in each partition ({@link SnapshotStart}), found by reading the partition backwards in windows of committed
 * records. A scorer started on a long-lived topic then reads one snapshot and the deltas after it instead of every
 * update since the topic began. Where no complete FULL is readable, or the scan does not finish within its time
 * limit, the partition starts at its beginning, which is always correct, only slower. A job restored from a
 * checkpoint keeps its checkpointed offsets; this is only asked for partitions the job has never read.
 */
public final class NewestSnapshotOffsets implements OffsetsInitializer {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(NewestSnapshotOffsets.class);

    private final KafkaConnection kafka;
    private final int window;
    private final Duration timeLimit;

    /**
     * @param window    records read per step backwards
     * @param timeLimit for the whole scan of one partition
     */
    public NewestSnapshotOffsets(KafkaConnection kafka, int window, Duration timeLimit) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        this.kafka = kafka;
        this.window = window;
        this.timeLimit = timeLimit;
    }

    public static NewestSnapshotOffsets of(KafkaConnection kafka) {
        return new NewestSnapshotOffsets(kafka, 256, Duration.ofSeconds(60));
    }

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(Collection<TopicPartition> partitions,
                                                         PartitionOffsetsRetriever retriever) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            for (TopicPartition partition : partitions) {
                offsets.put(partition, startOffset(consumer, partition));
            }
        }
        return offsets;
    }

    @Override
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
        return OffsetResetStrategy.EARLIEST;
    }

    /** The offset a new follower of {@code partition} should start at (see the class comment). */
    public long startOffset(TopicPartition partition) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            return startOffset(consumer, partition);
        }
    }

    private long startOffset(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition) {
        List<TopicPartition> one = List.of(partition);
        consumer.assign(one);
        long beginning = consumer.beginningOffsets(one).get(partition);
        long end = consumer.endOffsets(one).get(partition);   // read_committed: the last stable offset
        long deadline = System.nanoTime() + timeLimit.toNanos();
        AvroCodec<ModelUpdate> codec = Topics.MODEL_UPDATES.values();
        List<SnapshotStart.Chunk> tail = new ArrayList<>();   // [from, end) in offset order
        long from = end;
        while (from > beginning) {
            long to = from;
            from = Math.max(beginning, to - window);
            List<SnapshotStart.Chunk> read = new ArrayList<>();
            if (!readRange(consumer, partition, from, to, codec, read, deadline)) {
                LOG.warn("model updates {}: no complete FULL snapshot found within {} (scanned back to offset {});"
                        + " reading from the beginning ({})", partition, timeLimit, from, beginning);
                return beginning;
            }
            read.addAll(tail);
            tail = read;
            OptionalLong start = SnapshotStart.newestCompleteFull(tail);
            if (start.isPresent()) {
                LOG.info("model updates {}: starting at offset {}, the newest complete FULL snapshot ({} records"
                        + " to its end offset {}, {} skipped before it)", partition, start.getAsLong(),
                        end - start.getAsLong(), end, start.getAsLong() - beginning);
                return start.getAsLong();
            }
        }
        LOG.info("model updates {}: no complete FULL snapshot yet; reading from the beginning ({})", partition,
                beginning);
        return beginning;
    }

    /** Reads committed records of [from, to) into {@code out}; false when the deadline passes first. */
    private static boolean readRange(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition, long from,
                                     long to, AvroCodec<ModelUpdate> codec, List<SnapshotStart.Chunk> out,
                                     long deadline) {
        consumer.seek(partition, from);
        while (consumer.position(partition) < to) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() >= to) {
                    return true;
                }
                try {
                    out.add(SnapshotStart.Chunk.of(record.offset(), codec.decode(record.value())));
                } catch (DecodeException e) {
                    LOG.warn("model updates {}: skipping undecodable record at offset {}: {}", partition,
                            record.offset(), e.getMessage());
                }
            }
        }
        return true;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = kafka.toProperties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "64");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "istream-snapshot-offsets");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
