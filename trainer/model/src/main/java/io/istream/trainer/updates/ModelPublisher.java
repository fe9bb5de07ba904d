package io.istream.trainer.updates;

import io.istream.avro.DenseTensor;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import io.istream.avro.SparseRows;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.EmbeddingTable;
import io.istream.trainer.model.ModelFile;
import io.istream.trainer.model.SparseGradient;
import io.istream.trainer.model.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a training model into versioned {@link ModelUpdate}s: FULL snapshots (config, every dense tensor, every
 * admitted embedding row and the unknown row) and sparse DELTAs (the rows of ids trained on since the last update,
 * the unknown row, the ids expiry forgot, and the dense tensors whose bytes changed). Each update is cut into chunks
 * whose payload stays under {@code maxChunkBytes}, so no record exceeds the broker's message limit.
 *
 * <p>A {@link ModelFollower} that applies a FULL and then every DELTA after it holds exactly the trainer's
 * inference parameters: values travel as float32, the dtype of a streaming model.
 */
public final class ModelPublisher {
    /** Header and Avro framing allowance per chunk and per part. */
    private static final int OVERHEAD = 256;

    private final int maxChunkBytes;
    private final boolean everyRowChanges;
    private final IdLog[] touched = {new IdLog(), new IdLog(), new IdLog()};   // per table: item, category, user
    private final IdLog[] expired = {new IdLog(), new IdLog(), new IdLog()};
    private final Map<String, byte[]> publishedDense = new HashMap<>();

    /** What an update says about the model besides its parameters. */
    public record Stamp(long createdAtMs, long samplesTrained, long sampleChecksum, long newestSampleTimeMs,
                        long trainerEpoch) {
    }

    /**
     * @param everyRowChanges whole-table L2 decays rows a batch did not touch: every delta then carries every row
     */
    public ModelPublisher(int maxChunkBytes, boolean everyRowChanges) {
        if (maxChunkBytes < 4 * OVERHEAD) {
            throw new IllegalArgumentException("maxChunkBytes must be at least " + 4 * OVERHEAD + ", got " + maxChunkBytes);
        }
        this.maxChunkBytes = maxChunkBytes;
        this.everyRowChanges = everyRowChanges;
    }

    /**
     * Remembers the ids whose rows the last training batch read: its sparse gradients' rows, each once, whose values
     * the optimiser step changes. Call between the backward pass and the step (the step clears the gradients). The
     * unknown row is in every delta anyway. Walking the batch's ids instead (~45k a batch, most of them repeats) and
     * sorting them out later was 4% of the streaming trainer's Java time.
     */
    public void touch(CtrModel model) {
        List<EmbeddingTable> tables = model.tables();
        List<SparseGradient> grads = model.sparseGradients();
        for (int k = 0; k < tables.size(); k++) {
            EmbeddingTable table = tables.get(k);
            SparseGradient g = grads.get(k);
            for (int s = 0; s < g.touchedCount(); s++) {
                touched[k].add(table.idOfRow(g.touchedRow(s)));
            }
        }
    }

    /**
     * Remembers an id of table {@code tableIndex} whose row changed otherwise than by this trainer's step: another
     * trainer replica's delta ({@link EmbeddingTable#UNKNOWN_ID}, the unknown row, is in every delta anyway).
     */
    public void touched(int tableIndex, long id) {
        touched[tableIndex].add(id);
    }

    /** Remembers an id that expiry forgot in table {@code tableIndex} (the order of {@link CtrModel#tables()}). */
    public void expired(int tableIndex, long id) {
        expired[tableIndex].add(id);
    }

    public List<ModelUpdate> full(CtrModel model, long version, Stamp stamp) {
        forgetChanges();
        List<Object> parts = new ArrayList<>();
        List<EmbeddingTable> tables = model.tables();
        for (EmbeddingTable table : tables) {
            IdLog ids = new IdLog();
            table.forEachId((id, count, lastSeen, row) -> {
                if (row != EmbeddingTable.UNKNOWN_ROW) {
                    ids.add(id);
                }
            });
            rowParts(table, ids.sortedUnique(), new long[0], parts);
        }
        Map<String, Tensor> dense = ModelTensors.denseTensors(model);
        denseParts(dense, false, parts);
        return chunks(parts, version, -1, ModelUpdateKind.FULL, ModelFile.configBytes(model.config()), stamp);
    }

    public List<ModelUpdate> delta(CtrModel model, long version, long baseVersion, Stamp stamp) {
        List<Object> parts = new ArrayList<>();
        List<EmbeddingTable> tables = model.tables();
        for (int k = 0; k < tables.size(); k++) {
            EmbeddingTable table = tables.get(k);
            long[] ids;
            if (everyRowChanges) {
                IdLog all = new IdLog();
                table.forEachId((id, count, lastSeen, row) -> all.add(id));
                ids = all.sortedUnique();
            } else {
                ids = touched[k].sortedUnique();
            }
            IdLog admitted = new IdLog();
            for (long id : ids) {
                int row = table.resolve(id);
                if (row != EmbeddingTable.UNKNOWN_ROW && row != EmbeddingTable.PADDING) {
                    admitted.add(id);
                }
            }
            rowParts(table, admitted.sortedUnique(), expired[k].sortedUnique(), parts);
        }
        forgetChanges();
        denseParts(ModelTensors.denseTensors(model), true, parts);
        return chunks(parts, version, baseVersion, ModelUpdateKind.DELTA, null, stamp);
    }

    private void forgetChanges() {
        for (int k = 0; k < touched.length; k++) {
            touched[k].clear();
            expired[k].clear();
        }
    }

