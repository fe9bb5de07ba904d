package io.istream.trainer.streaming;

import io.istream.avro.ReplicaDelta;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.ModelConfig;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of {@code trainer.parallelism} streaming trainers, each training on its share of the samples and adding the
 * others' deltas to its model ({@link ReplicaDeltas} has the merge rule). Replica 0 publishes the model updates and
 * metrics; its counters include every replica's samples as their deltas arrive. Without Flink: the operator feeds it
 * and stores its {@link #snapshot}.
 *
 * <p><b>Exactly once across failures.</b> The exchange is not transactional, so a replica decides which deltas
 * its model may hold (docs/architecture.md, "Trainer replicas"):
 * <ul>
 *   <li>A delta carries its <i>interval</i>: the checkpoint whose barrier the sender had not yet passed, which is the
 *       first of the sender's checkpoints that holds the change. A replica adds a delta of its own run only once it
 *       has passed the barrier before that interval, so each checkpoint holds, in every replica, exactly the other
 *       replicas' changes that their own states in that checkpoint hold.</li>
 *   <li>A restored replica reads on from the exchange positions in its state. Deltas of the run that took the
 *       checkpoint are valid up to its interval, later ones (made after it, their samples replayed now) are dropped,
 *       as is everything of a run that was never restored.</li>
 *   <li>Own deltas are skipped: of this run, and of every run whose state this replica's model descends from (its
 *       <i>lineage</i>; after a rescale two new replicas may descend from one old one).</li>
 *   <li>A rescale from N to M replicas: new replica k continues old replica k mod N's model, trains the buffered
 *       samples of the old replicas r with r mod M = k, and reads the other old replicas' remaining deltas.</li>
 * </ul>
 */
