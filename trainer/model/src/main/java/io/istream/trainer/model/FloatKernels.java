package io.istream.trainer.model;

/**
 * σ and tanh for FLOAT tensors, and the GRU's gate arithmetic, as loops over {@code float[]} that the JIT turns into
 * SIMD code. DOUBLE tensors, and so every gradient check, use the exact functions of {@link Activation}.
 *
 * <p>tanh is a rational function, x·P(x²)/Q(x²) with P and Q of degree 4 on x clamped to ±9 (where tanh is 1 in
 * float), fitted by {@code ops/experiments/fit_tanh.py}: its worst absolute error evaluated in float is 3.2e-7, and
 * σ(x) = (1 + tanh(x/2))/2 inherits half of that. It needs no exp, so it has nothing C2 cannot vectorise: over a
 * long {@code float[]} it costs about 0.5 ns an element on this machine, against 15–20 ns for the scalar
 * polynomial-exp kernel it replaced.
 *
 * <p>Three rules keep the loops vectorised on JDK 17 (measured; break one and a loop runs 2.5–10× slower):
 * <ul>
 *   <li>every array in a loop is indexed by the same expression (no per-array offsets: C2's superword pass drops
 *       references it cannot align to each other);</li>
 *   <li>loops are long: a 36-element row loop never reaches the unrolled vector body;</li>
 *   <li>and a loop stores one array: storing two (Dice's ŝ and σ(ŝ), or the six outputs of one GRU step backwards)
 *       runs 2.5–8× slower than one loop per output, though that reads the inputs again.</li>
 * </ul>
 * The clamps use {@code Math.min/max} on floats, which vectorise and pass NaN through, so a non-finite input still
 * reaches the trainer's guard.
 */
public final class FloatKernels {

    private FloatKernels() {
    }

    // tanh(x) ≈ x·P(x²)/Q(x²), |x| ≤ 9
    private static final float P0 = 0.9999999063947537f;
    private static final float P1 = 0.13373147069499783f;
    private static final float P2 = 0.0034865213111160732f;
    private static final float P3 = 2.0470817442691186e-05f;
    private static final float P4 = 1.3182798141249507e-08f;
    private static final float Q1 = 0.46706443932965863f;
    private static final float Q2 = 0.025841749881173645f;
    private static final float Q3 = 0.00032712855762235675f;
    private static final float Q4 = 7.702084005905159e-07f;
    private static final float LIMIT = 9f;

    /** tanh(v) to 3.2e-7 absolute; ±1 beyond ±9; NaN for NaN. */
    public static float tanh(float v) {
        float x = Math.max(-LIMIT, Math.min(LIMIT, v));
        float x2 = x * x;
        float p = (((P4 * x2 + P3) * x2 + P2) * x2 + P1) * x2 + P0;
        float q = (((Q4 * x2 + Q3) * x2 + Q2) * x2 + Q1) * x2 + 1f;
        return Math.max(-1f, Math.min(1f, x * p / q));
    }

    /** σ(v) = (1 + tanh(v/2))/2, to 2e-7 absolute, within [0, 1]. */
    public static float sigmoid(float v) {
        return 0.5f + 0.5f * tanh(0.5f * v);
    }

    /** a[k] = σ(a[k]) for k in [0, n). */
    public static void sigmoidInPlace(float[] a, int n) {
        for (int k = 0; k < n; k++) {
            a[k] = sigmoid(a[k]);
        }
    }

    /** out[k] = σ(a[k] + b[k]) for k in [0, n): the update and reset gates from W x + b and U h. */
    public static void sigmoidOfSum(float[] a, float[] b, float[] out, int n) {
        for (int k = 0; k < n; k++) {
            out[k] = sigmoid(a[k] + b[k]);
        }
    }

    /** h̃[k] = tanh(p[k] + r[k]·rc[k]) for k in [0, n): the candidate, the reset gate applied after U_h. */
    public static void candidate(float[] projected, float[] reset, float[] recurrent, float[] out, int n) {
        for (int k = 0; k < n; k++) {
            out[k] = tanh(projected[k] + reset[k] * recurrent[k]);
        }
    }

    /**
     * h[k] = h_prev[k] + z[k]·(h̃[k] − h_prev[k]) with z = α[k] + β[k]·u[k], for k in [0, n): every cell kind's
     * (1 − z)∘h_{t−1} + z∘h̃, with (α, β) = (0, 1) for GRU, (0, a) for AUGRU, (a, 0) for AGRU, (1, a − 1) for the
     * reference cell, and (0, 0) for a padded step, which then keeps h_prev exactly.
     */
    public static void interpolate(float[] previous, float[] update, float[] candidate, float[] alpha, float[] beta,
                                   float[] out, int n) {
        for (int k = 0; k < n; k++) {
            float hp = previous[k];
            out[k] = hp + (alpha[k] + beta[k] * update[k]) * (candidate[k] - hp);
        }
    }

    /** out[k] = a[k] + b[k] for k in [0, n). */
    public static void add(float[] a, float[] b, float[] out, int n) {
        for (int k = 0; k < n; k++) {
            out[k] = a[k] + b[k];
        }
    }

