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
 * A log made with a lag delays each record by that many polls (of any reader) after it was sent, to measure what a
 * given lag costs.
 */
public final class InMemoryDeltaExchange implements DeltaExchange {

    /** The shared log: one partition. */
    public static final class Log {
        private final List<ReplicaDelta> records = new ArrayList<>();
        private final List<Long> sentAt = new ArrayList<>();   // [records] the poll count when each was sent
        private final long lagPolls;
        private long polls;

        public Log() {
            this(0);
        }

        /** @param lagPolls polls, by any reader, before a record is visible */
        public Log(long lagPolls) {
            if (lagPolls < 0) {
                throw new IllegalArgumentException("lag " + lagPolls);
            }
            this.lagPolls = lagPolls;
        }

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
        chunks.forEach(c -> log.sentAt.add(log.polls));
    }

    @Override
    public void flush() {
    }

    @Override
    public List<ReplicaDelta> poll(long waitMs, Predicate<String> wanted) {
        log.polls++;
        List<ReplicaDelta> out = new ArrayList<>();
        while (position < log.records.size() && log.polls - log.sentAt.get(position) >= log.lagPolls) {
            ReplicaDelta d = log.records.get(position++);
            if (wanted.test(DeltaExchange.origin(d))) {
                out.add(d);
            }
        }
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
