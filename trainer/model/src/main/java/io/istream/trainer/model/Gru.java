package io.istream.trainer.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A masked GRU in the paper's form (DIEN eqs. 3–6, reset gate applied after U_h), with attention variants
 * ({@link CellKind}) for the interest-evolving layer:
 * <pre>
 *   u_t = σ(W_u x_t + U_u h_{t−1} + b_u)
 *   r_t = σ(W_r x_t + U_r h_{t−1} + b_r)
 *   h̃_t = tanh(W_h x_t + r_t ∘ (U_h h_{t−1}) + b_h)
 *   h_t = (1 − z_t) ∘ h_{t−1} + z_t ∘ h̃_t          z_t = u_t, a_t·u_t, a_t or 1 − (1 − a_t)·u_t
 * </pre>
 * Because the reset gate multiplies U_h h_{t−1}, W x for all T steps is one GEMM; each step is one [B,H]×[H,3H]
 * GEMM. Steps with m_t = 0 leave h unchanged, so the last state is the state at the last valid step.
 *
 * <p>Inputs and outputs are time-major: row t·B + b of an [T·B, ·] tensor is step t of sample b. Gate columns are
 * [u | r | h̃]. This class holds the parameters, the input projection, the threading over row ranges and the
 * parameter gradients; the recurrence runs in {@link GruReference} (element by element with the exact σ and tanh, on
 * DOUBLE tensors, for the gradient checks) or in {@link GruFloatPath} (FLOAT tensors: long vectorised loops over
 * transposed [H, n] planes, {@link FloatKernels}).
 */
public final class Gru implements Layer {

    public final CellKind kind;
    public final int in;
    public final int hiddenSize;      // H
    final Param inputWeight;          // W [in, 3H]
    final Param recurrentWeight;      // U [H, 3H]
    final Param bias;                 // b [1, 3H]

    int batch;                        // B
    int steps;                        // T
    int[] lengths;                    // [B] valid steps
    private Tensor input;             // x [T·B, in], the caller's
    Tensor attention;                 // a [T·B, 1], the caller's (null for GRU)
    private Tensor scaledInput;       // a·x [T·B, in], AIGRU only
    boolean sharedInput;              // every sample reads one input sequence x [T, in] (scoring one user)
    int projectedCols;                // R = T·B, or T with a shared input
    Tensor projected;                 // W x + b, gate-major [3H, R]: row g is gate column g over all inputs
    Tensor gates;                     // u, r, h̃ of every valid step [T·B·3H], in blocks: see gateIndex
    Tensor recurrentCandidate;        // U_h h_{t−1} [T·B·H], in blocks: see planeIndex
    Tensor previous;                  // h_{t−1} [T·B, H] (zeros at t = 0)
    Tensor hidden;                    // h_t [T·B, H]
    Tensor last;                      // h at each sample's last valid step [B, H]
    boolean kept;                     // the last forward saved what backward reads
    private boolean lastStateOnly;    // inference callers that read only last(): no per-step h output
    Tensor dProjected;                // dL/d(Wx + b) [T·B, 3H] (exact path)
    Tensor dRecurrent;                // dL/d(U h_{t−1}) [T·B, 3H] (exact path)
    Tensor dProjectedT;               // dL/d(Wx + b), gate-major [3H, T·B] (FLOAT path)
    Tensor dRecurrentT;               // dL/d(U h_{t−1}), gate-major [3H, T·B] (FLOAT path)
    private Tensor ones;              // 1 [T·B, 1], for db as a GEMM
    private Tensor dInput;            // dL/dx [T·B, in]
    Tensor dAttention;                // dL/da [T·B, 1]
    // Samples never interact inside a GRU, so the batch is cut into row ranges [lo, hi) that run all T steps on
    // their own, one per thread; each path keeps its buffers per range
    private GruReference reference;   // DOUBLE (and any non-FLOAT) tensors, made on first use
    private GruFloatPath floatPath;   // FLOAT tensors, made on first use
    private int threads = 1;
    int[] bounds;                     // range r is samples [bounds[r], bounds[r + 1])
    Tensor dHiddenFromAbove;          // the backward's dHidden, or null

    private static final int MAX_THREADS = ModelThreads.MAX_THREADS;
    /** Below this many samples per range a second thread costs more than it saves. */
    static final int MIN_ROWS_PER_THREAD = 8;

    public Gru(String name, DataType type, CellKind kind, int in, int hiddenSize, Initializer init) {
        this.kind = kind;
        this.in = in;
        this.hiddenSize = hiddenSize;
        inputWeight = Param.zeros(name + ".W", type, in, 3 * hiddenSize);
        recurrentWeight = Param.zeros(name + ".U", type, hiddenSize, 3 * hiddenSize);
        bias = Param.zeros(name + ".b", type, 1, 3 * hiddenSize);
        init.glorot(inputWeight.value(), in, 3 * hiddenSize);
        init.glorot(recurrentWeight.value(), hiddenSize, 3 * hiddenSize);
    }

