package io.istream.trainer.streaming;

import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.Sample;
import io.istream.trainer.data.Batch;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.EmbeddingTable;
import io.istream.trainer.model.ModelFile;
import io.istream.trainer.model.Optimizer;
import io.istream.trainer.model.Param;
import io.istream.trainer.model.RegularizationKind;
import io.istream.trainer.model.Tensor;
import io.istream.trainer.updates.ModelPublisher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Continuous training on a stream of labelled samples, without Flink: the Flink operator only feeds it, asks it for
 * updates and metrics, and stores its {@link #snapshot}.
 *
 * <ul>
 *   <li><b>Prequential.</b> Every batch is first scored by the current model in inference mode (Dice moving
 *       statistics, no id counting), and those scores go into the metrics window; only then is it trained on.</li>
 *   <li><b>Guard.</b> A batch whose loss or gradients are not finite is skipped (its gradients discarded) and
 *       counted. A model with a non-finite parameter is never published.</li>
 *   <li><b>Exactly-once proof.</b> The state carries the count of samples consumed and an order-independent
 *       checksum of their ids, so a test can show that a restart neither skips nor repeats a sample.</li>
 *   <li><b>Updates.</b> Versions increase by one per update and are part of the snapshot, so they stay monotonic
 *       across restarts. The first update after a start or a restore is a FULL snapshot.</li>
 * </ul>
 * Time is passed in ({@code nowMs}, the caller's processing-time clock), so tests control it.
 */
public final class StreamingTrainer {
    private final StreamingSettings settings;
    private final CtrModel model;
    private final Optimizer optimizer;
    private final ModelPublisher publisher;
    private final List<Sample> buffer = new ArrayList<>();
    private final PrequentialWindow window;

    // checkpointed
    private long version;                 // last published version; 0 = none yet
    private long epoch;                   // this run of the trainer (see beginEpoch); 0 until one begins
    private long samplesConsumed;         // trained + in skipped batches
    private long servedSeparately;        // SERVED scores from an inference pass of their own, since start (not kept)
    private long samplesTrained;
    private long skippedBatches;
    private long sampleChecksum;          // Σ mix(hash(sampleId)) over consumed samples, mod 2⁶⁴
    private long newestSampleTimeMs;      // label time of the newest consumed sample

    // not checkpointed: a restart publishes a FULL at once and opens a fresh metrics window
    private long ownNewestSampleTimeMs;   // label time of the newest sample this trainer trained itself (not a
                                          // replica's); a restore starts it at the newest it restored
    private boolean fullDue = true;
    private int batchesSincePublish;
    private boolean changedSincePublish;
    private long lastPublishMs = Long.MIN_VALUE;
    private long lastFullMs = Long.MIN_VALUE;
    private long lastExpireMs = Long.MIN_VALUE;
    private long unpublishable;
    private long expiredIds;
    private boolean poisonNextBatch;
    private boolean publishing = true;
    private Consumer<CtrModel> beforeStep = model -> { };
    private LongSupplier expiryClock = () -> newestSampleTimeMs;

    public StreamingTrainer(StreamingSettings settings) {
        this(settings, new CtrModel(settings.model(), settings.optimizer().kind().slots()), null);
    }

    private StreamingTrainer(StreamingSettings settings, CtrModel model, Optimizer optimizer) {
        this.settings = settings;
        this.model = model;
        this.window = new PrequentialWindow(settings.metricsWindowMs());
        model.setThreads(settings.modelThreads());
        this.optimizer = optimizer != null ? optimizer : new Optimizer(settings.optimizer(), model);
        boolean wholeTableL2 = settings.optimizer().regularization() == RegularizationKind.L2
                && settings.optimizer().lambda() > 0;
        this.publisher = new ModelPublisher(settings.maxChunkBytes(), wholeTableL2);
    }

    /** Buffers one sample. Call {@link #trainBatch} when {@link #batchReady()}. */
    public void add(Sample sample) {
        buffer.add(sample);
    }

    public boolean batchReady() {
        return buffer.size() >= settings.batchSize();
    }

    public int buffered() {
        return buffer.size();
    }

    /**
     * Scores the buffered samples (up to one batch) with the current model, then trains on them.
     *
     * @return whether the batch was trained (false when empty or skipped by the guard)
     */
    public boolean trainBatch(long nowMs) {
        if (buffer.isEmpty()) {
            return false;
        }
        int n = Math.min(buffer.size(), settings.batchSize());
        List<Sample> samples = new ArrayList<>(buffer.subList(0, n));
        buffer.subList(0, n).clear();
        Batch batch = SampleBatches.of(samples, settings.maxHistory());
        for (Sample s : samples) {
            sampleChecksum += mix(s.getSampleId());
            newestSampleTimeMs = Math.max(newestSampleTimeMs, s.getLabelTimeMs());
            ownNewestSampleTimeMs = Math.max(ownNewestSampleTimeMs, s.getLabelTimeMs());
        }
        samplesConsumed += n;
        window.open(nowMs);

        // prequential: the score this model would have served, before it learns from the label. Samples whose ids
        // are all admitted get it from the training forward (the head once more in inference mode); the others, whose
        // training lookup admits rows that inference would not read, from an inference pass of their own first. Only
        // a trainer that publishes reports metrics: the other trainer replicas skip the scoring
        boolean served = publishing && settings.prequential() == PrequentialScore.SERVED;
        int[] ownPass = served ? model.samplesWithUnadmittedIds(batch) : new int[0];
        double[] ownScores = null;                   // [ownPass.length]
        if (ownPass.length > 0) {
            model.forward(ownPass.length == n ? batch : batch.select(ownPass), false);
            ownScores = model.probabilities().clone();
            servedSeparately += ownPass.length;
        }

        model.setClock(newestSampleTimeMs);
        boolean fromTrainingForward = served && ownPass.length < n;
        double loss = fromTrainingForward ? model.forwardTrainingAndServed(batch) : model.forward(batch, true);
        if (served) {
            double[] scores = fromTrainingForward ? model.servedProbabilities().clone() : new double[n];
            for (int i = 0; i < ownPass.length; i++) {
                scores[ownPass[i]] = ownScores[i];
            }
            window.add(batch, scores);
        } else if (publishing) {
            window.add(batch, model.probabilities());   // TRAINING_PASS: still before the update
        }
        model.backward();
        // the forward admitted ids (fresh rows) even if the guard skips the step: followers need those rows too
        if (publishing) {
            publisher.touch(model);
        }
        beforeStep.accept(model);
        if (poisonNextBatch) {
            poisonNextBatch = false;
            model.params().get(0).grad().set(0, Double.NaN);
        }
        if (!Double.isFinite(loss) || !optimizer.gradientsFinite()) {
            optimizer.discardGradients();
            skippedBatches++;
            changedSincePublish = true;
            return false;
        }
        optimizer.step();
        samplesTrained += n;
        window.trained(n);
        batchesSincePublish++;
        changedSincePublish = true;
        expireIfDue(nowMs);
        return true;
    }

    /**
     * Fault injection (tests and drills): the next batch's gradients get a NaN after the backward pass, as a numeric
     * blow-up would leave them. The guard must skip that batch.
     */
    public void injectNonFiniteGradient() {
        poisonNextBatch = true;
    }

    private void expireIfDue(long nowMs) {
        if (settings.model().expireAfterMs() <= 0 || nowMs - lastExpireMs < settings.expireEveryMs()
                && lastExpireMs != Long.MIN_VALUE) {
            return;
        }
        lastExpireMs = nowMs;
        long clock = expiryClock.getAsLong();
        List<EmbeddingTable> tables = model.tables();
        for (int k = 0; k < tables.size(); k++) {
            int index = k;
            // event time: ids not seen in samples for the expiry age are forgotten
            expiredIds += tables.get(k).expire(clock, id -> publisher.expired(index, id));
        }
    }

    /**
     * The update due now, if any: a FULL at start, after a restore and every {@code fullEveryMs}; a DELTA after
     * {@code publishEveryBatches} trained batches or {@code publishEveryMs}, when something changed. Empty when the
     * model has a non-finite parameter (counted; training goes on and may recover).
     */
    public List<ModelUpdate> pollUpdate(long nowMs) {
        return pollUpdate(nowMs, false);
    }

    /** As {@link #pollUpdate(long)}; {@code force} publishes any change at once (end of input, shutdown). */
    public List<ModelUpdate> pollUpdate(long nowMs, boolean force) {
        if (!publishing) {
            return List.of();
        }
        boolean full = fullDue || nowMs - lastFullMs >= settings.fullEveryMs();
        boolean delta = changedSincePublish && (force || batchesSincePublish >= settings.publishEveryBatches()
                || nowMs - lastPublishMs >= settings.publishEveryMs());
        if (!full && !delta) {
            return List.of();
        }
        if (!parametersFinite()) {
            unpublishable++;
            return List.of();
        }
        long base = version;
        version++;
        ModelPublisher.Stamp stamp = new ModelPublisher.Stamp(nowMs, samplesTrained, sampleChecksum,
                newestSampleTimeMs, epoch);
        List<ModelUpdate> update = full
                ? publisher.full(model, version, stamp)
                : publisher.delta(model, version, base, stamp);
        fullDue = false;
        if (full) {
            lastFullMs = nowMs;
        }
        lastPublishMs = nowMs;
        batchesSincePublish = 0;
        changedSincePublish = false;
        return update;
    }

    /**
     * Whether this trainer publishes model updates and prequential metrics (the default). Of several trainer
     * replicas only one does; the others neither publish, nor remember what changed for a publication, nor score
     * their samples before training on them.
     */
    public void setPublishing(boolean publishing) {
        this.publishing = publishing;
    }

    /**
     * Called after each batch's backward pass and before its optimiser step, with the model whose sparse gradients
     * name the rows the step will change (a trainer replica remembers their values before the step).
     */
    public void setBeforeStep(Consumer<CtrModel> beforeStep) {
        this.beforeStep = beforeStep;
    }

    /**
     * The event time at which expiry forgets ids unseen for {@code model.expire-after}: by default the newest label
     * time this trainer has consumed or absorbed. A trainer replica passes the oldest of the replicas' own newest
     * label times instead, so that it never forgets an id whose sighting another replica has not yet sent.
     */
    public void setExpiryClock(LongSupplier expiryClock) {
        this.expiryClock = expiryClock;
    }

    /**
     * Counts what another trainer replica's delta brought into this model: its samples (consumed, trained, in
     * skipped batches), their checksum, and the label time of its newest. The model includes that replica's work
     * from now on, so its updates and metrics count it.
     */
    public void absorb(long consumed, long trained, long skipped, long checksum, long newestMs) {
        samplesConsumed += consumed;
        samplesTrained += trained;
        skippedBatches += skipped;
        sampleChecksum += checksum;
        newestSampleTimeMs = Math.max(newestSampleTimeMs, newestMs);
        changedSincePublish = true;
    }

    /** A row of table {@code tableIndex} changed by another replica's delta: the next published delta carries it. */
    public void absorbedRow(int tableIndex, long id) {
        changedSincePublish = true;
        if (publishing && id > 0) {
            publisher.touched(tableIndex, id);
        }
    }

    /** Drops the samples buffered and not trained yet (another replica trains them after a rescale). */
    public void dropBuffered() {
        buffer.clear();
    }

    /**
     * Starts a run of this trainer, at a fresh start or after a restore: its epoch becomes larger than any before it,
     * max(the restored run's + 1, {@code nowMs}), so two restores from one checkpoint still get distinct epochs. Every
     * update carries it, and the first update of a run is a FULL: a consumer that applied updates of an older run
     * (written after the checkpoint this run restored, in transactions that were then aborted) replaces its model
     * with that FULL (docs/architecture.md, "Model freshness").
     */
    public void beginEpoch(long nowMs) {
        epoch = Math.max(epoch + 1, nowMs);
        fullDue = true;
    }

    /** This run's epoch (0 before {@link #beginEpoch}). */
    public long epoch() {
        return epoch;
    }

    /** A FULL snapshot now, whatever is due (end of a bounded input: a self-contained final model). */
    public List<ModelUpdate> publishFull(long nowMs) {
        fullDue = true;
        return pollUpdate(nowMs, true);
    }

    private boolean parametersFinite() {
        for (Param p : model.params()) {
            if (!p.value().allFinite()) {
                return false;
            }
        }
        for (EmbeddingTable t : model.tables()) {
            Tensor v = t.values();
            int n = t.rowHighWater() * t.dim;
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(v.get(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The metrics of the window when it has lasted {@code metricsWindowMs} (or when forced), else null. */
    public Metrics pollMetrics(long nowMs, boolean force) {
        return window.poll(nowMs, force, version, samplesTrained, skippedBatches);
    }

    /** A 64-bit mix of a sample id, summed into the order-independent checksum. */
    public static long mix(String sampleId) {
        long h = 0xcbf29ce484222325L;                         // FNV-1a over the UTF-8 bytes …
        for (byte c : sampleId.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (c & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;                                       // … then the murmur3 finaliser
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    // ------------------------------------------------------------------------------------------------ state

    /** Everything a restart needs: model, optimiser, counters, version, and the samples not trained yet. */
    public byte[] snapshot() {
        return TrainerSnapshot.write(new TrainerSnapshot.Counters(version, samplesConsumed, samplesTrained,
                skippedBatches, sampleChecksum, newestSampleTimeMs, epoch), buffer, ModelFile.toBytes(model, optimizer));
    }

    /** The samples buffered and not yet trained in a {@link #snapshot}, without restoring its model. */
    public static List<Sample> bufferedIn(byte[] snapshot) {
        return TrainerSnapshot.buffered(snapshot);
    }

    /** The trainer of a {@link #snapshot}, with {@code settings} for everything but the model and optimiser. */
    public static StreamingTrainer restore(byte[] snapshot, StreamingSettings settings) {
        TrainerSnapshot.Read read = TrainerSnapshot.read(snapshot);
        ModelFile.Loaded loaded = read.model();
        StreamingTrainer t = new StreamingTrainer(settings, loaded.model(), loaded.optimizer());
        TrainerSnapshot.Counters c = read.counters();
        t.version = c.version();
        t.samplesConsumed = c.consumed();
        t.samplesTrained = c.trained();
        t.skippedBatches = c.skipped();
        t.sampleChecksum = c.checksum();
        t.newestSampleTimeMs = c.newestMs();
        t.ownNewestSampleTimeMs = c.newestMs();   // not kept apart in the snapshot: at most the absorbed newest
        t.epoch = c.epoch();
        t.buffer.addAll(read.buffered());
        return t;
    }

    // ------------------------------------------------------------------------------------------------ figures

    public CtrModel model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public long version() {
        return version;
    }

    public long samplesConsumed() {
        return samplesConsumed;
    }

    public long samplesTrained() {
        return samplesTrained;
    }

    /**
     * SERVED prequential scores that needed an inference pass of their own since this trainer started (samples with
     * an id not admitted yet); the rest came from the training forward's head run in inference mode.
     */
    public long servedSeparately() {
        return servedSeparately;
    }

    public long skippedBatches() {
        return skippedBatches;
    }

    public long sampleChecksum() {
        return sampleChecksum;
    }

    public long newestSampleTimeMs() {
        return newestSampleTimeMs;
    }

    /** Label time of the newest sample this trainer trained itself, without other replicas' (0 before any). */
    public long ownNewestSampleTimeMs() {
        return ownNewestSampleTimeMs;
    }

    /** Publications refused because a parameter was not finite. */
    public long unpublishable() {
        return unpublishable;
    }

    public long expiredIds() {
        return expiredIds;
    }
}
