package io.istream.trainer.model;

import java.util.Arrays;
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
 * [u | r | h̃]. FLOAT tensors run each step as long vectorised loops over transposed [H, n] planes
 * ({@link FloatKernels}); DOUBLE tensors run element by element with the exact σ and tanh, for the gradient checks.
 */
public final class Gru implements Layer {

    public final CellKind kind;
    public final int in;
    public final int hiddenSize;          // H
    final Param inputWeight;              // W [in, 3H]
    final Param recurrentWeight;          // U [H, 3H]
    final Param bias;                     // b [1, 3H]

    private int batch;                    // B
    private int steps;                    // T
    private int[] lengths;                // [B] valid steps
    private Tensor input;                 // x [T·B, in], the caller's
    private Tensor attention;             // a [T·B, 1], the caller's (null for GRU)
    private Tensor scaledInput;           // a·x [T·B, in], AIGRU only
    private boolean sharedInput;          // every sample reads one input sequence x [T, in] (scoring one user)
    private int projectedCols;            // R = T·B, or T with a shared input
    private Tensor projected;             // W x + b, gate-major [3H, R]: row g is gate column g over all inputs
    private Tensor gates;                 // u, r, h̃ of every valid step [T·B·3H], in blocks: see gateIndex
    private Tensor recurrentCandidate;    // U_h h_{t−1} [T·B·H], in blocks: see planeIndex
    private Tensor previous;              // h_{t−1} [T·B, H] (zeros at t = 0)
    private Tensor hidden;                // h_t [T·B, H]
    private Tensor last;                  // h at each sample's last valid step [B, H]
    private boolean kept;                 // the last forward saved what backward reads
    private boolean lastStateOnly;        // inference callers that read only last(): no per-step h output
    private Tensor dProjected;            // dL/d(Wx + b) [T·B, 3H] (exact path)
    private Tensor dRecurrent;            // dL/d(U h_{t−1}) [T·B, 3H] (exact path)
    private Tensor dProjectedT;           // dL/d(Wx + b), gate-major [3H, T·B] (FLOAT path)
    private Tensor dRecurrentT;           // dL/d(U h_{t−1}), gate-major [3H, T·B] (FLOAT path)
    private Tensor ones;                  // 1 [T·B, 1], for db as a GEMM
    private Tensor dInput;                // dL/dx [T·B, in]
    private Tensor dAttention;            // dL/da [T·B, 1]
    // Samples never interact inside a GRU, so the batch is cut into row ranges [lo, hi) that run all T steps on
    // their own, one per thread. Per range r, with n = hi − lo rows:
    private final Tensor[] stepPrevious = new Tensor[MAX_THREADS];    // h_{t−1} of one step [n, H] (exact path)
    private final Tensor[] stepRecurrent = new Tensor[MAX_THREADS];   // U h_{t−1} of one step [n, 3H] (exact path)
    private final Tensor[] stepPreviousT = new Tensor[MAX_THREADS];   // h_{t−1}ᵀ of one step [H, n] (FLOAT path)
    private final Tensor[] stepRecurrentT = new Tensor[MAX_THREADS];  // (U h_{t−1})ᵀ of one step [3H, n] (FLOAT)
    private final FloatSteps[] floatSteps = new FloatSteps[MAX_THREADS];
    private final Gemm.Plan[] stepProduct = new Gemm.Plan[MAX_THREADS];     // (U h_{t−1})ᵀ = Uᵀ·h_{t−1}ᵀ
    private final Gemm.Plan[] stepBackProduct = new Gemm.Plan[MAX_THREADS]; // dL/dh_{t−1} = dL/d(U h)·Uᵀ
    private final Tensor[] stepDRecurrent = new Tensor[MAX_THREADS];  // one step of dRecurrent [n, 3H]
    private final Tensor[] stepDPrevious = new Tensor[MAX_THREADS];   // dL/dh_{t−1} through U, one step [n, H]
    private final Tensor[] carry = new Tensor[MAX_THREADS];           // dL/dh_t flowing backwards [n, H]
    private final Tensor[] stepDRecurrentT = new Tensor[MAX_THREADS]; // one step of dRecurrentT [3H, n] (FLOAT)
    private final Tensor[] stepDPreviousT = new Tensor[MAX_THREADS];  // (dL/dh_{t−1} through U)ᵀ [H, n] (FLOAT)
    private final BackSteps[] backSteps = new BackSteps[MAX_THREADS];
    private int threads = 1;
    private int[] bounds;                 // range r is samples [bounds[r], bounds[r + 1])
    private Tensor dHiddenFromAbove;      // the backward's dHidden, or null

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
                stepPreviousT[r] = Tensor.reuseAnyShape(stepPreviousT[r], type, hs, n);
                stepRecurrentT[r] = Tensor.reuseAnyShape(stepRecurrentT[r], type, h3, n);
                floatSteps[r] = FloatSteps.ensure(floatSteps[r], n, hs);
            } else {
                stepPrevious[r] = Tensor.reuse(stepPrevious[r], type, n, hs);
                stepRecurrent[r] = Tensor.reuse(stepRecurrent[r], type, n, h3);
            }
        }

        // (W x + b)ᵀ = Wᵀ·xᵀ for all steps in one GEMM, gate-major so that a step's gate is a contiguous run
        Gemm.multiply(inputWeight.value(), true, effective, true, projected);
        projected.addToRows(bias.value());
        ModelThreads.forEachRange(bounds, floatKernels ? this::forwardRangeFloat : this::forwardRangeExact);
        return floatKernels && skipsStates() ? null : hidden;
    }

    /**
     * Where {@link #gates} keeps gate g (0 = u, 1 = r, 2 = h̃), unit j of sample lo + i at step t: each (step, range)
     * block is [3H, n], gate-major, so the FLOAT path writes a step with three bulk copies.
     */
    private int gateIndex(int t, int lo, int n, int g, int j, int i) {
        return (t * batch + lo) * 3 * hiddenSize + (g * hiddenSize + j) * n + i;
    }

    /** Where {@link #recurrentCandidate} keeps unit j of sample lo + i at step t: [H, n] blocks per (step, range). */
    private int planeIndex(int t, int lo, int n, int j, int i) {
        return (t * batch + lo) * hiddenSize + j * n + i;
    }

    /** Whether this forward writes only the last state (FLOAT inference for a caller that asked for that). */
    private boolean skipsStates() {
        return lastStateOnly && !kept;
    }

    /** Column of {@link #projected} that holds sample s at step t. */
    private int projectedColumn(int t, int s) {
        return sharedInput ? t : t * batch + s;
    }

    /**
     * Samples [bounds[r], bounds[r + 1]) through all T steps, element by element with the exact σ and tanh: the
     * DOUBLE path, which the gradient checks run and the FLOAT path is tested against.
     */
    private void forwardRangeExact(int r) {
        int lo = bounds[r];
        int n = bounds[r + 1] - lo;
        int hs = hiddenSize;
        int h3 = 3 * hs;
        int cols = projectedCols;
        Tensor stepPrev = stepPrevious[r];   // [n, H]
        Tensor stepRec = stepRecurrent[r];   // [n, 3H]
        stepPrev.zero();
        for (int t = 0; t < steps; t++) {
            int block = (t * batch + lo) * hs;
            if (kept) {
                previous.copyFrom(stepPrev, 0, block, n * hs);
            }
            Gemm.multiply(stepPrev, false, recurrentWeight.value(), false, stepRec);
            for (int i = 0; i < n; i++) {
                int s = lo + i;
                int row = t * batch + s;
                int col = projectedColumn(t, s);
                boolean valid = t < lengths[s];
                double a = attention == null ? 1 : attention.get(row);
                for (int j = 0; j < hs; j++) {
                    int o = row * hs + j;
                    double hp = stepPrev.get(i * hs + j);
                    if (!valid) {
                        if (kept) {
                            for (int g = 0; g < 3; g++) {
                                gates.set(gateIndex(t, lo, n, g, j, i), 0);
                            }
                            recurrentCandidate.set(planeIndex(t, lo, n, j, i), 0);
                        }
                        hidden.set(o, hp);
                        continue;
                    }
                    int q = i * h3;
                    double uPre = projected.get(j * cols + col) + stepRec.get(q + j);
                    double rPre = projected.get((hs + j) * cols + col) + stepRec.get(q + hs + j);
                    double rc = stepRec.get(q + 2 * hs + j);
                    double u = Activation.sigmoid(uPre);
                    double rg = Activation.sigmoid(rPre);
                    double c = Activation.tanh(projected.get((2 * hs + j) * cols + col) + rg * rc);
                    double z = effectiveUpdate(u, a);
                    if (kept) {
                        gates.set(gateIndex(t, lo, n, 0, j, i), u);
                        gates.set(gateIndex(t, lo, n, 1, j, i), rg);
                        gates.set(gateIndex(t, lo, n, 2, j, i), c);
                        recurrentCandidate.set(planeIndex(t, lo, n, j, i), rc);
                    }
                    hidden.set(o, (1 - z) * hp + z * c);
                }
            }
            stepPrev.copyFrom(hidden, block, 0, n * hs);
        }
        last.copyFrom(stepPrev, 0, lo * hs, n * hs);
    }

    /**
     * The same recurrence for FLOAT tensors, transposed: each step works on [H, n] planes (unit-major), so that every
     * gate is one long {@link FloatKernels} loop over H·n elements, which the JIT vectorises. The step's GEMM is
     * (U h_{t−1})ᵀ = Uᵀ·h_{t−1}ᵀ [3H, n], whose three gates are then contiguous; W x + b comes gate-major from
     * {@link #projected}. Padded steps get z = 0 and keep h_{t−1} exactly.
     */
    private void forwardRangeFloat(int r) {
        int lo = bounds[r];
        int n = bounds[r + 1] - lo;
        int hs = hiddenSize;
        int m = hs * n;                        // one plane [H, n]
        int cols = projectedCols;
        FloatSteps w = floatSteps[r];
        Tensor prevT = stepPreviousT[r];       // h_{t−1}ᵀ [H, n]
        Tensor recT = stepRecurrentT[r];       // (U h_{t−1})ᵀ [3H, n]
        Tensor recurrent = recurrentWeight.value();    // U [H, 3H]
        // one sample (a scorer's history at batch 1): U h as a mat-vec in Java, ~1.5 µs a step against ~4 µs for
        // the BLAS call, which then costs more than its arithmetic; U is read once per forward
        boolean matVec = n == 1;
        if (matVec) {
            w.recurrentWeights = FloatKernels.ensure(w.recurrentWeights, hs * 3 * hs);
            w.recurrentAll = FloatKernels.ensure(w.recurrentAll, 3 * hs);
            recurrent.read(0, w.recurrentWeights, 0, hs * 3 * hs);
        } else if (stepProduct[r] == null || !stepProduct[r].isFor(recurrent, true, prevT, false, recT)) {
            stepProduct[r] = Gemm.plan(recurrent, true, prevT, false, recT);
        }
        Gemm.Plan product = matVec ? null : stepProduct[r];
        Arrays.fill(w.previous, 0, m, 0f);
        Arrays.fill(w.previousRows, 0, m, 0f);
        prevT.write(0, w.previous, 0, m);
        boolean coefficientsSet = false;
        for (int t = 0; t < steps; t++) {
            int rowBlock = (t * batch + lo) * hs;    // this range's step in a [T·B, H] tensor, and in the planes
            if (matVec) {
                // (U h_{t−1})ᵀ [3H, 1] = h_{t−1}ᵀ·U, the three gates in turn
                FloatKernels.vectorTimesMatrix(w.previous, w.recurrentWeights, hs, 3 * hs, w.recurrentAll);
                System.arraycopy(w.recurrentAll, 0, w.recurrentUpdate, 0, hs);
                System.arraycopy(w.recurrentAll, hs, w.recurrentReset, 0, hs);
                System.arraycopy(w.recurrentAll, 2 * hs, w.recurrentCandidate, 0, hs);
            } else {
                product.run();
                recT.read(0, w.recurrentUpdate, 0, m);
                recT.read(m, w.recurrentReset, 0, m);
                recT.read(2 * m, w.recurrentCandidate, 0, m);
            }
            if (sharedInput) {
                // W x_t + b, the same for every sample: one value per gate unit
                for (int g = 0; g < 3 * hs; g++) {
                    w.stepProjection[g] = (float) projected.get(g * cols + t);
                }
                // spread over [H, n] planes for the flat loops: row loops of n ran at 1.1–1.3 ns an element against
                // 0.7–0.9, which was a twelfth of the shared AUGRU
                FloatKernels.spreadRows(w.stepProjection, 0, hs, n, w.projectedUpdate);
                FloatKernels.spreadRows(w.stepProjection, hs, hs, n, w.projectedReset);
                FloatKernels.spreadRows(w.stepProjection, 2 * hs, hs, n, w.projectedCandidate);
            } else {
                for (int j = 0; j < hs; j++) {
                    int at = j * n;
                    int col = t * batch + lo;
                    projected.read(j * cols + col, w.projectedUpdate, at, n);
                    projected.read((hs + j) * cols + col, w.projectedReset, at, n);
                    projected.read((2 * hs + j) * cols + col, w.projectedCandidate, at, n);
                }
            }
            // z = α + β·u per sample; the planes are refilled only when a sample's pair changes
            boolean changed = cellCoefficients(t, lo, n, w.rowAlpha, w.rowBeta, null, null) || !coefficientsSet;
            if (changed) {
                FloatKernels.tile(w.rowAlpha, n, hs, w.alpha);
                FloatKernels.tile(w.rowBeta, n, hs, w.beta);
                coefficientsSet = true;
            }
            FloatKernels.sigmoidOfSum(w.projectedUpdate, w.recurrentUpdate, w.update, m);
            FloatKernels.sigmoidOfSum(w.projectedReset, w.recurrentReset, w.reset, m);
            FloatKernels.candidate(w.projectedCandidate, w.reset, w.recurrentCandidate, w.candidate, m);
            FloatKernels.interpolate(w.previous, w.update, w.candidate, w.alpha, w.beta, w.hidden, m);
            if (!matVec) {
                prevT.write(0, w.hidden, 0, m);       // the next step's product reads h_{t−1}ᵀ from here
            }
            if (!skipsStates()) {
                FloatKernels.transpose(w.hidden, hs, n, w.hiddenRows);   // [H, n] → [n, H]
                hidden.write(rowBlock, w.hiddenRows, 0, m);
            }
            if (kept) {
                int gateBlock = 3 * rowBlock;
                gates.write(gateBlock, w.update, 0, m);
                gates.write(gateBlock + m, w.reset, 0, m);
                gates.write(gateBlock + 2 * m, w.candidate, 0, m);
                recurrentCandidate.write(rowBlock, w.recurrentCandidate, 0, m);
                previous.write(rowBlock, w.previousRows, 0, m);
            }
            w.advance();
        }
        if (skipsStates()) {
            FloatKernels.transpose(w.previous, hs, n, w.previousRows);
        }
        last.write(lo * hs, w.previousRows, 0, m);
    }

    /**
     * Every cell kind's update as z = α + β·u, per sample lo + i at step t, and dz/da = α′ + β′·u (when the prime
     * arrays are given): GRU and AIGRU (0, 1), AUGRU (0, a), AGRU (a, 0), the reference cell (1, a − 1); a padded step
     * has all four 0, so it keeps h_{t−1} and passes its gradient through. The one place the FLOAT paths map cell
     * kinds to z; the exact path's {@link #effectiveUpdate} states the same forms directly.
     *
     * @return whether any α or β differs from what the arrays held (NaN always differs)
     */
    private boolean cellCoefficients(int t, int lo, int n, float[] alpha, float[] beta, float[] alphaPrime,
                                     float[] betaPrime) {
        boolean changed = false;
        for (int i = 0; i < n; i++) {
            int s = lo + i;
            float a = attention == null ? 1f : (float) attention.get(t * batch + s);
            float al = 0f;
            float be = 0f;
            float alP = 0f;
            float beP = 0f;
            if (t < lengths[s]) {
                switch (kind) {
                    case GRU, AIGRU -> be = 1f;
                    case AUGRU -> { be = a; beP = 1f; }
                    case AGRU -> { al = a; alP = 1f; }
                    default -> { al = 1f; be = a - 1f; beP = 1f; }
                }
            }
            changed |= alpha[i] != al || beta[i] != be;
            alpha[i] = al;
            beta[i] = be;
            if (alphaPrime != null) {
                alphaPrime[i] = alP;
                betaPrime[i] = beP;
            }
        }
        return changed;
    }

    /** The FLOAT path's planes for one range, reused across batches; each holds [H, n] unless said otherwise. */
    private static final class FloatSteps {
        final int capacity;    // n·H
        final float[] projectedUpdate;
        final float[] projectedReset;
        final float[] projectedCandidate;
        final float[] recurrentUpdate;
        final float[] recurrentReset;
        final float[] recurrentCandidate;
        final float[] update;
        final float[] reset;
        final float[] candidate;
        final float[] alpha;
        final float[] beta;
        final float[] rowAlpha;    // [n]
        final float[] rowBeta;     // [n]
        final float[] stepProjection;   // [3H]: W x_t + b of a step, when every sample shares x
        float[] recurrentWeights;       // U [H·3H], for one sample's mat-vec; null until needed
        float[] recurrentAll;           // (U h_{t−1})ᵀ [3H] of one sample
        float[] previous;          // h_{t−1}
        float[] hidden;            // h_t
        float[] previousRows;      // h_{t−1} [n, H]
        float[] hiddenRows;        // h_t [n, H]

        private FloatSteps(int n, int hs) {
            capacity = n * hs;
            projectedUpdate = new float[capacity];
            projectedReset = new float[capacity];
            projectedCandidate = new float[capacity];
            recurrentUpdate = new float[capacity];
            recurrentReset = new float[capacity];
            recurrentCandidate = new float[capacity];
            update = new float[capacity];
            reset = new float[capacity];
            candidate = new float[capacity];
            alpha = new float[capacity];
            beta = new float[capacity];
            rowAlpha = new float[n];
            rowBeta = new float[n];
            stepProjection = new float[3 * hs];
            previous = new float[capacity];
            hidden = new float[capacity];
            previousRows = new float[capacity];
            hiddenRows = new float[capacity];
        }

        static FloatSteps ensure(FloatSteps current, int n, int hs) {
            return current != null && current.capacity >= n * hs && current.rowAlpha.length >= n ? current
                    : new FloatSteps(n, hs);
        }

        /** This step's h becomes the next step's h_{t−1}. */
        void advance() {
            float[] swap = previous;
            previous = hidden;
            hidden = swap;
            swap = previousRows;
            previousRows = hiddenRows;
            hiddenRows = swap;
        }
    }

    /** Row ranges of the batch: one per thread, or the whole batch when it is too small to share. */
    private int[] ranges(int batch) {
        if (threads < 2 || batch < 2 * MIN_ROWS_PER_THREAD) {
            return new int[] {0, batch};
        }
        return new int[] {0, batch / 2, batch};
    }

    private double effectiveUpdate(double u, double a) {
        return switch (kind) {
            case GRU, AIGRU -> u;
            case AUGRU -> a * u;
            case AGRU -> a;
            case AUGRU_REFERENCE -> 1 - (1 - a) * u;
        };
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
                stepDRecurrentT[r] = Tensor.reuseAnyShape(stepDRecurrentT[r], type, h3, n);
                stepDPreviousT[r] = Tensor.reuseAnyShape(stepDPreviousT[r], type, hs, n);
                backSteps[r] = BackSteps.ensure(backSteps[r], n, hs);
                float[] carried = backSteps[r].carried;
                if (dLast != null) {
                    dLast.read(bounds[r] * hs, backSteps[r].rows, 0, n * hs);
                    FloatKernels.transpose(backSteps[r].rows, n, hs, carried);
                } else {
                    Arrays.fill(carried, 0, n * hs, 0f);
                }
                continue;
            }
            stepDRecurrent[r] = Tensor.reuse(stepDRecurrent[r], type, n, h3);
            stepDPrevious[r] = Tensor.reuse(stepDPrevious[r], type, n, hs);
            carry[r] = Tensor.reuse(carry[r], type, n, hs);
            if (dLast != null) {
                carry[r].copyFrom(dLast, bounds[r] * hs, 0, n * hs);
            } else {
                carry[r].zero();
            }
        }
        dHiddenFromAbove = dHidden;
        ModelThreads.forEachRange(bounds, floatKernels ? this::backwardRangeFloat : this::backwardRange);
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

    /**
     * The backward recurrence for FLOAT tensors on transposed [H, n] planes, as {@link #forwardRangeFloat} runs the
     * forward one: a step's element math is {@link FloatKernels#gruBackward}, one vectorised loop per output.
     * Padded steps have z = 0 and zero attention terms, so their gradient passes through to h_{t−1} untouched and
     * their gate gradients are 0, as in the exact path.
     */
    private void backwardRangeFloat(int r) {
        int lo = bounds[r];
        int n = bounds[r + 1] - lo;
        int hs = hiddenSize;
        int m = hs * n;
        int cols = steps * batch;              // columns of the gate-major gradients
        Tensor dHidden = dHiddenFromAbove;     // [T·B, H] or null
        BackSteps b = backSteps[r];
        Tensor stepDRecT = stepDRecurrentT[r];   // [3H, n]
        Tensor stepDPrevT = stepDPreviousT[r];   // [H, n]
        Tensor recurrent = recurrentWeight.value();
        if (stepBackProduct[r] == null || !stepBackProduct[r].isFor(recurrent, false, stepDRecT, false, stepDPrevT)) {
            stepBackProduct[r] = Gemm.plan(recurrent, false, stepDRecT, false, stepDPrevT);
        }
        Gemm.Plan backProduct = stepBackProduct[r];   // (dL/dh_{t−1})ᵀ = U·(dL/d(U h_{t−1}))ᵀ
        for (int t = steps - 1; t >= 0; t--) {
            int rowBlock = (t * batch + lo) * hs;
            float[] g = b.carried;                   // dL/dh_t: from step t+1, plus from above
            if (dHidden != null) {
                dHidden.read(rowBlock, b.rows, 0, m);
                FloatKernels.transpose(b.rows, n, hs, b.fromAbove);
                FloatKernels.add(b.carried, b.fromAbove, b.total, m);
                g = b.total;
            }
            int gateBlock = 3 * rowBlock;
            gates.read(gateBlock, b.update, 0, m);
            gates.read(gateBlock + m, b.reset, 0, m);
            gates.read(gateBlock + 2 * m, b.candidate, 0, m);
            recurrentCandidate.read(rowBlock, b.recurrentCandidate, 0, m);
            previous.read(rowBlock, b.rows, 0, m);
            FloatKernels.transpose(b.rows, n, hs, b.previous);
            cellCoefficients(t, lo, n, b.rowAlpha, b.rowBeta, b.rowAlphaPrime, b.rowBetaPrime);
            FloatKernels.tile(b.rowAlpha, n, hs, b.alpha);
            FloatKernels.tile(b.rowBeta, n, hs, b.beta);
            FloatKernels.tile(b.rowAlphaPrime, n, hs, b.alphaPrime);
            FloatKernels.tile(b.rowBetaPrime, n, hs, b.betaPrime);
            FloatKernels.gruBackward(g, b.previous, b.update, b.reset, b.candidate, b.recurrentCandidate,
                    b.alpha, b.beta, b.alphaPrime, b.betaPrime,
                    b.dUpdate, b.dReset, b.dCandidate, b.dRecurrentCandidate, b.throughGate, b.attentionTerm, m);
            if (attention != null) {
                // dL/da_t = Σ_j dz_j·dz_j/da
                for (int i = 0; i < n; i++) {
                    float da = 0f;
                    for (int j = 0; j < hs; j++) {
                        da += b.attentionTerm[j * n + i];
                    }
                    dAttention.add(t * batch + lo + i, da);
                }
            }
            // dL/d(Wx + b) = [du_pre | dr_pre | dh̃_pre] ; dL/d(U h_{t−1}) = [du_pre | dr_pre | dh̃_pre∘r]
            int col = t * batch + lo;
            for (int j = 0; j < hs; j++) {
                int at = j * n;
                dProjectedT.write(j * cols + col, b.dUpdate, at, n);
                dProjectedT.write((hs + j) * cols + col, b.dReset, at, n);
                dProjectedT.write((2 * hs + j) * cols + col, b.dCandidate, at, n);
                dRecurrentT.write(j * cols + col, b.dUpdate, at, n);
                dRecurrentT.write((hs + j) * cols + col, b.dReset, at, n);
                dRecurrentT.write((2 * hs + j) * cols + col, b.dRecurrentCandidate, at, n);
            }
            stepDRecT.write(0, b.dUpdate, 0, m);
            stepDRecT.write(m, b.dReset, 0, m);
            stepDRecT.write(2 * m, b.dRecurrentCandidate, 0, m);
            backProduct.run();
            stepDPrevT.read(0, b.fromBelow, 0, m);
            // dL/dh_{t−1} = dL/dh_t∘(1 − z) + U·dL/d(U h_{t−1})
            FloatKernels.add(b.throughGate, b.fromBelow, b.carried, m);
        }
    }

    /** The FLOAT backward's planes for one range; each holds [H, n] unless said otherwise. */
    private static final class BackSteps {
        final int capacity;
        final float[] carried;           // dL/dh_t flowing backwards
        final float[] fromAbove;         // dL/dh_t from the layer above
        final float[] total;             // their sum
        final float[] rows;              // a [n, H] block read before transposing
        final float[] previous;          // h_{t−1}
        final float[] update;
        final float[] reset;
        final float[] candidate;
        final float[] recurrentCandidate;
        final float[] alpha;
        final float[] beta;
        final float[] alphaPrime;
        final float[] betaPrime;
        final float[] rowAlpha;          // [n]
        final float[] rowBeta;           // [n]
        final float[] rowAlphaPrime;     // [n]
        final float[] rowBetaPrime;      // [n]
        final float[] dUpdate;
        final float[] dReset;
        final float[] dCandidate;
        final float[] dRecurrentCandidate;
        final float[] throughGate;       // dL/dh_t∘(1 − z)
        final float[] attentionTerm;     // dz∘dz/da
        final float[] fromBelow;         // U·dL/d(U h_{t−1})

        private BackSteps(int n, int hs) {
            capacity = n * hs;
            carried = new float[capacity];
            fromAbove = new float[capacity];
            total = new float[capacity];
            rows = new float[capacity];
            previous = new float[capacity];
            update = new float[capacity];
            reset = new float[capacity];
            candidate = new float[capacity];
            recurrentCandidate = new float[capacity];
            alpha = new float[capacity];
            beta = new float[capacity];
            alphaPrime = new float[capacity];
            betaPrime = new float[capacity];
            rowAlpha = new float[n];
            rowBeta = new float[n];
            rowAlphaPrime = new float[n];
            rowBetaPrime = new float[n];
            dUpdate = new float[capacity];
            dReset = new float[capacity];
            dCandidate = new float[capacity];
            dRecurrentCandidate = new float[capacity];
            throughGate = new float[capacity];
            attentionTerm = new float[capacity];
            fromBelow = new float[capacity];
        }

        static BackSteps ensure(BackSteps current, int n, int hs) {
            return current != null && current.capacity >= n * hs && current.rowAlpha.length >= n ? current
                    : new BackSteps(n, hs);
        }
    }

    /** Samples [bounds[r], bounds[r + 1]) back through all T steps: the recurrence of {@link #backward}. */
    private void backwardRange(int r) {
        int lo = bounds[r];
        int n = bounds[r + 1] - lo;
        int hs = hiddenSize;
        int h3 = 3 * hs;
        Tensor dHidden = dHiddenFromAbove;
        Tensor carried = carry[r];             // dL/dh_t [n, H]
        Tensor stepDRec = stepDRecurrent[r];   // [n, 3H]
        Tensor stepDPrev = stepDPrevious[r];   // [n, H]
        Tensor recurrent = recurrentWeight.value();
        if (stepBackProduct[r] == null || !stepBackProduct[r].isFor(stepDRec, false, recurrent, true, stepDPrev)) {
            stepBackProduct[r] = Gemm.plan(stepDRec, false, recurrent, true, stepDPrev);
        }
        Gemm.Plan backProduct = stepBackProduct[r];
        for (int t = steps - 1; t >= 0; t--) {
            for (int i = 0; i < n; i++) {
                int s = lo + i;
                int row = t * batch + s;
                boolean valid = t < lengths[s];
                double a = attention == null ? 1 : attention.get(row);
                double da = 0;
                for (int j = 0; j < hs; j++) {
                    int o = row * hs + j;
                    double g = carried.get(i * hs + j) + (dHidden == null ? 0 : dHidden.get(o));
                    int p = row * h3;
                    int q = i * h3;
                    if (!valid) {
                        // h_t = h_{t−1}: the gradient passes through untouched
                        carried.set(i * hs + j, g);
                        for (int k = 0; k < 3; k++) {
                            dProjected.set(p + k * hs + j, 0);
                            stepDRec.set(q + k * hs + j, 0);
                        }
                        continue;
                    }
                    double hp = previous.get(o);
                    double u = gates.get(gateIndex(t, lo, n, 0, j, i));
                    double rg = gates.get(gateIndex(t, lo, n, 1, j, i));
                    double c = gates.get(gateIndex(t, lo, n, 2, j, i));
                    double rc = recurrentCandidate.get(planeIndex(t, lo, n, j, i));
                    double z = effectiveUpdate(u, a);
                    // h = (1 − z)∘h_{t−1} + z∘h̃:  dz = dh∘(h̃ − h_{t−1}) ; dh̃ = dh∘z ; dh_{t−1} = dh∘(1 − z)
                    double dz = g * (c - hp);
                    double dc = g * z;
                    double du;
                    switch (kind) {
                        case GRU, AIGRU -> du = dz;
                        case AUGRU -> {
                            // z = a·u (DIEN eq. 12): du = dz·a ; da = Σ_j dz_j·u_j
                            du = dz * a;
                            da += dz * u;
                        }
                        case AGRU -> {
                            du = 0;
                            da += dz;
                        }
                        default -> {
                            // z = 1 − (1 − a)·u: du = −dz·(1 − a) ; da = Σ_j dz_j·u_j
                            du = -dz * (1 - a);
                            da += dz * u;
                        }
                    }
                    // h̃ = tanh(p_h + r∘(U_h h)): dp_h = dh̃∘(1 − h̃²) ; dr = dp_h∘(U_h h) ; d(U_h h) = dp_h∘r
                    double dcPre = dc * (1 - c * c);
                    double drPre = dcPre * rc * rg * (1 - rg);
                    double duPre = du * u * (1 - u);
                    dProjected.set(p + j, duPre);
                    dProjected.set(p + hs + j, drPre);
                    dProjected.set(p + 2 * hs + j, dcPre);
                    stepDRec.set(q + j, duPre);
                    stepDRec.set(q + hs + j, drPre);
                    stepDRec.set(q + 2 * hs + j, dcPre * rg);
                    carried.set(i * hs + j, g * (1 - z));
                }
                if (attention != null) {
                    dAttention.add(row, da);
                }
            }
            dRecurrent.copyFrom(stepDRec, 0, (t * batch + lo) * h3, n * h3);
            // dL/dh_{t−1} += dL/d(U h_{t−1})·Uᵀ
            backProduct.run();
            carried.addScaled(stepDPrev, 1.0);
        }
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
