package io.istream.trainer.model;

import java.util.Arrays;
import java.util.function.LongConsumer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A collisionless embedding table: id → row, with each id's occurrence count n_j and last-seen time.
 *
 * <ul>
 *   <li><b>Admission.</b> An id is tracked from its first sighting, but gets its own row only after
 *       {@code admitAfter} sightings; until then it reads the shared {@link #UNKNOWN_ROW}. It never maps onto another
 *       real id's row.</li>
 *   <li><b>Expiry.</b> {@link #expire} forgets ids not seen for {@code expireAfterMs}; their rows are reused, with
 *       fresh values and fresh optimiser slots. Memory stays bounded on an endless stream.</li>
 *   <li><b>Padding.</b> Id 0 resolves to {@link #PADDING}: gathers write zeros and gradients are dropped, so padding
 *       can never leak into a pooled sum (a trap of the reference DIEN code).</li>
 * </ul>
 * Optimiser state lives here too, as {@link #slot} tensors row-aligned with the values, so a reused row never
 * inherits another id's moments.
 */
public final class EmbeddingTable {

    public static final int PADDING = -1;
    public static final int UNKNOWN_ROW = 0;
    /** The id that stands for the unknown row in model updates (real ids are positive, 0 is padding). */
    public static final long UNKNOWN_ID = -1;

    public final String name;
    public final int dim;                    // d
    private final DataType type;
    private final int admitAfter;
    private final long expireAfterMs;        // 0 = never

    private final LongIntMap entryOf;        // id → entry
    private long[] entryId = new long[16];   // [E]
    private long[] entryCount = new long[16];    // n_j [E]
    private long[] entryLastSeen = new long[16]; // [E] epoch ms
    private int[] entryRow = new int[16];    // [E] value row, or UNKNOWN_ROW before admission
    private int[] entryUnsent;               // [E] sightings not yet sent to other trainer replicas; null: untracked
    private int[] freeEntries = new int[16];
    private int freeEntryCount;
    private int entries;                     // high-water mark of entry indices

    private final EmbeddingRows rows;        // values [R, d] and optimiser slots; row 0 is the unknown row
    private long unknownCount;               // sightings that read the unknown row

    public EmbeddingTable(String name, DataType type, int dim, int admitAfter, long expireAfterMs, int slotCount,
                          int initialRows, double initStd, Initializer init) {
        if (admitAfter < 1) {
            throw new IllegalArgumentException("admitAfter must be ≥ 1, got " + admitAfter);
        }
        this.name = name;
        this.type = type;
        this.dim = dim;
        this.admitAfter = admitAfter;
        this.expireAfterMs = expireAfterMs;
        int capacity = Math.max(2, initialRows);
        entryOf = new LongIntMap(capacity);
        rows = new EmbeddingRows(name, type, dim, capacity, slotCount, initStd, init);
    }

    /**
     * Counts one sighting of {@code id} at {@code nowMs} and returns its row: what training does for every id it
     * reads. Admits the id once it has been seen {@code admitAfter} times.
     */
    public int observe(long id, long nowMs) {
        if (id == 0) {
            return PADDING;
        }
        int entry = entryOf.get(id);
        if (entry == LongIntMap.MISSING) {
            entry = newEntry(id);
        }
        entryCount[entry]++;
        if (entryUnsent != null) {
            entryUnsent[entry]++;
        }
        entryLastSeen[entry] = Math.max(entryLastSeen[entry], nowMs);
        if (entryRow[entry] == UNKNOWN_ROW && entryCount[entry] >= admitAfter) {
            admit(entry, id);
        }
        int row = entryRow[entry];
        if (row == UNKNOWN_ROW) {
            unknownCount++;
        }
        return row;
    }

    /** The row of {@code id} without counting or admitting anything: what inference does. */
    public int resolve(long id) {
        if (id == 0) {
            return PADDING;
        }
        int entry = entryOf.get(id);
        return entry == LongIntMap.MISSING ? UNKNOWN_ROW : entryRow[entry];
    }

    /** n_j of a row: its id's occurrence count, or the sightings of not-yet-admitted ids for the unknown row. */
    public long count(int row) {
        if (row == UNKNOWN_ROW) {
            return Math.max(1, unknownCount);
        }
        int entry = rows.owner(row);
        return entry < 0 ? 1 : Math.max(1, entryCount[entry]);
    }

    /** Occurrence count of an id (0 when unknown). */
    public long countOf(long id) {
        int entry = id == 0 ? LongIntMap.MISSING : entryOf.get(id);
        return entry == LongIntMap.MISSING ? 0 : entryCount[entry];
    }

    /**
     * Copies rows into {@code out}: the i-th into the d elements from {@code offset + i·out.cols}, zeros for
     * {@link #PADDING}. An offset below out.cols picks columns of rows 0..count−1; a multiple of out.cols also skips
     * whole rows first.
     */
    public void gather(int[] rowIndex, int count, Tensor out, int offset) {
        int oc = out.cols;
        Tensor values = rows.values();
        for (int i = 0; i < count; i++) {
            int row = rowIndex[i];
            int o = i * oc + offset;
            if (row == PADDING) {
                for (int j = 0; j < dim; j++) {
                    out.set(o + j, 0);
                }
            } else {
                out.copyFrom(values, row * dim, o, dim);
            }
        }
    }

    /** Forgets ids last seen before {@code nowMs − expireAfterMs}; returns how many. */
    public int expire(long nowMs) {
        return expire(nowMs, id -> { });
    }

    /** As {@link #expire(long)}, telling {@code forgotten} each id it forgets (model deltas carry them). */
    public int expire(long nowMs, LongConsumer forgotten) {
        if (expireAfterMs <= 0) {
            return 0;
        }
        long cutoff = nowMs - expireAfterMs;
        int removed = 0;
        for (int e = 0; e < entries; e++) {
            if (entryId[e] != 0 && entryLastSeen[e] < cutoff) {
                forgotten.accept(entryId[e]);
                drop(e);
                removed++;
            }
        }
        return removed;
    }

    /** Gives the id of {@code entry} a row of its own, from its initial values. */
    private void admit(int entry, long id) {
        entryRow[entry] = rows.allocate(entry, id);
    }

    private int newEntry(long id) {
        int entry;
        if (freeEntryCount > 0) {
            entry = freeEntries[--freeEntryCount];
        } else {
            entry = entries++;
            if (entry == entryId.length) {
                int n = entryId.length * 2;
                entryId = Arrays.copyOf(entryId, n);
                entryCount = Arrays.copyOf(entryCount, n);
                entryLastSeen = Arrays.copyOf(entryLastSeen, n);
                entryRow = Arrays.copyOf(entryRow, n);
                if (entryUnsent != null) {
                    entryUnsent = Arrays.copyOf(entryUnsent, n);
                }
            }
        }
        if (entryUnsent != null) {
            entryUnsent[entry] = 0;
        }
        entryId[entry] = id;
        entryCount[entry] = 0;
        entryLastSeen[entry] = Long.MIN_VALUE;
        entryRow[entry] = UNKNOWN_ROW;
        entryOf.put(id, entry);
        return entry;
    }

    /**
     * Sets the values of {@code id} to {@code src[srcOffset, srcOffset + d)}, giving it a row if it has none: what a
     * model follower does with the rows of an update. Counts and last-seen times are the trainer's business and are
     * left alone. {@link #UNKNOWN_ID} sets the unknown row.
     */
    public void assign(long id, Tensor src, int srcOffset) {
        int row = rowFor(id);   // first: a new row may grow (replace) the value tensor
        rows.values().copyFrom(src, srcOffset, row * dim, dim);
    }

    /**
     * The row of {@code id}, giving it one (with its initial values, which depend on the seed and id alone) if it has
     * none, without counting a sighting: what a trainer replica does with a row another replica changed. Counts and
     * last-seen times are left alone. {@link #UNKNOWN_ID} is the unknown row.
     */
    public int rowFor(long id) {
        if (id == UNKNOWN_ID) {
            return UNKNOWN_ROW;
        }
        if (id <= 0) {
            throw new IllegalArgumentException("table " + name + ": no row for id " + id);
        }
        int entry = entryOf.get(id);
        if (entry == LongIntMap.MISSING) {
            entry = newEntry(id);
        }
        if (entryRow[entry] == UNKNOWN_ROW) {
            admit(entry, id);
        }
        return entryRow[entry];
    }

    /**
     * As {@link #rowFor(long)}, and the id counts as seen at {@code seenMs} (event time) for expiry: what a trainer
     * replica does with a row another replica changed, so that expiry does not forget it at once.
     */
    public int rowFor(long id, long seenMs) {
        int row = rowFor(id);
        if (id != UNKNOWN_ID) {
            int entry = rows.owner(row);
            entryLastSeen[entry] = Math.max(entryLastSeen[entry], seenMs);
        }
        return row;
    }

    /**
     * From now on, counts the sightings of each id that {@link #drainSightings} has not yet handed out: trainer
     * replicas send them to each other, so that every replica's counts n_j (admission, MBA) are everyone's.
     */
    public void trackSightings() {
        if (entryUnsent == null) {
            entryUnsent = new int[entryId.length];
        }
    }

    /** Hands out (id, sightings) for each id sighted since the previous call, and forgets them. */
    public void drainSightings(IdCountVisitor visitor) {
        if (entryUnsent == null) {
            return;
        }
        for (int e = 0; e < entries; e++) {
            if (entryUnsent[e] > 0) {
                visitor.visit(entryId[e], entryUnsent[e]);
                entryUnsent[e] = 0;
            }
        }
    }

    /**
     * Adds {@code n} sightings of {@code id} made elsewhere (another trainer replica), seen at {@code seenMs}, and
     * admits the id as {@link #observe} would once its count reaches admitAfter.
     *
     * @return whether this gave the id its row
     */
    public boolean addSightings(long id, long n, long seenMs) {
        if (id <= 0 || n <= 0) {
            return false;
        }
        int entry = entryOf.get(id);
        if (entry == LongIntMap.MISSING) {
            entry = newEntry(id);
        }
        entryCount[entry] += n;
        entryLastSeen[entry] = Math.max(entryLastSeen[entry], seenMs);
        if (entryRow[entry] == UNKNOWN_ROW && entryCount[entry] >= admitAfter) {
            admit(entry, id);
            return true;
        }
        return false;
    }

    @FunctionalInterface
    public interface IdCountVisitor {
        void visit(long id, long count);
    }

    /** Forgets {@code id} as expiry would: it reads the unknown row again. No-op for an unknown id. */
    public void forget(long id) {
        int entry = id <= 0 ? LongIntMap.MISSING : entryOf.get(id);
        if (entry != LongIntMap.MISSING) {
            drop(entry);
        }
    }

    /** Frees an entry and its row (both are reused later). */
    private void drop(int entry) {
        entryOf.remove(entryId[entry]);
        int row = entryRow[entry];
        if (row != UNKNOWN_ROW) {
            rows.release(row);
        }
        entryId[entry] = 0;
        entryCount[entry] = 0;
        entryRow[entry] = UNKNOWN_ROW;
        if (entryUnsent != null) {
            entryUnsent[entry] = 0;
        }
        freeEntries = EmbeddingRows.push(freeEntries, freeEntryCount++, entry);
    }

    /** The value tensor [R, d] (R ≥ {@link #rowCount()}); rows beyond the count are unused. */
    public Tensor values() {
        return rows.values();
    }

    /** Optimiser slot i [R, d], row-aligned with {@link #values()}. */
    public Tensor slot(int i) {
        return rows.slot(i);
    }

    public int slotCount() {
        return rows.slotCount();
    }

    /** Rows in use, the unknown row included. */
    public int rowCount() {
        return rows.inUse();
    }

    /** Rows ever allocated (the high-water mark, unknown row included). */
    public int rowHighWater() {
        return rows.highWater();
    }

    /** Ids tracked (admitted or pending). */
    public int idCount() {
        return entryOf.size();
    }

    public int admitAfter() {
        return admitAfter;
    }

    public long expireAfterMs() {
        return expireAfterMs;
    }

    public DataType type() {
        return type;
    }

    /** The id that owns {@code row}; 0 for the unknown row, padding and free rows. */
    public long idOfRow(int row) {
        int entry = row <= UNKNOWN_ROW ? -1 : rows.owner(row);
        return entry < 0 ? 0 : entryId[entry];
    }

    /** Visits every tracked id: (id, count, lastSeen, row). For model files. */
    public void forEachId(IdVisitor visitor) {
        for (int e = 0; e < entries; e++) {
            if (entryId[e] != 0) {
                visitor.visit(entryId[e], entryCount[e], entryLastSeen[e], entryRow[e]);
            }
        }
    }

    /** Restores one id exactly as {@link #forEachId} reported it, at the same row. For model files. */
    public void restoreId(long id, long count, long lastSeen, int row) {
        int entry = newEntry(id);
        entryCount[entry] = count;
        entryLastSeen[entry] = lastSeen;
        if (row != UNKNOWN_ROW) {
            rows.claim(row, entry);
            entryRow[entry] = row;
        }
    }

    /** After {@link #restoreId} calls: every row no id owns (but the unknown row) becomes free. */
    public void finishRestore(long restoredUnknownCount, int highWater) {
        rows.finishRestore(highWater);
        unknownCount = restoredUnknownCount;
    }

    public long unknownCount() {
        return unknownCount;
    }

    @FunctionalInterface
    public interface IdVisitor {
        void visit(long id, long count, long lastSeenMs, int row);
    }
}
