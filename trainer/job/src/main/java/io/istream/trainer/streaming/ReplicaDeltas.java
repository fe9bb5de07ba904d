package io.istream.trainer.streaming;

import io.istream.avro.DenseDelta;
import io.istream.avro.ReplicaDelta;
import io.istream.avro.RowDeltas;
import io.istream.avro.Sightings;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.EmbeddingTable;
import io.istream.trainer.model.SparseGradient;
import io.istream.trainer.model.Tensor;
import io.istream.trainer.updates.ModelTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What one trainer replica's own steps changed since its previous delta, and how another replica's delta joins its
 * model.
 *
 * <p>The merge rule: every replica adds every other replica's deltas to its own parameters,
 * θ_i ← θ_i + Δ_j, where Δ_j = θ_j(now) − θ_j(previous delta) counts only j's own optimiser steps (what j applied
 * of others is added to j's bases too, so it is never sent on). Every step of every replica thus reaches every model
 * once, a few batches late: asynchronous data-parallel SGD with bounded staleness, as a parameter server would run
 * it, with the replicas as its shards of the data. Adding rather than averaging is what sparse rows need: a row that
 * only one replica's users touch keeps all of that replica's change. Optimiser state stays local (docs/architecture.md,
 * "Trainer replicas", says why that is stable with Adam and MBA).
 *
 * <p>A row another replica created and this one has never admitted starts from its initial values, which depend on
 * the seed and id alone ({@code Initializer.forKey}), so init + Δ is the sender's row whatever the order of
 * admissions. Sightings travel too: each replica adds the others' to its counts, so admission (after
 * {@code model.admit-after} sightings) and MBA's n_j (DIN eq. 7) count every replica's samples, as one trainer's would.
 */
final class ReplicaDeltas {
    /** Avro framing allowance per chunk and per part. */
    private static final int OVERHEAD = 256;

    private final List<Map<Long, double[]>> before = new ArrayList<>();   // per table: id → row at the previous delta
    private final Map<String, DenseBase> denseBase = new LinkedHashMap<>(); // name → values at the previous delta
    private float[] scratch = new float[0];                                  // a FLOAT tensor's values, then deltas

    ReplicaDeltas(CtrModel model) {
        for (int k = 0; k < model.tables().size(); k++) {
            before.add(new HashMap<>());
        }
        rebase(model);
    }

    /** From now on, sightings of ids are counted for the next delta too (several replicas). */
    void trackSightings(CtrModel model) {
        model.tables().forEach(EmbeddingTable::trackSightings);
    }

    /** Forgets every change: the model as it is now is the base of the next delta. */
    void rebase(CtrModel model) {
        before.forEach(Map::clear);
        denseBase.clear();
        ModelTensors.denseTensors(model).forEach((name, t) -> denseBase.put(name, new DenseBase(t)));
    }

    /**
     * A dense tensor's values at the previous delta. A FLOAT tensor's are kept as floats and handled in whole-array
     * loops over bulk copies: the exchange passes over every dense parameter at each delta it takes and each it
     * applies, and element by element that was most of its cost (docs/benchmarks.md, "bench scaling").
     */
    private static final class DenseBase {
        final float[] floats;    // a FLOAT tensor's values
        final double[] doubles;  // a DOUBLE tensor's

        DenseBase(Tensor t) {
            if (t.type() == DataType.FLOAT) {
                floats = new float[t.size()];
                t.read(0, floats, 0, floats.length);
                doubles = null;
            } else {
                floats = null;
                doubles = t.toDoubleArray();
            }
        }
    }

    /** {@code t}'s values in {@link #scratch} (a FLOAT tensor). */
    private float[] valuesOf(Tensor t) {
        if (scratch.length < t.size()) {
            scratch = new float[t.size()];
        }
        t.read(0, scratch, 0, t.size());
        return scratch;
    }

