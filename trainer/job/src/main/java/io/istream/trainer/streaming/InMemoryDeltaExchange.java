package io.istream.trainer.streaming;

import io.istream.avro.ReplicaDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A delta exchange in one JVM, with no lag: one log that every reader sees whole, in the order sent. Replicas that
 * share it and are stepped in turn exchange exactly what the merge rule asks and nothing later, so what they learn
 * isolates the merge rule from the lag of a real exchange ({@code bench scaling}, and the replicas' unit tests).
 */
public final class InMemoryDeltaExchange implements DeltaExchange {

    /** The shared log: one partition. */
    public static final class Log {
        private final List<ReplicaDelta> records = new ArrayList<>();

        public DeltaExchange.Factory factory() {
            return clientId -> new InMemoryDeltaExchange(this);
        }
    }

    private final Log log;
    private int position;

    private InMemoryDeltaExchange(Log log) {
        this.log = log;
    }

    @Override
    public void send(List<ReplicaDelta> chunks) {
        log.records.addAll(chunks);
    }

    @Override
    public void flush() {
    }

    @Override
    public List<ReplicaDelta> poll(long waitMs, Predicate<String> wanted) {
        List<ReplicaDelta> out = new ArrayList<>();
        for (ReplicaDelta d : log.records.subList(position, log.records.size())) {
            if (wanted.test(DeltaExchange.origin(d))) {
                out.add(d);
            }
        }
        position = log.records.size();
        return out;
    }

    @Override
    public boolean caughtUp() {
        return position == log.records.size();
    }

    @Override
    public Map<Integer, Long> positions() {
        return Map.of(0, (long) position);
    }

    @Override
    public void seek(Map<Integer, Long> positions) {
        position = positions.getOrDefault(0, 0L).intValue();
    }

    @Override
    public void seekToTime(long sinceMs) {
        position = 0;   // the log holds one run's records: all of them are recent
    }

    @Override
    public void close() {
    }
}