    /**
     * One GRU step backwards, element-wise for k in [0, n), given g = dL/dh_t, the step's h_{t−1}, u, r, h̃ and
     * U_h h_{t−1}, and z = α + β·u with dz/da = α′ + β′·u (see {@link #interpolate}):
     * <pre>
     *   h = h_{t−1} + z∘(h̃ − h_{t−1}):  dz = g∘(h̃ − h_{t−1}) ; dh̃ = g∘z ; dh_{t−1} = g∘(1 − z) (+ the path through U)
     *   z = α + β·u:                     du = β·dz ; da = dz·(α′ + β′·u)
     *   h̃ = tanh(p_h + r∘(U_h h)):       dp_h = dh̃∘(1 − h̃²) ; dr = dp_h∘(U_h h) ; d(U_h h) = dp_h∘r
     *   u = σ(p_u), r = σ(p_r):          dp_u = du∘u(1 − u) ; dp_r = dr∘r(1 − r)
     * </pre>
     * Writes dp_u, dp_r, dp_h, d(U_h h), g∘(1 − z) and the attention term dz·(α′ + β′·u).
     */
    public static void gruBackward(float[] g, float[] previous, float[] update, float[] reset, float[] candidate,
                                   float[] recurrentCandidate, float[] alpha, float[] beta, float[] alphaPrime,
                                   float[] betaPrime, float[] dUpdate, float[] dReset, float[] dCandidate,
                                   float[] dRecurrentCandidate, float[] throughGate, float[] attentionTerm, int n) {
        // one loop per output: a loop that stores several arrays is not vectorised (2.8 against 1.1 ns an element)
        for (int k = 0; k < n; k++) {                         // dp_h = g∘z∘(1 − h̃²)
            float c = candidate[k];
            dCandidate[k] = g[k] * (alpha[k] + beta[k] * update[k]) * (1 - c * c);
        }
        for (int k = 0; k < n; k++) {                         // d(U_h h) = dp_h∘r
            dRecurrentCandidate[k] = dCandidate[k] * reset[k];
        }
        for (int k = 0; k < n; k++) {                         // dp_r = dp_h∘(U_h h)∘r(1 − r)
            float r = reset[k];
            dReset[k] = dCandidate[k] * recurrentCandidate[k] * r * (1 - r);
        }
        for (int k = 0; k < n; k++) {                         // dp_u = β·g∘(h̃ − h_{t−1})∘u(1 − u)
            float u = update[k];
            dUpdate[k] = beta[k] * g[k] * (candidate[k] - previous[k]) * u * (1 - u);
        }
        for (int k = 0; k < n; k++) {                         // g∘(1 − z)
            throughGate[k] = g[k] * (1 - (alpha[k] + beta[k] * update[k]));
        }
        for (int k = 0; k < n; k++) {                         // dz·(α′ + β′·u)
            attentionTerm[k] = g[k] * (candidate[k] - previous[k]) * (alphaPrime[k] + betaPrime[k] * update[k]);
        }
    }

    /** {@code a} when it holds at least n elements, else a new array of n. */
    static float[] ensure(float[] a, int n) {
        return a != null && a.length >= n ? a : new float[n];
    }

    /**
     * out[g] = Σ_k x[k]·a[k·cols + g] for g in [0, cols): the row vector x [rows] times a row-major A [rows, cols],
     * a row of A at a time. For one sample's recurrent product, where a BLAS call costs more than the arithmetic.
     */
    public static void vectorTimesMatrix(float[] x, float[] a, int rows, int cols, float[] out) {
        java.util.Arrays.fill(out, 0, cols, 0f);
        for (int k = 0; k < rows; k++) {
            float xk = x[k];
            int base = k * cols;
            for (int g = 0; g < cols; g++) {
                out[g] += xk * a[base + g];
            }
        }
    }

    /** acc[k] += a[k]·b[k] for k in [0, n). */
    public static void multiplyAdd(float[] a, float[] b, float[] acc, int n) {
        for (int k = 0; k < n; k++) {
            acc[k] += a[k] * b[k];
        }
    }

    /** out[k] = a[k]·b[k] for k in [0, n). */
    public static void multiply(float[] a, float[] b, float[] out, int n) {
        for (int k = 0; k < n; k++) {
            out[k] = a[k] * b[k];
        }
    }

    /** plane[r·width + c] = perRow[r] for r in [0, rows): a row's scalar spread over its row of a block. */
    public static void spreadRows(float[] perRow, int rows, int width, float[] plane) {
        spreadRows(perRow, 0, rows, width, plane);
    }

    /** plane[r·width + c] = perRow[from + r] for r in [0, rows). */
    public static void spreadRows(float[] perRow, int from, int rows, int width, float[] plane) {
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(plane, r * width, (r + 1) * width, perRow[from + r]);
        }
    }

    /**
     * dst[c·length + k] = src[k] for c in [0, copies), k in [0, length): a per-column (or per-sample) row repeated so
     * that a loop over the whole block indexes every array alike. {@code dst} may be {@code src}, whose first row is
     * then copied over the rest.
     */
    public static void tile(float[] src, int length, int copies, float[] dst) {
        for (int c = 0; c < copies; c++) {
            if (src != dst || c > 0) {
                System.arraycopy(src, 0, dst, c * length, length);
            }
        }
    }

    /** out[r] = Σ_c src[r·width + c] for r in [0, rows). */
    public static void rowSums(float[] src, int rows, int width, float[] out) {
        for (int r = 0; r < rows; r++) {
            float sum = 0f;
            int base = r * width;
            for (int c = 0; c < width; c++) {
                sum += src[base + c];
            }
            out[r] = sum;
        }
    }

    /** dst[c·rows + r] = src[r·cols + c]: [rows, cols] → [cols, rows]. */
    public static void transpose(float[] src, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int from = r * cols;
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = src[from + c];
            }
        }
    }
}
