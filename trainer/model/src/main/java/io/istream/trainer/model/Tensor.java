package io.istream.trainer.model;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A dense row-major matrix in native memory: an ND4J array for the GEMMs, plus direct element access for the
 * element-wise math that ND4J would run as many small ops (each costing 7–50 µs at our shapes).
 *
 * <p>Every tensor of the model is one of these, allocated once per shape and reused: ND4J frees native memory only
 * when the GC collects its owner, so allocating per batch makes memory climb. Element access goes through the NIO
 * view of the same native buffer; FLOAT is the training precision, DOUBLE the gradient-check precision.
 */
public final class Tensor {

    public final int rows;
    public final int cols;
    public final INDArray array;     // [rows, cols], 'c' order; a prefix-rows view of backing when reused
    private final INDArray backing;  // the allocation, [capacity ≥ rows, cols]
    private final FloatBuffer f32;   // the same memory, when FLOAT (bulk copies)
    private final DoubleBuffer f64;  // the same memory, when DOUBLE
    private final boolean single;    // FLOAT
    private final long address;      // native address of element 0
    private final long capacity;     // elements of the allocation, for the -ea bounds checks

    private Tensor(INDArray array) {
        this.array = array;
        this.backing = array;
        this.rows = (int) array.rows();
        this.cols = (int) array.columns();
        if (array.dataType() == DataType.FLOAT) {
            f32 = array.data().asNioFloat();
            f64 = null;
        } else if (array.dataType() == DataType.DOUBLE) {
            f32 = null;
            f64 = array.data().asNioDouble();
        } else {
            throw new IllegalArgumentException("only FLOAT and DOUBLE tensors, got " + array.dataType());
        }
        single = f32 != null;
        address = array.data().address();
        capacity = array.data().length();
    }