    /**
     * Remembers the values, before the step, of the rows the coming optimiser step changes: the rows of the
     * batch's sparse gradients. Call between the backward pass and the step; a row already remembered since the
     * previous delta keeps its older value.
     */
    void touch(CtrModel model) {
        List<EmbeddingTable> tables = model.tables();
        List<SparseGradient> grads = model.sparseGradients();
        for (int k = 0; k < tables.size(); k++) {
            EmbeddingTable table = tables.get(k);
            SparseGradient g = grads.get(k);
            Map<Long, double[]> rows = before.get(k);
            for (int s = 0; s < g.touchedCount(); s++) {
                int row = g.touchedRow(s);
                long id = row == EmbeddingTable.UNKNOWN_ROW ? EmbeddingTable.UNKNOWN_ID : table.idOfRow(row);
                if (id != 0 && !rows.containsKey(id)) {
                    rows.put(id, rowValues(table, row));
                }
            }
        }
    }

    private static double[] rowValues(EmbeddingTable table, int row) {
        double[] out = new double[table.dim];
        Tensor values = table.values();
        for (int j = 0; j < out.length; j++) {
            out[j] = values.get(row * table.dim + j);
        }
        return out;
    }

    /** Whether anything changed since the previous delta. */
    boolean changed(CtrModel model) {
        for (Map<Long, double[]> rows : before) {
            if (!rows.isEmpty()) {
                return true;
            }
        }
        for (Map.Entry<String, Tensor> e : ModelTensors.denseTensors(model).entrySet()) {
            if (!unchanged(e.getValue(), denseBase.get(e.getKey()))) {
                return true;
            }
        }
        return false;
    }

    private boolean unchanged(Tensor t, DenseBase base) {
        if (base.floats != null) {
            return Arrays.equals(valuesOf(t), 0, t.size(), base.floats, 0, base.floats.length);
        }
        return Arrays.equals(t.toDoubleArray(), base.doubles);
    }

    /**
     * The delta since the previous one as chunks of at most {@code maxChunkBytes} payload, each with
     * {@code header}'s fields (chunk index and count set here), and the counters in the last chunk; then the model as
     * it is now becomes the base. Rows of ids expired since are skipped (their change is gone with them).
     */
    List<ReplicaDelta> take(CtrModel model, ReplicaDelta.Builder header, int maxChunkBytes) {
        List<Object> parts = new ArrayList<>();
        List<EmbeddingTable> tables = model.tables();
        for (int k = 0; k < tables.size(); k++) {
            rowParts(tables.get(k), before.get(k), maxChunkBytes, parts);
            sightingParts(tables.get(k), maxChunkBytes, parts);
        }
        for (Map.Entry<String, Tensor> e : ModelTensors.denseTensors(model).entrySet()) {
            ByteBuffer delta = denseDelta(e.getValue(), denseBase.get(e.getKey()));
            if (delta != null) {
                parts.add(new DenseDelta(e.getKey(), delta));
            }
        }
        before.forEach(Map::clear);   // the dense bases moved to the values now as their deltas were taken
        return chunks(parts, header, maxChunkBytes);
    }

    /** {@code t} − {@code base} as float32 LE, or null when equal; {@code base} then holds {@code t}'s values. */
    private ByteBuffer denseDelta(Tensor t, DenseBase base) {
        int n = t.size();
        if (base.floats != null) {
            float[] now = valuesOf(t);
            float[] old = base.floats;
            if (Arrays.equals(now, 0, n, old, 0, n)) {
                return null;
            }
            for (int i = 0; i < n; i++) {
                float value = now[i];
                now[i] -= old[i];   // the difference of two floats, rounded once: as in double, then cast
                old[i] = value;
            }
            ByteBuffer bytes = floats(n);
            bytes.asFloatBuffer().put(now, 0, n);   // a view in the buffer's (little-endian) order
            return bytes;
        }
        double[] now = t.toDoubleArray();
        double[] old = base.doubles;
        if (Arrays.equals(now, old)) {
            return null;
        }
        ByteBuffer bytes = floats(n);
        for (int i = 0; i < n; i++) {
            bytes.putFloat((float) (now[i] - old[i]));
        }
        System.arraycopy(now, 0, old, 0, n);
        return bytes.flip();
    }