    /**
     * Runs the recurrent steps of each batch on up to {@code n} threads (at most 2): the calling one and workers of
     * {@link ModelThreads}. 1, the default, uses no other thread. With 2 the per-step GEMMs have half the rows, and
     * BLAS may sum a row's products in another order: results agree with one thread's to float rounding.
     */
    public void threads(int n) {
        if (n < 1 || n > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be 1.." + MAX_THREADS + ", got " + n);
        }
        threads = n;
    }

    /**
     * With {@code true}, an inference forward on FLOAT tensors writes only {@link #last()}, not h for every step,
     * and returns null: the interest-evolving layer's head reads only its last state. Training forwards and DOUBLE
     * tensors always write every step.
     */
    public void lastStateOnly(boolean on) {
        lastStateOnly = on;
    }

    /**
     * Runs all T steps and keeps what {@link #backward} needs.
     *
     * @param x         [T·B, in] inputs, time-major
     * @param lengths   [B] valid steps per sample
     * @param attention [T·B, 1] attention scores a_t, or null for {@link CellKind#GRU}
     * @return h [T·B, H], time-major
     */
    public Tensor forward(Tensor x, int batch, int steps, int[] lengths, Tensor attention) {
        return forward(x, batch, steps, lengths, attention, true);
    }

    /** {@link #forward}; with {@code keepForBackward} false (inference) nothing is saved for a backward pass. */
    public Tensor forward(Tensor x, int batch, int steps, int[] lengths, Tensor attention, boolean keepForBackward) {
        x.requireShape(steps * batch, in);
        return run(x, false, batch, steps, lengths, attention, keepForBackward);
    }

    /**
     * Inference where every sample reads the same input sequence, as one user's candidates do in the
     * interest-evolving layer: W x + b is computed for the T steps once instead of for T·B rows. Only the
     * attention differs between samples. Not for AIGRU, whose input is scaled per sample; no backward follows.
     *
     * @param sequence [T, in], the input of every sample
     * @return h [T·B, H], time-major, as {@link #forward} on the tiled input would return
     */
    public Tensor forwardShared(Tensor sequence, int batch, int steps, int[] lengths, Tensor attention) {
        sequence.requireShape(steps, in);
        if (kind == CellKind.AIGRU) {
            throw new IllegalArgumentException("AIGRU scales each sample's input by its attention: it cannot share one");
        }
        return run(sequence, true, batch, steps, lengths, attention, false);
    }

    private Tensor run(Tensor x, boolean shared, int batch, int steps, int[] lengths, Tensor attention,
                       boolean keep) {
        if (kind.usesAttention() != (attention != null)) {
            throw new IllegalArgumentException(kind + (attention == null ? " needs" : " takes no") + " attention");
        }
        this.batch = batch;
        this.steps = steps;
        this.lengths = lengths;
        this.input = x;
        this.attention = attention;
        this.sharedInput = shared;
        this.kept = keep;
        DataType type = x.type();
        int hs = hiddenSize;
        int h3 = 3 * hs;
        int rows = steps * batch;
        Tensor effective = x;
        if (kind == CellKind.AIGRU) {
            scaledInput = Tensor.reuse(scaledInput, type, rows, in);
            for (int r = 0; r < rows; r++) {
                double a = attention.get(r);
                for (int j = 0; j < in; j++) {
                    scaledInput.set(r * in + j, a * x.get(r * in + j));
                }
            }
            effective = scaledInput;
        }
        projectedCols = shared ? steps : rows;
        projected = Tensor.reuseAnyShape(projected, type, h3, projectedCols);
        hidden = Tensor.reuse(hidden, type, rows, hs);
        last = Tensor.reuse(last, type, batch, hs);
        if (keep) {
            gates = Tensor.reuse(gates, type, rows, h3);
            recurrentCandidate = Tensor.reuse(recurrentCandidate, type, rows, hs);
            previous = Tensor.reuse(previous, type, rows, hs);
        }
        bounds = ranges(batch);
        boolean floatKernels = Activation.floatKernels(x);
        for (int r = 0; r + 1 < bounds.length; r++) {
            int n = bounds[r + 1] - bounds[r];
            if (floatKernels) {
                floatPath().prepareForward(r, type, n, hs);
            } else {
                reference().prepareForward(r, type, n, hs);
            }
        }

        // (W x + b)ᵀ = Wᵀ·xᵀ for all steps in one GEMM, gate-major so that a step's gate is a contiguous run
        Gemm.multiply(inputWeight.value(), true, effective, true, projected);
        projected.addToRows(bias.value());
        ModelThreads.forEachRange(bounds, floatKernels ? r -> floatPath.forwardRange(this, r)
                : r -> reference.forwardRange(this, r));
        return floatKernels && skipsStates() ? null : hidden;
    }

    /**
     * Where {@link #gates} keeps gate g (0 = u, 1 = r, 2 = h̃), unit j of sample lo + i at step t: each (step, range)
     * block is [3H, n], gate-major, so the FLOAT path writes a step with three bulk copies.
     */
    int gateIndex(int t, int lo, int n, int g, int j, int i) {
        return (t * batch + lo) * 3 * hiddenSize + (g * hiddenSize + j) * n + i;
    }

