package io.istream.trainer.updates;

import io.istream.avro.DenseTensor;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import io.istream.avro.SparseRows;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.EmbeddingTable;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelFile;
import io.istream.trainer.model.Tensor;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows a trainer through the model-updates topic: collects the chunks of each version and applies a version only
 * when all of them are in, so a reader never sees half an update. A FULL update builds a fresh model; a DELTA
 * applies on top of exactly the version it names as its base, and is ignored otherwise (a follower that joined
 * mid-stream waits for the next FULL). Not thread-safe: one thread applies and scores.
 *
 * <p>Updates order by (trainer epoch, version). A trainer begins a new epoch at every start and restore, and its
 * first update then is a FULL, which replaces whatever this follower applied from an older epoch, newer version
 * numbers included: a follower that reads uncommitted updates may have applied some that were written after the
 * checkpoint the trainer restored, in transactions that were aborted (docs/architecture.md, "Model freshness").
 * Anything of an older epoch than the applied one is stale.
 */
public final class ModelFollower {

    /** What one chunk did. */
    public enum Outcome { PENDING, APPLIED_FULL, APPLIED_DELTA, IGNORED_STALE, IGNORED_GAP }

    private CtrModel model;
    private int threads = 1;
    private Map<String, Tensor> dense;
    private long epoch = -1;
    private long version = -1;
    private long createdAtMs = -1;
    private long samplesTrained;
    private long sampleChecksum;
    private long newestSampleTimeMs;
    private ModelUpdate[] pending;
    private int pendingReceived;
    private long applied;
    private long ignored;

    /** Takes one chunk; applies its version once every chunk of it has arrived. */
    public Outcome accept(ModelUpdate chunk) {
        long v = chunk.getModelVersion();
        long e = chunk.getTrainerEpoch();
        if (e < epoch || e == epoch && v <= version) {
            ignored++;
            return Outcome.IGNORED_STALE;
        }
        if (pending == null || pendingVersion() != v || pendingEpoch() != e
                || pending.length != chunk.getChunkCount()) {
            // a new version; chunks of an unfinished older one can never complete (they were in one transaction)
            pending = new ModelUpdate[chunk.getChunkCount()];
            pendingReceived = 0;
        }
        int index = chunk.getChunkIndex();
        if (index < 0 || index >= pending.length) {
            throw new IllegalArgumentException("model update " + v + ": chunk " + index + " of " + pending.length);
        }
        if (pending[index] == null) {
            pendingReceived++;
        }
        pending[index] = chunk;
        if (pendingReceived < pending.length) {
            return Outcome.PENDING;
        }
        ModelUpdate[] complete = pending;
        pending = null;
        pendingReceived = 0;
        if (complete[0].getKind() == ModelUpdateKind.FULL) {
            applyFull(complete);
            applied++;
            return Outcome.APPLIED_FULL;
        }
        if (model == null || e != epoch || complete[0].getBaseVersion() != version) {
            ignored++;
            return Outcome.IGNORED_GAP;
        }
        applyChunks(complete, model, dense);
        stamp(complete[0]);
        applied++;
        return Outcome.APPLIED_DELTA;
    }

    private long pendingEpoch() {
        for (ModelUpdate u : pending) {
            if (u != null) {
                return u.getTrainerEpoch();
            }
        }
        return Long.MIN_VALUE;
    }

    private long pendingVersion() {
        for (ModelUpdate u : pending) {
            if (u != null) {
                return u.getModelVersion();
            }
        }
        return Long.MIN_VALUE;
    }

    /** Threads of every model this follower builds, and of the current one (see {@link CtrModel#setThreads}). */
    public void setThreads(int threads) {
        this.threads = threads;
        if (model != null) {
            model.setThreads(threads);
        }
    }

    private void applyFull(ModelUpdate[] chunks) {
        ByteBuffer config = chunks[0].getConfig();
        if (config == null) {
            throw new IllegalArgumentException("FULL model update " + chunks[0].getModelVersion()
                    + " carries no config in chunk 0");
        }
        byte[] configBytes = new byte[config.remaining()];
        config.duplicate().get(configBytes);
        ModelConfig modelConfig = ModelFile.configFromBytes(configBytes);
        CtrModel fresh = new CtrModel(modelConfig);
        fresh.setThreads(threads);
        Map<String, Tensor> freshDense = ModelTensors.denseTensors(fresh);
        applyChunks(chunks, fresh, freshDense);
        model = fresh;
        dense = freshDense;
        stamp(chunks[0]);
    }

