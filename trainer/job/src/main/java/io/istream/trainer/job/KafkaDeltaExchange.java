package io.istream.trainer.job;

import io.istream.avro.ReplicaDelta;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.schemas.DecodeException;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topic;
import io.istream.schemas.Topics;
import io.istream.trainer.streaming.DeltaExchange;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The trainer replicas' exchange on the {@code trainer-deltas} topic: each replica writes its deltas keyed by its
 * origin, run and index (so one sender's deltas stay in order in one partition, and a reader skips the senders it
 * does not want without decoding their deltas) with an idempotent producer, and reads every
 * partition with a consumer of its own, without a group (the positions live in the replica's checkpointed state).
 * Not transactional: {@code TrainerReplica} decides which deltas a model may hold, and a checkpoint flushes the
 * producer before it completes.
 */
public final class KafkaDeltaExchange implements DeltaExchange {
    private static final Topic<ReplicaDelta> TOPIC = Topics.TRAINER_DELTAS;

    private static final int QUEUED_RECORDS = 256;

    private final KafkaConnection kafka;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;   // the reader thread's once it runs
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private final AtomicReference<Exception> readFailure = new AtomicReference<>();
    private final BlockingQueue<ConsumerRecord<byte[], byte[]>> arrived = new ArrayBlockingQueue<>(QUEUED_RECORDS);
    private final Map<Integer, Long> taken = new TreeMap<>();   // partition → offset after the last record taken
    private volatile boolean closing;
    private Thread reader;

    private KafkaDeltaExchange(KafkaConnection kafka, String clientId) {
        this.kafka = kafka;
        Properties p = kafka.toProperties();
        p.put("client.id", clientId + "-deltas");
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "0");
        p.put("max.request.size", String.valueOf(8 << 20));
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        consumer = new KafkaConsumer<>(readerProperties(kafka, clientId + "-deltas-reader"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<PartitionInfo> infos = consumer.partitionsFor(TOPIC.name(), Duration.ofSeconds(60));
        if (infos == null || infos.isEmpty()) {
            close();
            throw new IllegalStateException("topic " + TOPIC.name() + " does not exist on " + kafka.bootstrapServers()
                    + ": trainer.parallelism > 1 exchanges the replicas' deltas through it (ops/cluster/create-topics.sh "
                    + "creates it)");
        }
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
        consumer.assign(partitions);
    }

    private static Properties readerProperties(KafkaConnection kafka, String clientId) {
        Properties c = kafka.toProperties();
        c.put("client.id", clientId);
        c.put("enable.auto.commit", "false");
        c.put("isolation.level", "read_uncommitted");
        c.put("max.partition.fetch.bytes", String.valueOf(8 << 20));
        c.put("receive.buffer.bytes", String.valueOf(4 << 20));
        return c;
    }

    /** The factory the job graph carries into each trainer subtask. */
    public static Factory factory(KafkaConnection kafka) {
        return clientId -> new KafkaDeltaExchange(kafka, clientId);
    }

    @Override
    public void send(List<ReplicaDelta> chunks) {
        throwIfFailed();
        for (ReplicaDelta chunk : chunks) {
            byte[] key = KeyCodec.stringKey(DeltaExchange.origin(chunk));
            producer.send(new ProducerRecord<>(TOPIC.name(), key, TOPIC.values().encode(chunk)), (meta, error) -> {
                if (error != null) {
                    sendFailure.compareAndSet(null, error);
                }
            });
        }
    }

    @Override
    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    private void throwIfFailed() {
        Exception e = sendFailure.get();
        if (e != null) {
            // the delta is lost to the other replicas: fail, so the job restores from the last checkpoint
            throw new IllegalStateException("a trainer delta could not be written to " + TOPIC.name() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Records are fetched by a thread of this exchange, which blocks in the consumer's poll: a consumer polled without
     * waiting, once per training batch, reads only what its socket holds at that moment, far less than replicas write.
     * The trainer's thread takes them from a bounded queue; the positions are those of the records it took.
     */
    @Override
    public List<ReplicaDelta> poll(long waitMs, Predicate<String> wanted) {
        throwIfReadFailed();
        startReader();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try {
            ConsumerRecord<byte[], byte[]> first = waitMs > 0 ? arrived.poll(waitMs, TimeUnit.MILLISECONDS) : arrived.poll();
            if (first != null) {
                records.add(first);
                arrived.drainTo(records);
            }
        } catch (InterruptedException e) {
            // the task is cancelled: returning nothing would leave a replica that waits for others' last deltas
            // polling in a loop until its deadline
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + TOPIC.name(), e);
        }
        List<ReplicaDelta> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            taken.put(record.partition(), record.offset() + 1);
            if (record.key() == null || !wanted.test(new String(record.key(), StandardCharsets.UTF_8))) {
                continue;
            }
            try {
                out.add(TOPIC.values().decode(record.value()));
            } catch (DecodeException e) {
                throw new IllegalStateException("undecodable trainer delta at " + record.topic() + "-"
                        + record.partition() + "@" + record.offset() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private void startReader() {
        if (reader != null) {
            return;
        }
        reader = new Thread(() -> {
            try {
                while (!closing) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        while (!closing && !arrived.offer(record, 100, TimeUnit.MILLISECONDS)) {
                            // the trainer is behind: wait for room (the queue bounds the memory)
                        }
                    }
                }
            } catch (WakeupException | InterruptedException e) {
                // closing
            } catch (Exception e) {
                readFailure.compareAndSet(null, e);
            } finally {
                consumer.close(Duration.ofSeconds(10));   // a consumer is for one thread: the one that polls it
            }
        }, "istream-trainer-deltas-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void throwIfReadFailed() {
        Exception e = readFailure.get();
        if (e != null) {
            throw new IllegalStateException("reading " + TOPIC.name() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean caughtUp() {
        if (!arrived.isEmpty()) {
            return false;
        }
        Map<TopicPartition, Long> ends;
        try (KafkaConsumer<byte[], byte[]> probe = new KafkaConsumer<>(readerProperties(kafka, "istream-deltas-probe"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            ends = probe.endOffsets(partitions);
        }
        for (TopicPartition tp : partitions) {
            if (taken.getOrDefault(tp.partition(), 0L) < ends.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Map<Integer, Long> positions() {
        return new TreeMap<>(taken);
    }

    @Override
    public void seek(Map<Integer, Long> positions) {
        requireNoReader();
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long offset = positions.get(tp.partition());
            if (offset == null) {
                fromStart.add(tp);
            } else {
                consumer.seek(tp, offset);
            }
        }
        if (!fromStart.isEmpty()) {   // an empty collection would mean every assigned partition
            consumer.seekToBeginning(fromStart);
        }
        resolvePositions();
    }

    @Override
    public void seekToTime(long sinceMs) {
        requireNoReader();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, Math.max(0, sinceMs)));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        List<TopicPartition> toEnd = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            if (at == null) {
                toEnd.add(tp);
            } else {
                consumer.seek(tp, at.offset());
            }
        }
        if (!toEnd.isEmpty()) {   // an empty collection would mean every assigned partition
            consumer.seekToEnd(toEnd);
        }
        resolvePositions();
    }

    /** "Beginning" and "end" resolved now, not when first polled; they are the positions until a record is taken. */
    private void resolvePositions() {
        for (TopicPartition tp : partitions) {
            taken.put(tp.partition(), consumer.position(tp));
        }
    }

    /** The consumer belongs to the reader thread once it runs. */
    private void requireNoReader() {
        if (reader != null) {
            throw new IllegalStateException("seek after the reader started");
        }
    }

    @Override
    public void close() {
        closing = true;
        producer.close(Duration.ofSeconds(10));
        if (reader == null) {
            consumer.close(Duration.ofSeconds(10));
            return;
        }
        consumer.wakeup();   // the reader closes the consumer as it ends
        try {
            reader.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