    public static Tensor zeros(DataType type, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape [" + rows + ", " + cols + "]");
        }
        // ND4J refuses empty arrays in GEMM; a [0, n] tensor keeps one row of backing memory and reports 0 rows.
        INDArray a = Nd4j.zeros(type, Math.max(rows, 1), Math.max(cols, 1));
        return rows == 0 || cols == 0 ? new Tensor(a, rows, cols) : new Tensor(a);
    }

    private Tensor(INDArray array, int rows, int cols) {
        this.array = array;
        this.backing = array;
        this.rows = rows;
        this.cols = cols;
        f32 = array.dataType() == DataType.FLOAT ? array.data().asNioFloat() : null;
        f64 = array.dataType() == DataType.DOUBLE ? array.data().asNioDouble() : null;
        single = f32 != null;
        address = array.data().address();
        capacity = array.data().length();
    }

    public DataType type() {
        return array.dataType();
    }

    public int size() {
        return rows * cols;
    }

    // Element access reads the native memory directly: through the NIO views it cost ~50 ns an element (scope and
    // bounds checks on every call), which made the GRU's gate loops slower than its GEMMs. Bounds are checked when
    // assertions are on, as in every test run.

    public double get(int i) {
        assert inBounds(i);
        return single ? UNSAFE.getFloat(address + ((long) i << 2)) : UNSAFE.getDouble(address + ((long) i << 3));
    }

    public void set(int i, double v) {
        assert inBounds(i);
        if (single) {
            UNSAFE.putFloat(address + ((long) i << 2), (float) v);
        } else {
            UNSAFE.putDouble(address + ((long) i << 3), v);
        }
    }

    public void add(int i, double v) {
        assert inBounds(i);
        if (single) {
            long a = address + ((long) i << 2);
            UNSAFE.putFloat(a, UNSAFE.getFloat(a) + (float) v);
        } else {
            long a = address + ((long) i << 3);
            UNSAFE.putDouble(a, UNSAFE.getDouble(a) + v);
        }
    }

    private boolean inBounds(int i) {
        if (i < 0 || i >= capacity) {
            throw new IndexOutOfBoundsException("element " + i + " of " + this + " (capacity " + capacity + ")");
        }
        return true;
    }

    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private static sun.misc.Unsafe unsafe() {
        try {
            java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public double get(int row, int col) {
        return get(row * cols + col);
    }

    public void set(int row, int col, double v) {
        set(row * cols + col, v);
    }

    public void add(int row, int col, double v) {
        add(row * cols + col, v);
    }

    public void fill(double v) {
        int n = size();
        for (int i = 0; i < n; i++) {
            set(i, v);
        }
    }

    public void zero() {
        fill(0);
    }

    /** Copies {@code count} elements from {@code src[srcPos..]} into {@code this[dstPos..]}. */
    public void copyFrom(Tensor src, int srcPos, int dstPos, int count) {
        if (f32 != null && src.f32 != null) {
            f32.put(dstPos, src.f32, srcPos, count);   // a memcpy between native buffers
        } else if (f64 != null && src.f64 != null) {
            f64.put(dstPos, src.f64, srcPos, count);
        } else {
            for (int i = 0; i < count; i++) {
                set(dstPos + i, src.get(srcPos + i));
            }
        }
    }

    // Bulk access for float loops. A loop over a float[] block copied out of native memory and back (a memcpy each
    // way) is what lets the JIT vectorise element-wise math: see FloatKernels for the two rules it needs. The same
    // rewrite over double[] blocks, without vectorisation, was slower than get/set (A/B on this machine).

    /** Copies {@code count} FLOAT elements from {@code this[pos..]} into {@code dst[offset..]} (a memcpy). */
    public void read(int pos, float[] dst, int offset, int count) {
        f32.get(pos, dst, offset, count);
    }

    /** Copies {@code count} elements of {@code src[offset..]} into this FLOAT tensor at {@code pos} (a memcpy). */
    public void write(int pos, float[] src, int offset, int count) {
        f32.put(pos, src, offset, count);
    }

    public void copyFrom(Tensor src) {
        requireSameShape(src);
        copyFrom(src, 0, 0, size());
    }

    /** this += scale · other, element-wise; FLOAT in float[] blocks, a loop the JIT vectorises. */
    public void addScaled(Tensor other, double scale) {
        requireSameShape(other);
        addScaled(other, 0, 0, size(), scale);
    }

    /** this[pos + k] += scale · other[otherPos + k] for k in [0, count): flat ranges, such as a block of rows. */
    public void addScaled(Tensor other, int otherPos, int pos, int count, double scale) {
        if (count < 0 || otherPos < 0 || pos < 0 || (long) otherPos + count > other.capacity
                || (long) pos + count > capacity) {
            throw new IndexOutOfBoundsException("addScaled of " + count + " from " + other + " at " + otherPos
                    + " into " + this + " at " + pos);
        }
        int n = count;
        if (single && other.single) {
            float s = (float) scale;
            int block = Math.max(1, Math.min(n, 8192));
            float[] mine = new float[block];
            float[] theirs = new float[block];
            for (int start = 0; start < n; start += block) {
                int len = Math.min(block, n - start);
                read(pos + start, mine, 0, len);
                other.read(otherPos + start, theirs, 0, len);
                for (int k = 0; k < len; k++) {
                    mine[k] += s * theirs[k];
                }
                write(pos + start, mine, 0, len);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            add(pos + i, scale * other.get(otherPos + i));
        }
    }

    /**
     * out[0, c] += Σ_r this[r, c]: a bias gradient. FLOAT rows are summed from float[] blocks in double; at the aux
     * net's 25k × 100 this took 1 ms, where 1ᵀ·dy as a GEMM took 3 to 5 ms (OpenBLAS is slow at that shape).
     */
    public void addColumnSumsTo(Tensor out) {
        if (out.size() != cols) {
            throw new IllegalArgumentException(out + " has not one value per column of " + this);
        }
        double[] sums = new double[cols];
        if (single && cols > 0) {
            int rowsPerChunk = Math.max(1, 8192 / cols);
            float[] chunk = new float[rowsPerChunk * cols];
            for (int start = 0; start < rows; start += rowsPerChunk) {
                int n = Math.min(rowsPerChunk, rows - start);
                read(start * cols, chunk, 0, n * cols);
                for (int r = 0; r < n; r++) {
                    int base = r * cols;
                    for (int c = 0; c < cols; c++) {
                        sums[c] += chunk[base + c];
                    }
                }
            }
        } else {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    sums[c] += get(r * cols + c);
                }
            }
        }
        for (int c = 0; c < cols; c++) {
            out.add(c, sums[c]);
        }
    }

    /** this[r, ·] += perRow[r] for every row r: a bias per row of a gate-major [3H, R] projection. */
    public void addToRows(Tensor perRow) {
        if (perRow.size() != rows) {
            throw new IllegalArgumentException(perRow + " has not one value per row of " + this);
        }
        if (single) {
            float[] chunk = new float[Math.min(cols, 8192)];
            for (int r = 0; r < rows; r++) {
                float v = (float) perRow.get(r);
                for (int start = 0; start < cols; start += chunk.length) {
                    int len = Math.min(chunk.length, cols - start);
                    int pos = r * cols + start;
                    read(pos, chunk, 0, len);
                    for (int k = 0; k < len; k++) {
                        chunk[k] += v;
                    }
                    write(pos, chunk, 0, len);
                }
            }
        } else {
            for (int r = 0; r < rows; r++) {
                double v = perRow.get(r);
                for (int c = 0; c < cols; c++) {
                    add(r * cols + c, v);
                }
            }
        }
    }

    public double[] toDoubleArray() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    public boolean allFinite() {
        return allFinite(size());
    }

    /**
     * Whether the first {@code count} elements are all finite. FLOAT sums x·0 over float[] blocks, which is NaN as
     * soon as one x is NaN or ±∞: no branch per element (the trainer's guard checks every gradient every batch).
     */
    public boolean allFinite(int count) {
        if (single) {
            float[] block = new float[Math.max(1, Math.min(count, 8192))];
            for (int start = 0; start < count; start += block.length) {
                int len = Math.min(block.length, count - start);
                read(start, block, 0, len);
                float probe = 0f;
                for (int k = 0; k < len; k++) {
                    probe += block[k] * 0f;
                }
                if (probe != 0f) {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < count; i++) {
            if (!Double.isFinite(get(i))) {
                return false;
            }
        }
        return true;
    }

    public Tensor copy() {
        Tensor t = zeros(type(), rows, cols);
        t.copyFrom(this);
        return t;
    }

    /**
     * A [rows, cols] tensor, reusing {@code previous}'s native memory when it has the same width and dtype and is at
     * least that tall: batches of different T then share one allocation (a prefix view of the rows), instead of
     * leaving native buffers for the GC. Contents are unspecified.
     */
    public static Tensor reuse(Tensor previous, DataType type, int rows, int cols) {
        if (previous != null && previous.cols == cols && previous.type() == type) {
            if (previous.rows == rows) {
                return previous;
            }
            if (previous.backing.rows() >= rows && previous.backing.columns() == cols && rows > 0) {
                return new Tensor(previous.backing, rows);
            }
        }
        // grow with headroom so a slowly rising T does not reallocate every batch
        int capacity = previous != null && previous.cols == cols ? Math.max(rows, previous.rows + previous.rows / 2)
                : rows;
        if (capacity == rows || rows == 0) {
            return zeros(type, rows, cols);
        }
        return new Tensor(zeros(type, capacity, cols).backing, rows);
    }

    /**
     * A [rows, 1] column of ones, reusing {@code previous}'s memory: bias broadcasts and bias gradients as GEMMs
     * (x·W + 1·b, 1ᵀ·dy) instead of element loops. A new allocation is filled whole, so later prefix views of it
     * are ones too.
     */
    public static Tensor ones(Tensor previous, DataType type, int rows) {
        Tensor t = reuse(previous, type, rows, 1);
        if (previous == null || t.backing != previous.backing) {
            for (long i = 0; i < t.capacity; i++) {
                t.set((int) i, 1);
            }
        }
        return t;
    }

    /**
     * A [rows, cols] tensor over {@code previous}'s native memory when that holds at least rows·cols elements of the
     * same dtype, whatever its shape; otherwise a new allocation with headroom. For tensors whose width changes from
     * batch to batch (a [3H, T·B] projection), which {@link #reuse} would reallocate each time. Contents unspecified.
     */
    public static Tensor reuseAnyShape(Tensor previous, DataType type, int rows, int cols) {
        if (previous != null && previous.rows == rows && previous.cols == cols && previous.type() == type) {
            return previous;
        }
        if (rows == 0 || cols == 0) {
            return zeros(type, rows, cols);
        }
        long needed = (long) rows * cols;
        INDArray memory;
        if (previous != null && previous.type() == type && previous.capacity >= needed) {
            memory = previous.backing;
        } else {
            long headroom = previous != null && previous.type() == type ? previous.capacity + previous.capacity / 2 : 0;
            memory = Nd4j.zeros(type, 1, Math.max(needed, headroom));
        }
        INDArray view = Nd4j.create(memory.data(), new long[] {rows, cols}, new long[] {cols, 1}, 0, 'c', type);
        return new Tensor(view, memory);
    }

    /** {@code view}, which lies over all or the start of {@code memory}'s buffer. */
    private Tensor(INDArray view, INDArray memory) {
        this.array = view;
        this.backing = memory;
        this.rows = (int) view.rows();
        this.cols = (int) view.columns();
        f32 = memory.dataType() == DataType.FLOAT ? memory.data().asNioFloat() : null;
        f64 = memory.dataType() == DataType.DOUBLE ? memory.data().asNioDouble() : null;
        single = f32 != null;
        address = memory.data().address();
        capacity = memory.data().length();
    }

    /** The first {@code rows} rows of {@code backing}, sharing its memory. */
    private Tensor(INDArray backing, int rows) {
        this.backing = backing;
        this.array = rows == backing.rows() ? backing
                : backing.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
        this.rows = rows;
        this.cols = (int) backing.columns();
        f32 = backing.dataType() == DataType.FLOAT ? backing.data().asNioFloat() : null;
        f64 = backing.dataType() == DataType.DOUBLE ? backing.data().asNioDouble() : null;
        single = f32 != null;
        address = backing.data().address();
        capacity = backing.data().length();
    }

    public void requireShape(int r, int c) {
        if (rows != r || cols != c) {
            throw new IllegalArgumentException("expected [" + r + ", " + c + "], got [" + rows + ", " + cols + "]");
        }
    }

    private void requireSameShape(Tensor other) {
        requireShape(other.rows, other.cols);
    }

    @Override
    public String toString() {
        return "Tensor[" + rows + ", " + cols + ", " + type() + "]";
    }
}