    private void stamp(ModelUpdate head) {
        epoch = head.getTrainerEpoch();
        version = head.getModelVersion();
        createdAtMs = head.getCreatedAtMs();
        samplesTrained = head.getSamplesTrained();
        sampleChecksum = head.getSampleChecksum();
        newestSampleTimeMs = head.getNewestSampleTimeMs();
    }

    private static void applyChunks(ModelUpdate[] chunks, CtrModel target, Map<String, Tensor> dense) {
        Map<String, EmbeddingTable> tables = new HashMap<>();
        for (EmbeddingTable t : target.tables()) {
            tables.put(t.name, t);
        }
        // forgetting first: an id both expired and re-admitted since the base version ends up admitted
        for (ModelUpdate chunk : chunks) {
            for (SparseRows rows : chunk.getSparseRows()) {
                EmbeddingTable table = table(tables, rows);
                for (long id : rows.getExpiredIds()) {
                    table.forget(id);
                }
            }
        }
        for (ModelUpdate chunk : chunks) {
            for (SparseRows rows : chunk.getSparseRows()) {
                EmbeddingTable table = table(tables, rows);
                List<Long> ids = rows.getIds();
                int d = table.dim;
                if (rows.getValues().remaining() != ids.size() * d * Float.BYTES) {
                    throw new IllegalArgumentException("table " + table.name + ": " + ids.size() + " rows of " + d
                            + " floats need " + ids.size() * d * Float.BYTES + " bytes, got "
                            + rows.getValues().remaining());
                }
                Tensor values = Tensor.zeros(table.type(), Math.max(1, ids.size()), d);
                ModelTensors.decodeInto(rows.getValues(), values, 0);
                for (int i = 0; i < ids.size(); i++) {
                    table.assign(ids.get(i), values, i * d);
                }
            }
            for (DenseTensor t : chunk.getDenseTensors()) {
                Tensor into = dense.get(t.getName());
                if (into == null || t.getShape().size() != 2 || t.getShape().get(0) != into.rows
                        || t.getShape().get(1) != into.cols) {
                    throw new IllegalArgumentException("dense tensor " + t.getName() + " " + t.getShape()
                            + " does not fit this model" + (into == null ? "" : " ([" + into.rows + ", " + into.cols + "])"));
                }
                ModelTensors.decodeInto(t.getValues(), into, 0);
            }
        }
    }

    private static EmbeddingTable table(Map<String, EmbeddingTable> tables, SparseRows rows) {
        EmbeddingTable table = tables.get(rows.getTable());
        if (table == null || table.dim != rows.getDim()) {
            throw new IllegalArgumentException("embedding table " + rows.getTable() + " (dim " + rows.getDim()
                    + ") does not fit this model");
        }
        return table;
    }

    /**
     * The follower's whole state as update chunks: a FULL of the current model (same version and stamp), then the
     * chunks of a version still incomplete. Accepting them in order rebuilds this follower exactly (checkpoints).
     */
    public List<ModelUpdate> asUpdates(int maxChunkBytes) {
        List<ModelUpdate> out = new java.util.ArrayList<>();
        if (model != null) {
            out.addAll(new ModelPublisher(maxChunkBytes, false).full(model, version,
                    new ModelPublisher.Stamp(createdAtMs, samplesTrained, sampleChecksum, newestSampleTimeMs, epoch)));
        }
        if (pending != null) {
            for (ModelUpdate u : pending) {
                if (u != null) {
                    out.add(u);
                }
            }
        }
        return out;
    }

    /** The current model, or null before the first FULL update. Valid until the next {@link #accept}. */
    public CtrModel model() {
        return model;
    }

    /** The trainer epoch of the applied version, −1 before any. */
    public long epoch() {
        return epoch;
    }

    /** The applied version, −1 before any. */
    public long version() {
        return version;
    }

    /** When the trainer published the applied version (its clock), −1 before any. */
    public long createdAtMs() {
        return createdAtMs;
    }

    public long samplesTrained() {
        return samplesTrained;
    }

    /** The trainer's order-independent checksum of the sample ids it consumed (see StreamingTrainer). */
    public long sampleChecksum() {
        return sampleChecksum;
    }

    public long newestSampleTimeMs() {
        return newestSampleTimeMs;
    }

    /** Versions applied, and chunks or versions ignored (stale, or a delta without its base). */
    public long appliedCount() {
        return applied;
    }

    public long ignoredCount() {
        return ignored;
    }
}
