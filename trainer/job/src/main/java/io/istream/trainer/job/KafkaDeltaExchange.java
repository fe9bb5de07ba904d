package io.istream.trainer.job;

import io.istream.avro.ReplicaDelta;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.schemas.DecodeException;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topic;
import io.istream.schemas.Topics;
import io.istream.trainer.streaming.DeltaExchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The trainer replicas' exchange on the {@code trainer-deltas} topic: each replica writes its deltas keyed by its
 * index (so one sender's deltas stay in order in one partition) with an idempotent producer, and reads every
 * partition with a consumer of its own, without a group (the positions live in the replica's checkpointed state).
 * Not transactional: {@code TrainerReplica} decides which deltas a model may hold, and a checkpoint flushes the
 * producer before it completes.
 */
public final class KafkaDeltaExchange implements DeltaExchange {
    private static final Topic<ReplicaDelta> TOPIC = Topics.TRAINER_DELTAS;

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();

    private KafkaDeltaExchange(KafkaConnection kafka, String clientId) {
        Properties p = kafka.toProperties();
        p.put("client.id", clientId + "-deltas");
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "0");
        p.put("max.request.size", String.valueOf(8 << 20));
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Properties c = kafka.toProperties();
        c.put("client.id", clientId + "-deltas-reader");
        c.put("enable.auto.commit", "false");
        c.put("isolation.level", "read_uncommitted");
        c.put("max.partition.fetch.bytes", String.valueOf(8 << 20));
        consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
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

    /** The factory the job graph carries into each trainer subtask. */
    public static Factory factory(KafkaConnection kafka) {
        return clientId -> new KafkaDeltaExchange(kafka, clientId);
    }

    @Override
    public void send(List<ReplicaDelta> chunks) {
        throwIfFailed();
        for (ReplicaDelta chunk : chunks) {
            byte[] key = KeyCodec.stringKey("replica-" + chunk.getReplica());
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

    @Override
    public List<ReplicaDelta> poll(long waitMs) {
        List<ReplicaDelta> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(waitMs))) {
            try {
                out.add(TOPIC.values().decode(record.value()));
            } catch (DecodeException e) {
                throw new IllegalStateException("undecodable trainer delta at " + record.topic() + "-"
                        + record.partition() + "@" + record.offset() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    @Override
    public boolean caughtUp() {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < ends.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Map<Integer, Long> positions() {
        Map<Integer, Long> out = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            out.put(tp.partition(), consumer.position(tp));
        }
        return out;
    }

    @Override
    public void seek(Map<Integer, Long> positions) {
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
            fromStart.forEach(consumer::position);
        }
    }

    @Override
    public void seekToTime(long sinceMs) {
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
            toEnd.forEach(consumer::position);   // resolve now: "end" must not mean the end when first polled
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        consumer.close(Duration.ofSeconds(10));
    }
}