    private static void rowParts(EmbeddingTable table, Map<Long, double[]> rows, int maxChunkBytes,
                                 List<Object> parts) {
        int d = table.dim;
        long[] ids = rows.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
        int perPart = Math.max(1, (maxChunkBytes - 2 * OVERHEAD) / (Long.BYTES + d * Float.BYTES));
        Tensor values = table.values();
        List<Long> partIds = new ArrayList<>();
        ByteBuffer bytes = floats(perPart * d);
        for (long id : ids) {
            int row = id == EmbeddingTable.UNKNOWN_ID ? EmbeddingTable.UNKNOWN_ROW : table.resolve(id);
            if (row == EmbeddingTable.UNKNOWN_ROW && id != EmbeddingTable.UNKNOWN_ID || row == EmbeddingTable.PADDING) {
                continue;   // expired since: nothing of it is left to send
            }
            double[] old = rows.get(id);
            for (int j = 0; j < d; j++) {
                bytes.putFloat((float) (values.get(row * d + j) - old[j]));
            }
            partIds.add(id);
            if (partIds.size() == perPart) {
                parts.add(new RowDeltas(table.name, d, partIds, bytes.flip()));
                partIds = new ArrayList<>();
                bytes = floats(perPart * d);
            }
        }
        if (!partIds.isEmpty()) {
            parts.add(new RowDeltas(table.name, d, partIds, bytes.flip()));
        }
    }

    private static void sightingParts(EmbeddingTable table, int maxChunkBytes, List<Object> parts) {
        int perPart = Math.max(1, (maxChunkBytes - 2 * OVERHEAD) / (2 * Long.BYTES));
        List<List<Long>> ids = new ArrayList<>(List.of(new ArrayList<>()));
        List<List<Long>> counts = new ArrayList<>(List.of(new ArrayList<>()));
        table.drainSightings((id, count) -> {
            if (ids.get(ids.size() - 1).size() == perPart) {
                ids.add(new ArrayList<>());
                counts.add(new ArrayList<>());
            }
            ids.get(ids.size() - 1).add(id);
            counts.get(counts.size() - 1).add(count);
        });
        for (int i = 0; i < ids.size(); i++) {
            if (!ids.get(i).isEmpty()) {
                parts.add(new Sightings(table.name, ids.get(i), counts.get(i)));
            }
        }
    }

