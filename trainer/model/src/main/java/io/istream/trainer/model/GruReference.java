package io.istream.trainer.model;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link Gru}'s recurrence element by element with the exact σ and tanh: the reference math of each cell kind, forward
 * and backward, in one place. DOUBLE tensors run it (the gradient checks read it), and the FLOAT path
 * ({@link GruFloatPath}) is tested against it. One instance per layer keeps the per-range buffers (range r of
 * {@link Gru}'s thread ranges, n samples) across batches.
 */
final class GruReference {
    private static final int MAX_THREADS = ModelThreads.MAX_THREADS;
    private final Tensor[] previousStep = new Tensor[MAX_THREADS];     // h_{t−1} of one step [n, H]
    private final Tensor[] recurrentStep = new Tensor[MAX_THREADS];    // U h_{t−1} of one step [n, 3H]
    private final Tensor[] dRecurrentStep = new Tensor[MAX_THREADS];   // one step of dL/d(U h_{t−1}) [n, 3H]
    private final Tensor[] dPreviousStep = new Tensor[MAX_THREADS];    // dL/dh_{t−1} through U, one step [n, H]
    private final Tensor[] carry = new Tensor[MAX_THREADS];            // dL/dh_t flowing backwards [n, H]
    private final Gemm.Plan[] backProducts = new Gemm.Plan[MAX_THREADS];     // dL/dh_{t−1} = dL/d(U h)·Uᵀ

    /** Buffers of range r (n samples) for a forward pass. */
    void prepareForward(int r, DataType type, int n, int hs) {
        previousStep[r] = Tensor.reuse(previousStep[r], type, n, hs);
        recurrentStep[r] = Tensor.reuse(recurrentStep[r], type, n, 3 * hs);
    }

    /** Buffers of range r (samples from {@code lo}, n of them) for a backward pass, carrying dL/d(last) in. */
    void prepareBackward(int r, DataType type, int n, int hs, Tensor dLast, int lo) {
        dRecurrentStep[r] = Tensor.reuse(dRecurrentStep[r], type, n, 3 * hs);
        dPreviousStep[r] = Tensor.reuse(dPreviousStep[r], type, n, hs);
        carry[r] = Tensor.reuse(carry[r], type, n, hs);
        if (dLast != null) {
            carry[r].copyFrom(dLast, lo * hs, 0, n * hs);
        } else {
            carry[r].zero();
        }
    }

    /** The update gate's effective weight z of each cell kind (the class comment of {@link Gru}). */
    static double effectiveUpdate(CellKind kind, double u, double a) {
        return switch (kind) {
            case GRU, AIGRU -> u;
            case AUGRU -> a * u;
            case AGRU -> a;
            case AUGRU_REFERENCE -> 1 - (1 - a) * u;
        };
    }

    /**
     * Samples [bounds[r], bounds[r + 1]) through all T steps, element by element with the exact σ and tanh: the
     * DOUBLE path, which the gradient checks run and the FLOAT path is tested against.
     */
    void forwardRange(Gru gru, int r) {
        int lo = gru.bounds[r];
        int n = gru.bounds[r + 1] - lo;
        int hs = gru.hiddenSize;
        int h3 = 3 * hs;
        int cols = gru.projectedCols;
        Tensor stepPrev = previousStep[r];   // [n, H]
        Tensor stepRec = recurrentStep[r];   // [n, 3H]
        stepPrev.zero();
        for (int t = 0; t < gru.steps; t++) {
            int block = (t * gru.batch + lo) * hs;
            if (gru.kept) {
                gru.previous.copyFrom(stepPrev, 0, block, n * hs);
            }
            Gemm.multiply(stepPrev, false, gru.recurrentWeight.value(), false, stepRec);
            for (int i = 0; i < n; i++) {
                int s = lo + i;
                int row = t * gru.batch + s;
                int col = gru.projectedColumn(t, s);
                boolean valid = t < gru.lengths[s];
                double a = gru.attention == null ? 1 : gru.attention.get(row);
                for (int j = 0; j < hs; j++) {
                    int o = row * hs + j;
                    double hp = stepPrev.get(i * hs + j);
                    if (!valid) {
                        if (gru.kept) {
                            for (int g = 0; g < 3; g++) {
                                gru.gates.set(gru.gateIndex(t, lo, n, g, j, i), 0);
                            }
                            gru.recurrentCandidate.set(gru.planeIndex(t, lo, n, j, i), 0);
                        }
                        gru.hidden.set(o, hp);
                        continue;
                    }
                    int q = i * h3;
                    double uPre = gru.projected.get(j * cols + col) + stepRec.get(q + j);
                    double rPre = gru.projected.get((hs + j) * cols + col) + stepRec.get(q + hs + j);
                    double rc = stepRec.get(q + 2 * hs + j);
                    double u = Activation.sigmoid(uPre);
                    double rg = Activation.sigmoid(rPre);
                    double c = Activation.tanh(gru.projected.get((2 * hs + j) * cols + col) + rg * rc);
                    double z = effectiveUpdate(gru.kind, u, a);
                    if (gru.kept) {
                        gru.gates.set(gru.gateIndex(t, lo, n, 0, j, i), u);
                        gru.gates.set(gru.gateIndex(t, lo, n, 1, j, i), rg);
                        gru.gates.set(gru.gateIndex(t, lo, n, 2, j, i), c);
                        gru.recurrentCandidate.set(gru.planeIndex(t, lo, n, j, i), rc);
                    }
                    gru.hidden.set(o, (1 - z) * hp + z * c);
                }
            }
            stepPrev.copyFrom(gru.hidden, block, 0, n * hs);
        }
        gru.last.copyFrom(stepPrev, 0, lo * hs, n * hs);
    }

    /** Samples [bounds[r], bounds[r + 1]) back through all T steps: the recurrence of {@link Gru#backward}. */
    void backwardRange(Gru gru, int r) {
        int lo = gru.bounds[r];
        int n = gru.bounds[r + 1] - lo;
        int hs = gru.hiddenSize;
        int h3 = 3 * hs;
        Tensor dHidden = gru.dHiddenFromAbove;
        Tensor carried = carry[r];             // dL/dh_t [n, H]
        Tensor stepDRec = dRecurrentStep[r];   // [n, 3H]
        Tensor stepDPrev = dPreviousStep[r];   // [n, H]
        Tensor recurrent = gru.recurrentWeight.value();
        if (backProducts[r] == null || !backProducts[r].isFor(stepDRec, false, recurrent, true, stepDPrev)) {
            backProducts[r] = Gemm.plan(stepDRec, false, recurrent, true, stepDPrev);
        }
        Gemm.Plan backProduct = backProducts[r];
        for (int t = gru.steps - 1; t >= 0; t--) {
            for (int i = 0; i < n; i++) {
                int s = lo + i;
                int row = t * gru.batch + s;
                boolean valid = t < gru.lengths[s];
                double a = gru.attention == null ? 1 : gru.attention.get(row);
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
                            gru.dProjected.set(p + k * hs + j, 0);
                            stepDRec.set(q + k * hs + j, 0);
                        }
                        continue;
                    }
                    double hp = gru.previous.get(o);
                    double u = gru.gates.get(gru.gateIndex(t, lo, n, 0, j, i));
                    double rg = gru.gates.get(gru.gateIndex(t, lo, n, 1, j, i));
                    double c = gru.gates.get(gru.gateIndex(t, lo, n, 2, j, i));
                    double rc = gru.recurrentCandidate.get(gru.planeIndex(t, lo, n, j, i));
                    double z = effectiveUpdate(gru.kind, u, a);
                    // h = (1 − z)∘h_{t−1} + z∘h̃:  dz = dh∘(h̃ − h_{t−1}) ; dh̃ = dh∘z ; dh_{t−1} = dh∘(1 − z)
                    double dz = g * (c - hp);
                    double dc = g * z;
                    double du;
                    switch (gru.kind) {
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
                    gru.dProjected.set(p + j, duPre);
                    gru.dProjected.set(p + hs + j, drPre);
                    gru.dProjected.set(p + 2 * hs + j, dcPre);
                    stepDRec.set(q + j, duPre);
                    stepDRec.set(q + hs + j, drPre);
                    stepDRec.set(q + 2 * hs + j, dcPre * rg);
                    carried.set(i * hs + j, g * (1 - z));
                }
                if (gru.attention != null) {
                    gru.dAttention.add(row, da);
                }
            }
            gru.dRecurrent.copyFrom(stepDRec, 0, (t * gru.batch + lo) * h3, n * h3);
            // dL/dh_{t−1} += dL/d(U h_{t−1})·Uᵀ
            backProduct.run();
            carried.addScaled(stepDPrev, 1.0);
        }
    }
}
