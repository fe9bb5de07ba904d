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
 * <p>Layout is time-major: row t·B + b of an [T·B, ·] tensor is step t of sample b. Gate columns are [u | r | h̃].
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
    private Tensor projected;             // W x + b [T·B, 3H]
    private Tensor update;                // u [T·B, H]
    private Tensor reset;                 // r [T·B, H]
    private Tensor candidate;             // h̃ [T·B, H]
    private Tensor recurrentCandidate;    // U_h h_{t−1} [T·B, H]
    private Tensor previous;              // h_{t−1} [T·B, H] (zeros at t = 0)
    private Tensor hidden;                // h_t [T·B, H]
    private Tensor last;                  // h at each sample's last valid step [B, H]
    private Tensor dProjected;            // dL/d(Wx + b) [T·B, 3H]
    private Tensor dRecurrent;            // dL/d(U h_{t−1}) [T·B, 3H]
    private Tensor dInput;                // dL/dx [T·B, in]
    private Tensor dAttention;            // dL/da [T·B, 1]
    // Samples never interact inside a GRU, so the batch is cut into row ranges [lo, hi) that run all T steps on
    // their own, one per thread. Per range r, with n = hi − lo rows:
    private final Tensor[] stepPrevious = new Tensor[MAX_THREADS];    // h_{t−1} of one step [n, H]
    private final Tensor[] stepRecurrent = new Tensor[MAX_THREADS];   // U h_{t−1} of one step [n, 3H]
    private final Tensor[] stepDRecurrent = new Tensor[MAX_THREADS];  // one step of dRecurrent [n, 3H]
    private final Tensor[] stepDPrevious = new Tensor[MAX_THREADS];   // dL/dh_{t−1} through U, one step [n, H]
    private final Tensor[] carry = new Tensor[MAX_THREADS];           // dL/dh_t flowing backwards [n, H]
    private int threads = 1;
    private int[] bounds;                 // range r is samples [bounds[r], bounds[r + 1])
    private boolean floatKernels;
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
     * Runs all T steps.
     *
     * @param x         [T·B, in] inputs, time-major
     * @param lengths   [B] valid steps per sample
     * @param attention [T·B, 1] attention scores a_t, or null for {@link CellKind#GRU}
     * @return h [T·B, H], time-major
     */
    public Tensor forward(Tensor x, int batch, int steps, int[] lengths, Tensor attention) {
        x.requireShape(steps * batch, in);
        if (kind.usesAttention() != (attention != null)) {
            throw new IllegalArgumentException(kind + (attention == null ? " needs" : " takes no") + " attention");
        }
        this.batch = batch;
        this.steps = steps;
        this.lengths = lengths;
        this.input = x;
        this.attention = attention;
        DataType type = x.type();
        int h3 = 3 * hiddenSize;
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
        projected = Tensor.reuse(projected, type, rows, h3);
        update = Tensor.reuse(update, type, rows, hiddenSize);
        reset = Tensor.reuse(reset, type, rows, hiddenSize);
        candidate = Tensor.reuse(candidate, type, rows, hiddenSize);
        recurrentCandidate = Tensor.reuse(recurrentCandidate, type, rows, hiddenSize);
        previous = Tensor.reuse(previous, type, rows, hiddenSize);
        hidden = Tensor.reuse(hidden, type, rows, hiddenSize);
        last = Tensor.reuse(last, type, batch, hiddenSize);
        bounds = ranges(batch);
        for (int r = 0; r + 1 < bounds.length; r++) {
            int n = bounds[r + 1] - bounds[r];
            stepPrevious[r] = Tensor.reuse(stepPrevious[r], type, n, hiddenSize);
            stepRecurrent[r] = Tensor.reuse(stepRecurrent[r], type, n, h3);
        }

        // W x for all T steps in one GEMM, then the bias
        Gemm.multiply(effective, false, inputWeight.value(), false, projected);
        Tensor b = bias.value();
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < h3; j++) {
                projected.add(r * h3 + j, b.get(j));
            }
        }
        floatKernels = Activation.floatKernels(x);
        ModelThreads.forEachRange(bounds, this::forwardRange);
        return hidden;
    }

    /** Samples [bounds[r], bounds[r + 1]) through all T steps: the recurrence of {@link #forward}. */
    private void forwardRange(int r) {
        int lo = bounds[r];
        int n = bounds[r + 1] - lo;
        int hs = hiddenSize;
        int h3 = 3 * hs;
        Tensor stepPrev = stepPrevious[r];   // [n, H]
        Tensor stepRec = stepRecurrent[r];   // [n, 3H]
        stepPrev.zero();
        for (int t = 0; t < steps; t++) {
            int block = (t * batch + lo) * hs;
            previous.copyFrom(stepPrev, 0, block, n * hs);
            Gemm.multiply(stepPrev, false, recurrentWeight.value(), false, stepRec);
            for (int i = 0; i < n; i++) {
                int s = lo + i;
                int row = t * batch + s;
                boolean valid = t < lengths[s];
                double a = attention == null ? 1 : attention.get(row);
                for (int j = 0; j < hs; j++) {
                    int o = row * hs + j;
                    double hp = stepPrev.get(i * hs + j);
                    if (!valid) {
                        update.set(o, 0);
                        reset.set(o, 0);
                        candidate.set(o, 0);
                        recurrentCandidate.set(o, 0);
                        hidden.set(o, hp);
                        continue;
                    }
                    int p = row * h3;
                    int q = i * h3;
                    double uPre = projected.get(p + j) + stepRec.get(q + j);
                    double rPre = projected.get(p + hs + j) + stepRec.get(q + hs + j);
                    double rc = stepRec.get(q + 2 * hs + j);
                    double u;
                    double rg;
                    double c;
                    if (floatKernels) {
                        u = Activation.sigmoidFloat(uPre);
                        rg = Activation.sigmoidFloat(rPre);
                        c = Activation.tanhFloat(projected.get(p + 2 * hs + j) + rg * rc);
                    } else {
                        u = Activation.sigmoid(uPre);
                        rg = Activation.sigmoid(rPre);
                        c = Activation.tanh(projected.get(p + 2 * hs + j) + rg * rc);
                    }
                    double z = effectiveUpdate(u, a);
                    update.set(o, u);
                    reset.set(o, rg);
                    candidate.set(o, c);
                    recurrentCandidate.set(o, rc);
                    hidden.set(o, (1 - z) * hp + z * c);
                }
            }
            stepPrev.copyFrom(hidden, block, 0, n * hs);
        }
        last.copyFrom(stepPrev, 0, lo * hs, n * hs);
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
        DataType type = input.type();
        int hs = hiddenSize;
        int h3 = 3 * hs;
        int rows = steps * batch;
        dProjected = Tensor.reuse(dProjected, type, rows, h3);
        dRecurrent = Tensor.reuse(dRecurrent, type, rows, h3);
        dAttention = Tensor.reuse(dAttention, type, rows, 1);
        dAttention.zero();
        for (int r = 0; r + 1 < bounds.length; r++) {
            int n = bounds[r + 1] - bounds[r];
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
        ModelThreads.forEachRange(bounds, this::backwardRange);
        dHiddenFromAbove = null;
        // dU = Σ_t h_{t−1}ᵀ·dL/d(U h_{t−1}), as one GEMM over all steps
        Gemm.multiplyAdd(previous, true, dRecurrent, false, recurrentWeight.grad());
        Tensor effective = kind == CellKind.AIGRU ? scaledInput : input;
        Gemm.multiplyAdd(effective, true, dProjected, false, inputWeight.grad());
        Tensor db = bias.grad();
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < h3; j++) {
                db.add(j, dProjected.get(r * h3 + j));
            }
        }
        dInput = Tensor.reuse(dInput, type, rows, in);
        Gemm.multiply(dProjected, false, inputWeight.value(), true, dInput);
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
                    double u = update.get(o);
                    double rg = reset.get(o);
                    double c = candidate.get(o);
                    double rc = recurrentCandidate.get(o);
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
            Gemm.multiply(stepDRec, false, recurrentWeight.value(), true, stepDPrev);
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
