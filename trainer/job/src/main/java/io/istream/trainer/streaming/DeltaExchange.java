package io.istream.trainer.streaming;

import io.istream.avro.ReplicaDelta;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where trainer replicas send their deltas and read each other's: every replica reads everything every replica
 * sends (its own included), each sender's deltas in the order sent. The Kafka one is the job's; tests use one in
 * memory. Positions are what a checkpoint keeps, so that a restored replica reads on where it left off.
 */
public interface DeltaExchange extends AutoCloseable {

    /** Sends the chunks of one delta (asynchronously; {@link #flush} makes them durable). */
    void send(List<ReplicaDelta> chunks);

    /** Returns once everything sent is durable: a checkpoint must not complete before its deltas are. */
    void flush();

    /**
     * What has arrived since the previous poll from the senders {@code wanted} accepts (by origin, "run#replica"),
     * in order per sender; never blocks longer than {@code waitMs}. The others are skipped without being decoded.
     */
    List<ReplicaDelta> poll(long waitMs, Predicate<String> wanted);

    /** Whether this reader has read everything sent before this call. */
    boolean caughtUp();

    /** The read position (partition → next offset), for a checkpoint. */
    Map<Integer, Long> positions();

    /** Reads on from {@code positions}: a restored replica. Partitions not named start at their beginning. */
    void seek(Map<Integer, Long> positions);

    /** Reads from what was sent since {@code sinceMs} on: a replica of a job that starts without state. */
    void seekToTime(long sinceMs);

    @Override
    void close();

    /** The origin of a sender's deltas, "run#replica": their key, and what {@link #poll}'s filter is given. */
    static String origin(String run, int replica) {
        return run + "#" + replica;
    }

    static String origin(ReplicaDelta delta) {
        return origin(delta.getRun(), delta.getReplica());
    }

    /** Opens the exchange in each replica (the job graph carries the factory). */
    interface Factory extends Serializable {
        DeltaExchange open(String clientId);
    }
}