    /** Where {@link #recurrentCandidate} keeps unit j of sample lo + i at step t: [H, n] blocks per (step, range). */
    int planeIndex(int t, int lo, int n, int j, int i) {
        return (t * batch + lo) * hiddenSize + j * n + i;
    }

    /** Whether this forward writes only the last state (FLOAT inference for a caller that asked for that). */
    boolean skipsStates() {
        return lastStateOnly && !kept;
    }

    /** Column of {@link #projected} that holds sample s at step t. */
    int projectedColumn(int t, int s) {
        return sharedInput ? t : t * batch + s;
    }

    private GruReference reference() {
        if (reference == null) {
            reference = new GruReference();
        }
        return reference;
    }

    private GruFloatPath floatPath() {
        if (floatPath == null) {
            floatPath = new GruFloatPath();
        }
        return floatPath;
    }

    /** Row ranges of the batch: one per thread, or the whole batch when it is too small to share. */
    private int[] ranges(int batch) {
        if (threads < 2 || batch < 2 * MIN_ROWS_PER_THREAD) {
            return new int[] {0, batch};
        }
        return new int[] {0, batch / 2, batch};
    }

    /** h at each sample's last valid step (zeros for an empty history) [B, H]. */
    public Tensor last() {
        return last;
    }

    /**
     * Back-propagates through time.
     *
     * @param dHidden dL/dh_t from above for every step [T·B, H], or null
     * @param dLast   dL/d(last state) [B, H], or null
     * @return dL/dx [T·B, in]; dL/da is in {@link #dAttention()}
     */
    public Tensor backward(Tensor dHidden, Tensor dLast) {
        if (!kept) {
            throw new IllegalStateException("backward needs a forward that kept its gates (an inference forward did not)");
        }
        DataType type = input.type();
        int hs = hiddenSize;
        int h3 = 3 * hs;
        int rows = steps * batch;
        boolean floatKernels = Activation.floatKernels(input);
        dAttention = Tensor.reuse(dAttention, type, rows, 1);
        dAttention.zero();
        if (floatKernels) {
            // gate-major, as the FLOAT path writes them a step's plane at a time
            dProjectedT = Tensor.reuseAnyShape(dProjectedT, type, h3, rows);
            dRecurrentT = Tensor.reuseAnyShape(dRecurrentT, type, h3, rows);
        } else {
            dProjected = Tensor.reuse(dProjected, type, rows, h3);
            dRecurrent = Tensor.reuse(dRecurrent, type, rows, h3);
        }
        for (int r = 0; r + 1 < bounds.length; r++) {
            int n = bounds[r + 1] - bounds[r];
            if (floatKernels) {
                floatPath().prepareBackward(r, type, n, hs, dLast, bounds[r]);
                continue;
            }
            reference().prepareBackward(r, type, n, hs, dLast, bounds[r]);
        }
        dHiddenFromAbove = dHidden;
        ModelThreads.forEachRange(bounds, floatKernels ? r -> floatPath.backwardRange(this, r)
                : r -> reference.backwardRange(this, r));
        dHiddenFromAbove = null;
        Tensor effective = kind == CellKind.AIGRU ? scaledInput : input;
        dInput = Tensor.reuse(dInput, type, rows, in);
        ones = Tensor.ones(ones, type, rows);
        if (floatKernels) {
            // dU = Σ_t h_{t−1}ᵀ·dL/d(U h_{t−1}) ; dW = Σ xᵀ·dL/d(Wx + b) ; db = Σ dL/d(Wx + b) ; dx = dL/d(Wx + b)·Wᵀ
            Gemm.multiplyAdd(previous, true, dRecurrentT, true, recurrentWeight.grad());
            Gemm.multiplyAdd(effective, true, dProjectedT, true, inputWeight.grad());
            Gemm.multiplyAdd(ones, true, dProjectedT, true, bias.grad());
            Gemm.multiply(dProjectedT, true, inputWeight.value(), true, dInput);
        } else {
            Gemm.multiplyAdd(previous, true, dRecurrent, false, recurrentWeight.grad());
            Gemm.multiplyAdd(effective, true, dProjected, false, inputWeight.grad());
            Gemm.multiplyAdd(ones, true, dProjected, false, bias.grad());
            Gemm.multiply(dProjected, false, inputWeight.value(), true, dInput);
        }
        if (kind == CellKind.AIGRU) {
            // x′ = a·x: da = Σ_j dx′_j·x_j ; dx = a·dx′
            for (int r = 0; r < rows; r++) {
                double a = attention.get(r);
                double da = 0;
                for (int j = 0; j < in; j++) {
                    int o = r * in + j;
                    double g = dInput.get(o);
                    da += g * input.get(o);
                    dInput.set(o, a * g);
                }
                dAttention.add(r, da);
            }
        }
        return dInput;
    }

    /** dL/da [T·B, 1] of the last backward (zeros for GRU). */
    public Tensor dAttention() {
        return dAttention;
    }

    @Override
    public List<Param> params() {
        return List.of(inputWeight, recurrentWeight, bias);
    }
}
