package io.istream.trainer.model;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link Gru}'s recurrence on FLOAT tensors: the same cell math as its exact path, run on transposed [H, n] planes
 * (unit-major) so that every gate is one long {@link FloatKernels} loop, forward and backward. One instance per
 * layer keeps the per-range buffers (range r of {@link Gru}'s thread ranges, n samples) across batches.
 */
final class GruFloatPath {
    private static final int MAX_THREADS = ModelThreads.MAX_THREADS;
    private final Tensor[] previousT = new Tensor[MAX_THREADS];        // h_{t−1}ᵀ of one step [H, n]
    private final Tensor[] recurrentT = new Tensor[MAX_THREADS];       // (U h_{t−1})ᵀ of one step [3H, n]
    private final FloatSteps[] forwardSteps = new FloatSteps[MAX_THREADS];
    private final Gemm.Plan[] products = new Gemm.Plan[MAX_THREADS];         // (U h_{t−1})ᵀ = Uᵀ·h_{t−1}ᵀ
    private final Tensor[] dRecurrentStepT = new Tensor[MAX_THREADS];  // one step of dL/d(U h_{t−1}), [3H, n]
    private final Tensor[] dPreviousStepT = new Tensor[MAX_THREADS];   // (dL/dh_{t−1} through U)ᵀ [H, n]
    private final BackSteps[] backwardSteps = new BackSteps[MAX_THREADS];
    private final Gemm.Plan[] backProducts = new Gemm.Plan[MAX_THREADS];     // (dL/dh_{t−1})ᵀ = U·(dL/d(U h))ᵀ

    /** Buffers of range r (n samples) for a forward pass. */
    void prepareForward(int r, DataType type, int n, int hs) {
        previousT[r] = Tensor.reuseAnyShape(previousT[r], type, hs, n);
        recurrentT[r] = Tensor.reuseAnyShape(recurrentT[r], type, 3 * hs, n);
        forwardSteps[r] = FloatSteps.ensure(forwardSteps[r], n, hs);
    }

    /** Buffers of range r (samples from {@code lo}, n of them) for a backward pass, carrying dL/d(last) in. */
    void prepareBackward(int r, DataType type, int n, int hs, Tensor dLast, int lo) {
        dRecurrentStepT[r] = Tensor.reuseAnyShape(dRecurrentStepT[r], type, 3 * hs, n);
        dPreviousStepT[r] = Tensor.reuseAnyShape(dPreviousStepT[r], type, hs, n);
        backwardSteps[r] = BackSteps.ensure(backwardSteps[r], n, hs);
        float[] carried = backwardSteps[r].carried;
        if (dLast != null) {
            dLast.read(lo * hs, backwardSteps[r].rows, 0, n * hs);
            FloatKernels.transpose(backwardSteps[r].rows, n, hs, carried);
        } else {
            Arrays.fill(carried, 0, n * hs, 0f);
        }
    }

    /**
     * The recurrence for FLOAT tensors, transposed: each step works on [H, n] planes (unit-major), so that every
     * gate is one long {@link FloatKernels} loop over H·n elements, which the JIT vectorises. The step's GEMM is
     * (U h_{t−1})ᵀ = Uᵀ·h_{t−1}ᵀ [3H, n], whose three gates are then contiguous; W x + b comes gate-major from
     * {@link #projected}. Padded steps get z = 0 and keep h_{t−1} exactly.
     */
    void forwardRange(Gru gru, int r) {
        int lo = gru.bounds[r];
        int n = gru.bounds[r + 1] - lo;
        int hs = gru.hiddenSize;
        int m = hs * n;                        // one plane [H, n]
        int cols = gru.projectedCols;
        FloatSteps w = forwardSteps[r];
        Tensor prevT = previousT[r];       // h_{t−1}ᵀ [H, n]
        Tensor recT = recurrentT[r];       // (U h_{t−1})ᵀ [3H, n]
        Tensor recurrent = gru.recurrentWeight.value();    // U [H, 3H]
        // one sample (a scorer's history at batch 1): U h as a mat-vec in Java, ~1.5 µs a step against ~4 µs for
        // the BLAS call, which then costs more than its arithmetic; U is read once per forward
        boolean matVec = n == 1;
        if (matVec) {
            w.recurrentWeights = FloatKernels.ensure(w.recurrentWeights, hs * 3 * hs);
            w.recurrentAll = FloatKernels.ensure(w.recurrentAll, 3 * hs);
            recurrent.read(0, w.recurrentWeights, 0, hs * 3 * hs);
        } else if (products[r] == null || !products[r].isFor(recurrent, true, prevT, false, recT)) {
            products[r] = Gemm.plan(recurrent, true, prevT, false, recT);
        }
        Gemm.Plan product = matVec ? null : products[r];
        Arrays.fill(w.previous, 0, m, 0f);
        Arrays.fill(w.previousRows, 0, m, 0f);
        prevT.write(0, w.previous, 0, m);
        boolean coefficientsSet = false;
        for (int t = 0; t < gru.steps; t++) {
            int rowBlock = (t * gru.batch + lo) * hs;    // this range's step in a [T·B, H] tensor, and in the planes
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
            if (gru.sharedInput) {
                // W x_t + b, the same for every sample: one value per gate unit
                for (int g = 0; g < 3 * hs; g++) {
                    w.stepProjection[g] = (float) gru.projected.get(g * cols + t);
                }
                // spread over [H, n] planes for the flat loops: row loops of n ran at 1.1–1.3 ns an element against
                // 0.7–0.9, which was a twelfth of the shared AUGRU
                FloatKernels.spreadRows(w.stepProjection, 0, hs, n, w.projectedUpdate);
                FloatKernels.spreadRows(w.stepProjection, hs, hs, n, w.projectedReset);
                FloatKernels.spreadRows(w.stepProjection, 2 * hs, hs, n, w.projectedCandidate);
            } else {
                for (int j = 0; j < hs; j++) {
                    int at = j * n;
                    int col = t * gru.batch + lo;
                    gru.projected.read(j * cols + col, w.projectedUpdate, at, n);
                    gru.projected.read((hs + j) * cols + col, w.projectedReset, at, n);
                    gru.projected.read((2 * hs + j) * cols + col, w.projectedCandidate, at, n);
                }
            }
            // z = α + β·u per sample; the planes are refilled only when a sample's pair changes
            boolean changed = cellCoefficients(gru, t, lo, n, w.rowAlpha, w.rowBeta, null, null) || !coefficientsSet;
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
            if (!gru.skipsStates()) {
                FloatKernels.transpose(w.hidden, hs, n, w.hiddenRows);   // [H, n] → [n, H]
                gru.hidden.write(rowBlock, w.hiddenRows, 0, m);
            }
            if (gru.kept) {
                int gateBlock = 3 * rowBlock;
                gru.gates.write(gateBlock, w.update, 0, m);
                gru.gates.write(gateBlock + m, w.reset, 0, m);
                gru.gates.write(gateBlock + 2 * m, w.candidate, 0, m);
                gru.recurrentCandidate.write(rowBlock, w.recurrentCandidate, 0, m);
                gru.previous.write(rowBlock, w.previousRows, 0, m);
            }
            w.advance();
        }
        if (gru.skipsStates()) {
            FloatKernels.transpose(w.previous, hs, n, w.previousRows);
        }
        gru.last.write(lo * hs, w.previousRows, 0, m);
    }

    /** The FLOAT path's planes for one range, reused across batches; each holds [H, n] unless said otherwise. */
    static final class FloatSteps {
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

    /**
     * The backward recurrence for FLOAT tensors on transposed [H, n] planes, as {@link #forwardRange} runs the
     * forward one: a step's element math is {@link FloatKernels#gruBackward}, one vectorised loop per output.
     * Padded steps have z = 0 and zero attention terms, so their gradient passes through to h_{t−1} untouched and
     * their gate gradients are 0, as in the exact path.
     */
    void backwardRange(Gru gru, int r) {
        int lo = gru.bounds[r];
        int n = gru.bounds[r + 1] - lo;
        int hs = gru.hiddenSize;
        int m = hs * n;
        int cols = gru.steps * gru.batch;              // columns of the gate-major gradients
        Tensor dHidden = gru.dHiddenFromAbove;     // [T·B, H] or null
        BackSteps b = backwardSteps[r];
        Tensor stepDRecT = dRecurrentStepT[r];   // [3H, n]
        Tensor stepDPrevT = dPreviousStepT[r];   // [H, n]
        Tensor recurrent = gru.recurrentWeight.value();
        if (backProducts[r] == null || !backProducts[r].isFor(recurrent, false, stepDRecT, false, stepDPrevT)) {
            backProducts[r] = Gemm.plan(recurrent, false, stepDRecT, false, stepDPrevT);
        }
        Gemm.Plan backProduct = backProducts[r];   // (dL/dh_{t−1})ᵀ = U·(dL/d(U h_{t−1}))ᵀ
        for (int t = gru.steps - 1; t >= 0; t--) {
            int rowBlock = (t * gru.batch + lo) * hs;
            float[] g = b.carried;                   // dL/dh_t: from step t+1, plus from above
            if (dHidden != null) {
                dHidden.read(rowBlock, b.rows, 0, m);
                FloatKernels.transpose(b.rows, n, hs, b.fromAbove);
                FloatKernels.add(b.carried, b.fromAbove, b.total, m);
                g = b.total;
            }
            int gateBlock = 3 * rowBlock;
            gru.gates.read(gateBlock, b.update, 0, m);
            gru.gates.read(gateBlock + m, b.reset, 0, m);
            gru.gates.read(gateBlock + 2 * m, b.candidate, 0, m);
            gru.recurrentCandidate.read(rowBlock, b.recurrentCandidate, 0, m);
            gru.previous.read(rowBlock, b.rows, 0, m);
            FloatKernels.transpose(b.rows, n, hs, b.previous);
            cellCoefficients(gru, t, lo, n, b.rowAlpha, b.rowBeta, b.rowAlphaPrime, b.rowBetaPrime);
            FloatKernels.tile(b.rowAlpha, n, hs, b.alpha);
            FloatKernels.tile(b.rowBeta, n, hs, b.beta);
            FloatKernels.tile(b.rowAlphaPrime, n, hs, b.alphaPrime);
            FloatKernels.tile(b.rowBetaPrime, n, hs, b.betaPrime);
            FloatKernels.gruBackward(g, b.previous, b.update, b.reset, b.candidate, b.recurrentCandidate,
                    b.alpha, b.beta, b.alphaPrime, b.betaPrime,
                    b.dUpdate, b.dReset, b.dCandidate, b.dRecurrentCandidate, b.throughGate, b.attentionTerm, m);
            if (gru.attention != null) {
                // dL/da_t = Σ_j dz_j·dz_j/da
                for (int i = 0; i < n; i++) {
                    float da = 0f;
                    for (int j = 0; j < hs; j++) {
                        da += b.attentionTerm[j * n + i];
                    }
                    gru.dAttention.add(t * gru.batch + lo + i, da);
                }
            }
            // dL/d(Wx + b) = [du_pre | dr_pre | dh̃_pre] ; dL/d(U h_{t−1}) = [du_pre | dr_pre | dh̃_pre∘r]
            int col = t * gru.batch + lo;
            for (int j = 0; j < hs; j++) {
                int at = j * n;
                gru.dProjectedT.write(j * cols + col, b.dUpdate, at, n);
                gru.dProjectedT.write((hs + j) * cols + col, b.dReset, at, n);
                gru.dProjectedT.write((2 * hs + j) * cols + col, b.dCandidate, at, n);
                gru.dRecurrentT.write(j * cols + col, b.dUpdate, at, n);
                gru.dRecurrentT.write((hs + j) * cols + col, b.dReset, at, n);
                gru.dRecurrentT.write((2 * hs + j) * cols + col, b.dRecurrentCandidate, at, n);
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
    static final class BackSteps {
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

    /**
     * Every cell kind's update as z = α + β·u, per sample lo + i at step t, and dz/da = α′ + β′·u (when the prime
     * arrays are given): GRU and AIGRU (0, 1), AUGRU (0, a), AGRU (a, 0), the reference cell (1, a − 1); a padded step
     * has all four 0, so it keeps h_{t−1} and passes its gradient through. The one place the FLOAT paths map cell
     * kinds to z; {@link GruReference#effectiveUpdate} states the same forms directly.
     *
     * @return whether any α or β differs from what the arrays held (NaN always differs)
     */
    private static boolean cellCoefficients(Gru gru, int t, int lo, int n, float[] alpha, float[] beta,
                                            float[] alphaPrime, float[] betaPrime) {
        boolean changed = false;
        for (int i = 0; i < n; i++) {
            int s = lo + i;
            float a = gru.attention == null ? 1f : (float) gru.attention.get(t * gru.batch + s);
            float al = 0f;
            float be = 0f;
            float alP = 0f;
            float beP = 0f;
            if (t < gru.lengths[s]) {
                switch (gru.kind) {
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
}
