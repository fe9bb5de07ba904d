package io.istream.trainer.model;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The gradient of one embedding table for one batch: only the rows the batch touched, each once, in first-touch
 * order. The optimiser reads and writes exactly these rows; the rest of the table is never read (MBA, DIN §4.2).
 */
public final class SparseGradient {

    private final int dim;
    private final DataType type;
    private int[] slotOfRow = new int[0];   // [R] slot + 1, 0 = untouched
    private int[] touched = new int[64];    // [U] rows in first-touch order
    private int touchedCount;
    private Tensor grad;                    // [U_capacity, d]

    public SparseGradient(DataType type, int dim) {
        this.type = type;
        this.dim = dim;
        grad = Tensor.zeros(type, 64, dim);
    }

    /** Adds columns [colOffset, colOffset + d) of {@code d[i]} to the gradient of {@code rows[i]}; skips padding. */
    public void scatter(int[] rowIndex, int count, Tensor d, int colOffset) {
        int dc = d.cols;
        for (int i = 0; i < count; i++) {
            int row = rowIndex[i];
            if (row == EmbeddingTable.PADDING) {
                continue;
            }
            int slot = slotOf(row);
            int g = slot * dim;
            int src = i * dc + colOffset;
            for (int j = 0; j < dim; j++) {
                grad.add(g + j, d.get(src + j));
            }
        }
    }

    private int slotOf(int row) {
        if (row >= slotOfRow.length) {
            slotOfRow = Arrays.copyOf(slotOfRow, Math.max(row + 1, slotOfRow.length * 2));
        }
        int slot = slotOfRow[row] - 1;
        if (slot < 0) {
            slot = touchedCount++;
            if (slot == touched.length) {
                touched = Arrays.copyOf(touched, slot * 2);
            }
            if (slot == grad.rows) {
                Tensor bigger = Tensor.zeros(type, grad.rows * 2, dim);
                bigger.copyFrom(grad, 0, 0, grad.size());
                grad = bigger;
            }
            touched[slot] = row;
            slotOfRow[row] = slot + 1;
            for (int j = 0; j < dim; j++) {
                grad.set(slot * dim + j, 0);
            }
        }
        return slot;
    }

    /** Rows touched since the last {@link #clear()}. */
    public int touchedCount() {
        return touchedCount;
    }

    public int touchedRow(int slot) {
        return touched[slot];
    }

    /** dL/dw of touched slot i, element j. */
    public double get(int slot, int j) {
        return grad.get(slot * dim + j);
    }

    /** The gradients, slot-major: slot i's row is elements [i·d, (i + 1)·d) of this [capacity, d] tensor. */
    Tensor values() {
        return grad;
    }

    /** Whether every accumulated gradient value is finite. */
    public boolean allFinite() {
        return grad.allFinite(touchedCount * dim);
    }

    public void clear() {
        for (int i = 0; i < touchedCount; i++) {
            slotOfRow[touched[i]] = 0;
        }
        touchedCount = 0;
    }

    public int dim() {
        return dim;
    }
}