public final class TrainerReplica implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerReplica.class);
    /** A replica of a job that starts without state reads the deltas sent this long before it (clock skew). */
    static final long FRESH_LOOKBACK_MS = 10 * 60_000;
    /** A replica whose latest own batch or delta is older than this (processing time) counts as idle for expiry. */
    static final long IDLE_MS = 10_000;

    /**
     * How the replicas of one job exchange what they learnt.
     *
     * @param everyBatches a replica sends its delta after this many trained batches …
     * @param everyMs      … or this long after its previous delta, whichever comes first (when something changed)
     * @param lastWaitMs   at the end of a bounded input, how long replica 0 waits for the others' last deltas
     */
    public record Sync(int everyBatches, long everyMs, long lastWaitMs) implements Serializable {
        public Sync {
            if (everyBatches < 1 || everyMs < 1 || lastWaitMs < 0) {
                throw new IllegalArgumentException("exchange cadence must be positive: " + everyBatches + " batches, "
                        + everyMs + " ms");
            }
        }
    }

    /** Who this replica is in which run. {@code run} names the job and its execution attempt. */
    public record Identity(int index, int count, String run) {
    }

    private final StreamingTrainer trainer;
    private final StreamingSettings settings;
    private final Identity me;
    private final Sync sync;
    private final DeltaExchange exchange;        // null: nothing to read (a single trainer, as before replicas)
    private final ReplicaDeltas deltas;          // null when exchange is
    private final Map<String, Long> validUpTo;   // run → the last interval of it that a restore kept
    private final Set<String> lineage;           // origins (run#replica) whose steps are this model's own
    private final ArrayDeque<ReplicaDelta> held = new ArrayDeque<>();
    private final Set<Integer> ended = new HashSet<>();
    private long interval;
    private long sequence;
    private long lastSendMs;
    private int batchesSinceSend;
    private long[] sent = new long[4];           // trainer counters at the previous delta: consumed, trained, skipped, Σ
    private final long[] absorbed = new long[4]; // what other replicas' deltas added since
    private long appliedChunks;
    private long absorbedSinceStart;             // samples other replicas' deltas brought in since this start
    private final long consumedAtStart;
    private long droppedChunks;
    // how long this run's deltas took from their sender's step to this model (ms on the TaskManagers' clocks)
    private long lagCount;
    private long lagSumMs;
    private long lagMaxMs;
    // expiry's clock: replica → {its own newest label time as its last delta reported, when that arrived (ms)}
    private final Map<Integer, long[]> frontiers = new HashMap<>();
    private long lastNowMs;
    private long lastOwnBatchMs = Long.MIN_VALUE;

    private TrainerReplica(StreamingTrainer trainer, StreamingSettings settings, Identity me, Sync sync,
                           DeltaExchange exchange, Map<String, Long> validUpTo, Set<String> lineage, long interval,
                           long nowMs) {
        this.trainer = trainer;
        this.settings = settings;
        this.me = me;
        this.sync = sync;
        this.exchange = exchange;
        this.validUpTo = validUpTo;
        this.lineage = lineage;
        this.interval = interval;
        this.lastSendMs = nowMs;
        trainer.setPublishing(me.index() == 0);
        this.deltas = exchange == null ? null : new ReplicaDeltas(trainer.model());
        if (deltas != null && me.count() > 1) {
            trainer.setBeforeStep(deltas::touch);
            deltas.trackSightings(trainer.model());
            trainer.setExpiryClock(this::expiryClock);
        }
        sent = counters();
        consumedAtStart = trainer.samplesConsumed();
    }

    /** Samples this replica consumed itself since it started or was restored. */
    public long ownSamplesSinceStart() {
        return trainer.samplesConsumed() - consumedAtStart - absorbedSinceStart;
    }

    /** A replica of a job that starts without state. */
    public static TrainerReplica start(StreamingSettings settings, Sync sync, Identity me,
                                       DeltaExchange.Factory exchanges, long nowMs) {
        DeltaExchange exchange = null;
        if (me.count() > 1) {
            exchange = exchanges.open(clientId(me));
            exchange.seekToTime(nowMs - FRESH_LOOKBACK_MS);
        }
        return new TrainerReplica(new StreamingTrainer(settings), settings, me, sync, exchange, new TreeMap<>(),
                new TreeSet<>(), 1, nowMs);
    }

    /**
     * A replica restored from the snapshots of every replica of the run that took checkpoint
     * {@code restoredCheckpoint} (the operator's union state), possibly of another count.
     */
    public static TrainerReplica restore(List<byte[]> snapshots, StreamingSettings settings, Sync sync, Identity me,
                                         long restoredCheckpoint, DeltaExchange.Factory exchanges, long nowMs) {
        List<ReplicaSnapshot.Stored> stored = new ArrayList<>();
        for (byte[] bytes : snapshots) {
            stored.add(ReplicaSnapshot.Stored.read(bytes));
        }
        stored.sort((a, b) -> Integer.compare(a.index(), b.index()));
        int oldCount = stored.size();
        for (int i = 0; i < oldCount; i++) {
            if (stored.get(i).index() != i) {
                throw new IllegalStateException("trainer replica snapshots of indices " + stored.stream()
                        .map(s -> s.index()).toList() + ": expected 0.." + (oldCount - 1));
            }
        }
        ReplicaSnapshot.Stored base = stored.get(me.index() % oldCount);
        StreamingTrainer trainer = StreamingTrainer.restore(base.trainer(), settings);
        if (base.index() % me.count() != me.index()) {
            trainer.dropBuffered();   // another new replica trains them
        }
        for (ReplicaSnapshot.Stored other : stored) {
            if (other != base && other.index() % me.count() == me.index()) {
                StreamingTrainer.bufferedIn(other.trainer()).forEach(trainer::add);
            }
        }
        Map<String, Long> valid = new TreeMap<>();
        boolean read = me.count() > 1;
        for (ReplicaSnapshot.Stored s : stored) {
            valid.putAll(s.validUpTo());
            valid.put(s.run(), restoredCheckpoint);
            read |= s.count() > 1 || s.reading();
        }
        Set<String> lineage = new TreeSet<>(base.lineage());
        lineage.add(DeltaExchange.origin(base.run(), base.index()));
        DeltaExchange exchange = null;
        if (read && exchanges != null) {
            exchange = exchanges.open(clientId(me));
            if (base.positions().isEmpty()) {
                exchange.seekToTime(nowMs - FRESH_LOOKBACK_MS);
            } else {
                exchange.seek(base.positions());
            }
        }
        LOG.info("trainer replica {} of {} restored from checkpoint {}: the model of replica {} of {} (version {}, {} "
                        + "samples trained), {} buffered samples{}", me.index(), me.count(), restoredCheckpoint,
                base.index(), oldCount, trainer.version(), trainer.samplesTrained(), trainer.buffered(),
                exchange == null ? "" : "; reading the other replicas' deltas on from its exchange positions");
        return new TrainerReplica(trainer, settings, me, sync, exchange, valid, lineage, restoredCheckpoint + 1,
                nowMs);
    }

    private static String clientId(Identity me) {
        return "istream-trainer-" + me.index() + "-of-" + me.count();
    }

    public StreamingTrainer trainer() {
        return trainer;
    }

    public Identity identity() {
        return me;
    }

    /**
     * Before a batch is trained: applies what arrived, so that the batch's step (and its prequential scores) start
     * from parameters that hold every delta delivered so far, not only those that came before the previous batch.
     */
    public void beforeBatch(long nowMs) {
        lastNowMs = Math.max(lastNowMs, nowMs);
        if (exchange != null) {
            receive(0, false);
        }
    }

    /** After a trained batch: sends this replica's delta when due, and applies what arrived. */
    public void afterBatch(long nowMs) {
        batchesSinceSend++;
        lastOwnBatchMs = nowMs;
        tick(nowMs);
    }

    /** Applies what arrived, and sends this replica's delta when it is due. */
    public void tick(long nowMs) {
        lastNowMs = Math.max(lastNowMs, nowMs);
        if (exchange == null) {
            return;
        }
        receive(0, false);
        if (me.count() > 1 && (batchesSinceSend >= sync.everyBatches() || nowMs - lastSendMs >= sync.everyMs())) {
            send(nowMs, interval, false);
        }
    }

    /**
     * The replica's state at the barrier of {@code checkpointId}: first its delta so far (which this checkpoint
     * holds) is sent and made durable, then the model, buffered samples, exchange positions and validity are written.
     */
    public byte[] snapshot(long checkpointId, long nowMs) {
        if (exchange != null && me.count() > 1) {
            send(nowMs, checkpointId, false);
            exchange.flush();
        }
        byte[] bytes = write();
        interval = Math.max(interval, checkpointId + 1);
        release();
        return bytes;
    }

    /**
     * End of a bounded input: sends the last delta; replica 0 then waits (up to {@link Sync#lastWaitMs}) for the last
     * deltas of every other replica and applies them, so that its final model holds every replica's samples.
     */
    public void finish(long nowMs) {
        if (exchange == null) {
            return;
        }
        if (me.count() > 1) {
            send(nowMs, interval, true);
            exchange.flush();
        }
        if (lagCount > 0) {
            LOG.info("trainer replica {} of {}: applied {} delta chunks of the other replicas of this run, {} ms after "
                    + "they were sent on average ({} ms at most)", me.index(), me.count(), lagCount,
                    meanDeltaLagMs(), lagMaxMs);
        }
        if (me.index() != 0) {
            return;
        }
        long deadline = System.nanoTime() + sync.lastWaitMs() * 1_000_000L;
        while (true) {
            receive(100, true);
            boolean allEnded = ended.size() >= me.count() - 1;
            if (allEnded && exchange.caughtUp()) {   // asked only then: it asks the broker
                break;
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("input ended: waited {} ms for the last deltas of trainer replicas but {} of the other {} "
                        + "arrived; the final model lacks the rest", sync.lastWaitMs(), ended.size(), me.count() - 1);
                break;
            }
        }
    }

    private void send(long nowMs, long intervalOfChange, boolean last) {
        long[] now = counters();
        long[] own = new long[4];
        for (int i = 0; i < 4; i++) {
            own[i] = now[i] - sent[i] - absorbed[i];
        }
        boolean anything = own[0] != 0 || deltas.changed(trainer.model());
        if (anything || last) {
            ReplicaDelta.Builder header = ReplicaDelta.newBuilder()
                    .setRun(me.run()).setReplica(me.index()).setReplicas(me.count())
                    .setInterval(intervalOfChange).setSequence(++sequence).setLast(last)
                    .setChunkIndex(0).setChunkCount(1).setCreatedAtMs(nowMs)
                    .setRows(List.of()).setSightings(List.of()).setDense(List.of())
                    .setSamplesConsumed(own[0]).setSamplesTrained(own[1]).setSkippedBatches(own[2])
                    .setSampleChecksum(own[3]).setNewestSampleTimeMs(trainer.ownNewestSampleTimeMs());
            exchange.send(deltas.take(trainer.model(), header, settings.maxChunkBytes()));
        }
        sent = now;
        Arrays.fill(absorbed, 0);
        lastSendMs = nowMs;
        batchesSinceSend = 0;
    }

    private long[] counters() {
        return new long[] {trainer.samplesConsumed(), trainer.samplesTrained(), trainer.skippedBatches(),
                trainer.sampleChecksum()};
    }

    private void receive(long waitMs, boolean finishing) {
        for (ReplicaDelta d : exchange.poll(waitMs, this::wanted)) {   // never this model's own steps
            if (d.getRun().equals(me.run())) {
                if (d.getInterval() <= interval || finishing) {
                    apply(d);
                } else {
                    held.add(d);   // its sender passed a barrier this replica has not: wait for it
                }
            } else if (d.getInterval() <= validUpTo.getOrDefault(d.getRun(), Long.MIN_VALUE)) {
                apply(d);
            } else {
                droppedChunks++;   // made after the checkpoint its run was restored from
            }
        }
        if (finishing) {
            while (!held.isEmpty()) {
                apply(held.poll());
            }
        }
    }

    /** Whether deltas of {@code origin} ("run#replica") may be applied: another's, of this run or a restored one. */
    private boolean wanted(String origin) {
        int hash = origin.lastIndexOf('#');
        String run = hash < 0 ? origin : origin.substring(0, hash);
        return !lineage.contains(origin) && !origin.equals(DeltaExchange.origin(me.run(), me.index()))
                && (run.equals(me.run()) || validUpTo.containsKey(run));
    }

    private void release() {
        while (!held.isEmpty() && held.peek().getInterval() <= interval) {
            apply(held.poll());
        }
    }

    private void apply(ReplicaDelta d) {
        // what another replica saw counts as seen now, at this model's event-time frontier, as one trainer stamps
        // every id it reads with its newest label time so far (docs/architecture.md, "Trainer replicas")
        long seen = Math.max(trainer.newestSampleTimeMs(), d.getNewestSampleTimeMs());
        deltas.apply(trainer.model(), d, seen, trainer::absorbedRow);
        long[] add = {d.getSamplesConsumed(), d.getSamplesTrained(), d.getSkippedBatches(), d.getSampleChecksum()};
        for (int i = 0; i < 4; i++) {
            absorbed[i] += add[i];
        }
        trainer.absorb(add[0], add[1], add[2], add[3], d.getNewestSampleTimeMs());
        if (d.getRun().equals(me.run())) {
            frontiers.put(d.getReplica(), new long[] {d.getNewestSampleTimeMs(), lastNowMs});
            long lag = Math.max(0, lastNowMs - d.getCreatedAtMs());
            lagCount++;
            lagSumMs += lag;
            lagMaxMs = Math.max(lagMaxMs, lag);
        }
        absorbedSinceStart += add[0];
        appliedChunks++;
        if (d.getLast() && d.getRun().equals(me.run()) && d.getChunkIndex() == d.getChunkCount() - 1) {
            ended.add(d.getReplica());
        }
    }

    /**
     * The event time expiry runs at: the oldest of the replicas' own newest label times (this one's, and the others'
     * as their latest deltas reported them). A sighting another replica has not sent yet was made at or after about
     * its reported time (each replica reads its users' samples in about label-time order), so an id this clock
     * expires would have been expired by one trainer reading every replica's samples in label-time order too, and a
     * row that only another replica's users read is not forgotten while their sightings are on their way (docs/architecture.md, "Trainer replicas"). A replica that has trained nothing for
     * {@link #IDLE_MS} holds no unsent sightings and does not hold the clock back.
     */
    private long expiryClock() {
        long clock = Long.MAX_VALUE;
        if (lastOwnBatchMs != Long.MIN_VALUE && lastNowMs - lastOwnBatchMs <= IDLE_MS) {
            clock = trainer.ownNewestSampleTimeMs();
        }
        for (long[] f : frontiers.values()) {
            if (lastNowMs - f[1] <= IDLE_MS) {
                clock = Math.min(clock, f[0]);
            }
        }
        return clock == Long.MAX_VALUE ? trainer.newestSampleTimeMs() : clock;
    }

    /**
     * What the replicas' models converge to: a fresh model of {@code config} (initial values depend on its seed
     * alone) plus every one of {@code deltas}, each replica's own included. For audits and tests of one run of
     * replicas, whose deltas are then all valid.
     */
    public static CtrModel merged(ModelConfig config, List<ReplicaDelta> deltas) {
        CtrModel model = new CtrModel(config);
        ReplicaDeltas merge = new ReplicaDeltas(model);
        for (ReplicaDelta d : deltas) {
            merge.apply(model, d, d.getNewestSampleTimeMs(), (table, id) -> { });
        }
        return model;
    }

    /** Delta chunks of other replicas applied, and dropped as invalid after a restore. */
    public long appliedChunks() {
        return appliedChunks;
    }

    public long droppedChunks() {
        return droppedChunks;
    }

    /**
     * The mean time, in ms, from another replica's send to this model's apply of the delta chunks of this run so far
     * (0 when none): the delay, besides {@code trainer.exchange-every-batches}, with which one replica's steps reach
     * another. Measured on the TaskManagers' wall clocks, so across machines it includes their skew.
     */
    public long meanDeltaLagMs() {
        return lagCount == 0 ? 0 : lagSumMs / lagCount;
    }

    @Override
    public void close() {
        if (exchange != null) {
            exchange.close();
        }
    }

    private byte[] write() {
        return ReplicaSnapshot.write(me, exchange != null, lineage, validUpTo,
                exchange == null ? Map.of() : exchange.positions(), trainer.snapshot());
    }
}