    private static ByteBuffer floats(int n) {
        return ByteBuffer.allocate(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static List<ReplicaDelta> chunks(List<Object> parts, ReplicaDelta.Builder header, int maxChunkBytes) {
        List<List<RowDeltas>> rows = new ArrayList<>(List.of(new ArrayList<>()));
        List<List<Sightings>> sightings = new ArrayList<>(List.of(new ArrayList<>()));
        List<List<DenseDelta>> dense = new ArrayList<>(List.of(new ArrayList<>()));
        long used = OVERHEAD;
        for (Object part : parts) {
            long size = OVERHEAD + (part instanceof RowDeltas r ? r.getDeltas().remaining() + 8L * r.getIds().size()
                    : part instanceof Sightings c ? 16L * c.getIds().size()
                    : ((DenseDelta) part).getDeltas().remaining());
            if (used + size > maxChunkBytes && used > OVERHEAD) {
                rows.add(new ArrayList<>());
                sightings.add(new ArrayList<>());
                dense.add(new ArrayList<>());
                used = OVERHEAD;
            }
            used += size;
            if (part instanceof RowDeltas r) {
                rows.get(rows.size() - 1).add(r);
            } else if (part instanceof Sightings c) {
                sightings.get(sightings.size() - 1).add(c);
            } else {
                dense.get(dense.size() - 1).add((DenseDelta) part);
            }
        }
        List<ReplicaDelta> out = new ArrayList<>(rows.size());
        ReplicaDelta last = header.build();
        for (int c = 0; c < rows.size(); c++) {
            boolean isLast = c == rows.size() - 1;
            out.add(ReplicaDelta.newBuilder(last)
                    .setChunkIndex(c)
                    .setChunkCount(rows.size())
                    .setRows(rows.get(c))
                    .setSightings(sightings.get(c))
                    .setDense(dense.get(c))
                    .setLast(isLast && last.getLast())
                    .setSamplesConsumed(isLast ? last.getSamplesConsumed() : 0)
                    .setSamplesTrained(isLast ? last.getSamplesTrained() : 0)
                    .setSkippedBatches(isLast ? last.getSkippedBatches() : 0)
                    .setSampleChecksum(isLast ? last.getSampleChecksum() : 0)
                    .setNewestSampleTimeMs(last.getNewestSampleTimeMs())
                    .build());
        }
        return out;
    }

    /** Receives the ids of the rows another replica's delta changed, per table index. */
    interface ChangedRow {
        void changed(int tableIndex, long id);
    }

    /**
     * Adds one chunk of another replica's delta to {@code model}, and to the bases of this replica's own next delta
     * (so the change is not sent on as this replica's). The ids it sighted or changed count as seen at
     * {@code seen} (event time) for expiry. Throws IllegalArgumentException when the chunk does not fit the model
     * (another model configuration).
     */
    void apply(CtrModel model, ReplicaDelta chunk, long seen, ChangedRow changed) {
        List<EmbeddingTable> tables = model.tables();
        for (Sightings part : chunk.getSightings()) {
            int k = tableIndex(tables, part.getTable(), -1);
            EmbeddingTable table = tables.get(k);
            List<Long> ids = part.getIds();
            List<Long> counts = part.getCounts();
            if (counts.size() != ids.size()) {
                throw new IllegalArgumentException("table " + table.name + ": " + ids.size() + " sighted ids with "
                        + counts.size() + " counts");
            }
            for (int i = 0; i < ids.size(); i++) {
                if (table.addSightings(ids.get(i), counts.get(i), seen)) {
                    changed.changed(k, ids.get(i));   // admitted here: its (initial) row is part of the model now
                }
            }
        }
        for (RowDeltas part : chunk.getRows()) {
            int k = tableIndex(tables, part.getTable(), part.getDim());
            EmbeddingTable table = tables.get(k);
            int d = table.dim;
            List<Long> ids = part.getIds();
            ByteBuffer in = part.getDeltas().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (in.remaining() != ids.size() * d * Float.BYTES) {
                throw new IllegalArgumentException("table " + table.name + ": " + ids.size() + " row deltas of " + d
                        + " floats need " + ids.size() * d * Float.BYTES + " bytes, got " + in.remaining());
            }
            Map<Long, double[]> mine = before.get(k);
            for (long id : ids) {
                int row = table.rowFor(id, seen);
                double[] base = mine.get(id);
                for (int j = 0; j < d; j++) {
                    int at = row * d + j;
                    double old = table.values().get(at);
                    table.values().add(at, in.getFloat());
                    if (base != null) {
                        base[j] += table.values().get(at) - old;   // as stored: a FLOAT row rounds the sum
                    }
                }
                changed.changed(k, id);
            }
        }
        Map<String, Tensor> dense = ModelTensors.denseTensors(model);
        for (DenseDelta part : chunk.getDense()) {
            Tensor into = dense.get(part.getName());
            ByteBuffer in = part.getDeltas().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            if (into == null || in.remaining() != into.size() * Float.BYTES) {
                throw new IllegalArgumentException("dense delta " + part.getName() + " (" + in.remaining() / Float.BYTES
                        + " values) does not fit this model" + (into == null ? "" : " (" + into.size() + ")"));
            }
            addDense(into, in, denseBase.get(part.getName()));
        }
    }

    /** Adds the float32 deltas of {@code in} to {@code into}, and to {@code base} as stored. */
    private void addDense(Tensor into, ByteBuffer in, DenseBase base) {
        int n = into.size();
        if (base.floats != null) {
            if (scratch.length < 2 * n) {
                scratch = new float[2 * n];
            }
            float[] values = scratch;   // [0, n): the tensor's values; [n, 2n): the deltas
            into.read(0, values, 0, n);
            in.asFloatBuffer().get(values, n, n);
            float[] old = base.floats;
            for (int i = 0; i < n; i++) {
                float sum = values[i] + values[n + i];
                old[i] += sum - values[i];   // as stored: the float sum's rounding included
                values[i] = sum;
            }
            into.write(0, values, 0, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            double old = into.get(i);
            into.add(i, in.getFloat());
            base.doubles[i] += into.get(i) - old;
        }
    }

    /** The index of table {@code name} (with {@code dim} columns, unless −1). */
    private static int tableIndex(List<EmbeddingTable> tables, String name, int dim) {
        for (int k = 0; k < tables.size(); k++) {
            if (tables.get(k).name.equals(name) && (dim < 0 || tables.get(k).dim == dim)) {
                return k;
            }
        }
        throw new IllegalArgumentException("embedding table " + name + (dim < 0 ? "" : " (dim " + dim + ")")
                + " does not fit this model");
    }
}
