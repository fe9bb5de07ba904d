package io.istream.trainer.model;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The row storage of an {@link EmbeddingTable}: the value tensor, the optimiser slots row-aligned with it, which
 * entry owns each row, and the free rows that expiry leaves for reuse. Row 0 is the shared unknown row, owned by no
 * entry. A row handed out again gets fresh initial values and zero slots, so it never inherits another id's values
 * or moments.
 */
final class EmbeddingRows {
    private final String table;
    private final DataType type;
    private final int dim;                   // d
    private final double initStd;
    private final Initializer init;

    private Tensor values;                   // [R, d]; row 0 is the unknown row
    private final Tensor[] slots;            // optimiser state, each [R, d]
    private int[] owner;                     // [R] owning entry, −1 for the unknown row and free rows
    private int[] free = new int[16];
    private int freeCount;
    private int highWater;                   // rows ever allocated, ≥ 1

    EmbeddingRows(String table, DataType type, int dim, int capacity, int slotCount, double initStd,
                  Initializer init) {
        this.table = table;
        this.type = type;
        this.dim = dim;
        this.initStd = initStd;
        this.init = init;
        values = Tensor.zeros(type, capacity, dim);
        owner = new int[capacity];
        Arrays.fill(owner, -1);
        slots = new Tensor[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = Tensor.zeros(type, capacity, dim);
        }
        highWater = 1;
        initRow(EmbeddingTable.UNKNOWN_ROW, EmbeddingTable.UNKNOWN_ID);
    }

    /** A row for {@code entry}'s id (a free one if any), with the id's initial values and zero slots. */
    int allocate(int entry, long id) {
        int row;
        if (freeCount > 0) {
            row = free[--freeCount];
        } else {
            row = highWater++;
            if (row == values.rows) {
                grow(values.rows * 2);
            }
        }
        initRow(row, id);
        owner[row] = entry;
        return row;
    }

    /** Returns a row to the free list; its values stay until it is allocated again. */
    void release(int row) {
        owner[row] = -1;
        free = push(free, freeCount++, row);
    }

    /** The entry that owns {@code row}; −1 for the unknown row, free rows and rows beyond the high-water mark. */
    int owner(int row) {
        return row < 0 || row >= owner.length ? -1 : owner[row];
    }

    /** Gives {@code row} to {@code entry} as a model file recorded it, allocating every row up to it. */
    void claim(int row, int entry) {
        extendTo(row + 1);
        owner[row] = entry;
    }

    /** After {@link #claim} calls: rows up to {@code rows} exist, and every row no entry owns (but 0) is free. */
    void finishRestore(int rows) {
        extendTo(rows);
        freeCount = 0;
        for (int r = 1; r < highWater; r++) {
            if (owner[r] < 0) {
                free = push(free, freeCount++, r);
            }
        }
    }

    private void extendTo(int rows) {
        while (highWater < rows) {
            if (highWater == values.rows) {
                grow(values.rows * 2);
            }
            highWater++;
        }
    }

    /** Fresh values N(0, initStd²) drawn from (seed, table, id) alone, and zero optimiser slots. */
    private void initRow(int row, long id) {
        Initializer rowInit = init.forKey(table, id);
        for (int j = 0; j < dim; j++) {
            values.set(row * dim + j, rowInit.gaussian() * initStd);
        }
        for (Tensor slot : slots) {
            for (int j = 0; j < dim; j++) {
                slot.set(row * dim + j, 0);
            }
        }
    }

    private void grow(int capacity) {
        values = grown(values, capacity);
        for (int i = 0; i < slots.length; i++) {
            slots[i] = grown(slots[i], capacity);
        }
        int old = owner.length;
        owner = Arrays.copyOf(owner, capacity);
        Arrays.fill(owner, old, capacity, -1);
    }

    private Tensor grown(Tensor t, int capacity) {
        Tensor out = Tensor.zeros(type, capacity, dim);
        out.copyFrom(t, 0, 0, t.size());
        return out;
    }

    static int[] push(int[] stack, int at, int value) {
        int[] s = at == stack.length ? Arrays.copyOf(stack, stack.length * 2) : stack;
        s[at] = value;
        return s;
    }

    /** The value tensor [R, d]; a new row may replace it, so read it again after {@link #allocate}. */
    Tensor values() {
        return values;
    }

    Tensor slot(int i) {
        return slots[i];
    }

    int slotCount() {
        return slots.length;
    }

    /** Rows in use, the unknown row included. */
    int inUse() {
        return highWater - freeCount;
    }

    int highWater() {
        return highWater;
    }
}