    /** The unknown row first, then the given ids' rows, then the expired ids, split to fit chunks. */
    private void rowParts(EmbeddingTable table, long[] ids, long[] expiredIds, List<Object> parts) {
        int d = table.dim;
        int rowsPerPart = Math.max(1, (maxChunkBytes - 2 * OVERHEAD) / (Long.BYTES + d * Float.BYTES));
        int expiredPerPart = (maxChunkBytes - 2 * OVERHEAD) / Long.BYTES;
        long[] withUnknown = new long[ids.length + 1];
        withUnknown[0] = EmbeddingTable.UNKNOWN_ID;
        System.arraycopy(ids, 0, withUnknown, 1, ids.length);
        Tensor values = table.values();
        for (int from = 0; from < withUnknown.length; from += rowsPerPart) {
            int n = Math.min(rowsPerPart, withUnknown.length - from);
            ByteBuffer bytes = ByteBuffer.allocate(n * d * Float.BYTES);
            List<Long> partIds = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long id = withUnknown[from + i];
                int row = id == EmbeddingTable.UNKNOWN_ID ? EmbeddingTable.UNKNOWN_ROW : table.resolve(id);
                bytes.put(ModelTensors.encode(values, row * d, d));
                partIds.add(id);
            }
            parts.add(new SparseRows(table.name, d, partIds, bytes.flip(), List.of()));
        }
        for (int from = 0; from < expiredIds.length; from += expiredPerPart) {
            int n = Math.min(expiredPerPart, expiredIds.length - from);
            List<Long> gone = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                gone.add(expiredIds[from + i]);
            }
            parts.add(new SparseRows(table.name, d, List.of(), ByteBuffer.allocate(0), gone));
        }
    }

    private void denseParts(Map<String, Tensor> dense, boolean changedOnly, List<Object> parts) {
        for (Map.Entry<String, Tensor> e : dense.entrySet()) {
            Tensor t = e.getValue();
            byte[] bytes = ModelTensors.encode(t, 0, t.size());
            if (bytes.length + 2 * OVERHEAD > maxChunkBytes) {
                throw new IllegalStateException("dense tensor " + e.getKey() + " (" + bytes.length + " bytes) does not"
                        + " fit a model-update chunk of " + maxChunkBytes + " bytes; raise the chunk size (and the "
                        + "broker's message.max.bytes)");
            }
            byte[] previous = publishedDense.put(e.getKey(), bytes);
            if (!changedOnly || previous == null || !Arrays.equals(previous, bytes)) {
                parts.add(new DenseTensor(e.getKey(), List.of(t.rows, t.cols), ByteBuffer.wrap(bytes)));
            }
        }
    }

    private List<ModelUpdate> chunks(List<Object> parts, long version, long baseVersion, ModelUpdateKind kind,
                                     byte[] config, Stamp stamp) {
        List<List<SparseRows>> rows = new ArrayList<>();
        List<List<DenseTensor>> dense = new ArrayList<>();
        rows.add(new ArrayList<>());
        dense.add(new ArrayList<>());
        long used = OVERHEAD + (config == null ? 0 : config.length);
        for (Object part : parts) {
            long size = OVERHEAD + (part instanceof SparseRows r
                    ? r.getValues().remaining() + 8L * (r.getIds().size() + r.getExpiredIds().size())
                    : ((DenseTensor) part).getValues().remaining());
            if (used + size > maxChunkBytes) {
                rows.add(new ArrayList<>());
                dense.add(new ArrayList<>());
                used = OVERHEAD;
            }
            used += size;
            if (part instanceof SparseRows r) {
                rows.get(rows.size() - 1).add(r);
            } else {
                dense.get(dense.size() - 1).add((DenseTensor) part);
            }
        }
        List<ModelUpdate> out = new ArrayList<>(rows.size());
        for (int c = 0; c < rows.size(); c++) {
            out.add(ModelUpdate.newBuilder()
                    .setModelVersion(version)
                    .setKind(kind)
                    .setBaseVersion(baseVersion)
                    .setChunkIndex(c)
                    .setChunkCount(rows.size())
                    .setCreatedAtMs(stamp.createdAtMs())
                    .setSparseRows(rows.get(c))
                    .setDenseTensors(dense.get(c))
                    .setConfig(c == 0 && config != null ? ByteBuffer.wrap(config) : null)
                    .setSamplesTrained(stamp.samplesTrained())
                    .setSampleChecksum(stamp.sampleChecksum())
                    .setNewestSampleTimeMs(stamp.newestSampleTimeMs())
                    .setTrainerEpoch(stamp.trainerEpoch())
                    .build());
        }
        return out;
    }

    /** A growable list of ids; sorted and deduplicated on demand. Ids ≤ 0 (padding) are not recorded. */
    static final class IdLog {
        private long[] ids = new long[64];
        private int size;

        void add(long id) {
            if (id <= 0) {
                return;
            }
            if (size == ids.length) {
                // a hot id is touched by every batch: deduplicate before growing
                long[] unique = sortedUnique();
                ids = Arrays.copyOf(unique, Math.max(64, unique.length > size / 2 ? size * 2 : size));
                size = unique.length;
            }
            ids[size++] = id;
        }

        long[] sortedUnique() {
            long[] out = Arrays.copyOf(ids, size);
            Arrays.sort(out);
            int n = 0;
            for (int i = 0; i < out.length; i++) {
                if (n == 0 || out[n - 1] != out[i]) {
                    out[n++] = out[i];
                }
            }
            return Arrays.copyOf(out, n);
        }

        void clear() {
            size = 0;
        }
    }
}
