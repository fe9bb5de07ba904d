package io.istream.trainer.model;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Applies one step to a model's dense parameters and to the embedding rows its batch touched, then zeroes the
 * gradients. With {@link RegularizationKind#MBA}, rows not in the batch are neither read nor written (DIN eqs. 4–7).
 */
public final class Optimizer {

    private final OptimizerConfig config;
    private final CtrModel model;
    private final List<Param> params;
    private final List<Tensor[]> denseSlots;  // per param: the kind's state tensors, same shape
    private long step;                        // t, global
    private double biasCorrection1;           // 1 − β₁ᵗ of this step (Adam)
    private double biasCorrection2;           // 1 − β₂ᵗ of this step (Adam)
    private double learningRateScale = 1;     // a schedule's multiplier of the configured η

    public Optimizer(OptimizerConfig config, CtrModel model) {
        if (model.optimiserSlots() != config.kind().slots()) {
            throw new IllegalArgumentException("the model was built with " + model.optimiserSlots()
                    + " optimiser slots per embedding row; " + config.kind() + " needs " + config.kind().slots());
        }
        this.config = config;
        this.model = model;
        this.params = model.params();
        denseSlots = new ArrayList<>();
        for (Param p : params) {
            Tensor[] slots = new Tensor[config.kind().slots()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = Tensor.zeros(p.value().type(), p.rows(), p.cols());
            }
            denseSlots.add(slots);
        }
    }

    /**
     * Multiplies the configured learning rate from the next step on (a schedule: the offline trainer's per-epoch
     * decay). Not part of the optimiser's saved state: a schedule belongs to the run that sets it.
     */
    public void setLearningRateScale(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("learning-rate scale must be positive and finite, got " + scale);
        }
        learningRateScale = scale;
    }

    /** η of the next step: the configured rate times the schedule's scale. */
    public double learningRate() {
        return config.learningRate() * learningRateScale;
    }

    /** One update from the accumulated gradients. */
    public void step() {
        step++;
        // once a step, not twice per element
        biasCorrection1 = 1 - Math.pow(config.beta1(), step);
        biasCorrection2 = 1 - Math.pow(config.beta2(), step);
        double lr = learningRate();
        for (int k = 0; k < params.size(); k++) {
            Param p = params.get(k);
            Tensor w = p.value();
            Tensor g = p.grad();
            Tensor[] slots = denseSlots.get(k);
            int n = w.size();
            if (adamOnFloats(w)) {
                adamDenseFloat(w, g, slots[0], slots[1], lr);
                g.zero();
                continue;
            }
            for (int i = 0; i < n; i++) {
                // plain L2: d(½λ‖w‖²)/dw = λw
                double gi = g.get(i) + config.denseL2() * w.get(i);
                update(w, i, gi, slots, i, lr);
            }
            g.zero();
        }
        List<EmbeddingTable> tables = model.tables();
        List<SparseGradient> grads = model.sparseGradients();
        for (int t = 0; t < tables.size(); t++) {
            applySparse(tables.get(t), grads.get(t), lr);
        }
    }

    private void applySparse(EmbeddingTable table, SparseGradient grad, double lr) {
        Tensor w = table.values();
        Tensor[] slots = new Tensor[table.slotCount()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = table.slot(i);
        }
        int d = table.dim;
        double lambda = config.lambda();
        RegularizationKind reg = config.regularization();
        if (adamOnFloats(w)) {
            adamSparseFloat(table, grad, lr);
        } else {
            for (int s = 0; s < grad.touchedCount(); s++) {
                int row = grad.touchedRow(s);
                // MBA (DIN eq. 7): g_j = (1/|B|)·Σ ∂L/∂w_j + λ·(α_mj / n_j)·w_j, the data term already a batch mean
                double penalty = switch (reg) {
                    case NONE -> 0;
                    case L2 -> lambda;
                    case MBA -> lambda / table.count(row);
                };
                for (int j = 0; j < d; j++) {
                    int i = row * d + j;
                    update(w, i, grad.get(s, j) + penalty * w.get(i), slots, i, lr);
                }
            }
        }
        if (reg == RegularizationKind.L2 && lambda > 0) {
            // plain L2 also decays every row the batch did not touch: the whole-table cost MBA avoids
            int rows = table.rowHighWater();
            boolean[] touched = new boolean[rows];
            for (int s = 0; s < grad.touchedCount(); s++) {
                touched[grad.touchedRow(s)] = true;
            }
            for (int row = 0; row < rows; row++) {
                if (touched[row]) {
                    continue;
                }
                for (int j = 0; j < d; j++) {
                    int i = row * d + j;
                    update(w, i, lambda * w.get(i), slots, i, lr);
                }
            }
        }
        grad.clear();
    }

    // ---- Adam on FLOAT tensors: the same rule in float blocks, three loops that each store one array, so each
    // vectorises (sqrt and division included). Per element in double it cost ~7 ns, half of a base-model step.

    private static final int ADAM_BLOCK = 8192;
    private float[] weightBlock = new float[0];   // w
    private float[] gradBlock = new float[0];     // g, then g + penalty·w
    private float[] firstBlock = new float[0];    // m
    private float[] secondBlock = new float[0];   // v

    private boolean adamOnFloats(Tensor w) {
        return config.kind() == OptimizerKind.ADAM && w.type() == DataType.FLOAT;
    }

    private void adamBlocks(int n) {
        if (weightBlock.length < n) {
            weightBlock = new float[n];
            gradBlock = new float[n];
            firstBlock = new float[n];
            secondBlock = new float[n];
        }
    }

    private void adamDenseFloat(Tensor w, Tensor g, Tensor m, Tensor v, double lr) {
        int n = w.size();
        adamBlocks(Math.min(n, ADAM_BLOCK));
        float l2 = (float) config.denseL2();
        for (int start = 0; start < n; start += ADAM_BLOCK) {
            int len = Math.min(ADAM_BLOCK, n - start);
            w.read(start, weightBlock, 0, len);
            g.read(start, gradBlock, 0, len);
            m.read(start, firstBlock, 0, len);
            v.read(start, secondBlock, 0, len);
            if (l2 != 0) {
                // plain L2: d(½λ‖w‖²)/dw = λw
                for (int i = 0; i < len; i++) {
                    gradBlock[i] += l2 * weightBlock[i];
                }
            }
            adamBlock(len, lr);
            w.write(start, weightBlock, 0, len);
            m.write(start, firstBlock, 0, len);
            v.write(start, secondBlock, 0, len);
        }
    }

    /** The touched rows, gathered into blocks (the gradient is already slot-major), updated, scattered back. */
    private void adamSparseFloat(EmbeddingTable table, SparseGradient grad, double lr) {
        Tensor w = table.values();
        Tensor m = table.slot(0);
        Tensor v = table.slot(1);
        int d = table.dim;
        int rowsPerBlock = Math.max(1, ADAM_BLOCK / d);
        adamBlocks(rowsPerBlock * d);
        double lambda = config.lambda();
        RegularizationKind reg = config.regularization();
        int touched = grad.touchedCount();
        for (int first = 0; first < touched; first += rowsPerBlock) {
            int rows = Math.min(rowsPerBlock, touched - first);
            int len = rows * d;
            grad.values().read(first * d, gradBlock, 0, len);
            for (int r = 0; r < rows; r++) {
                int at = grad.touchedRow(first + r) * d;
                w.read(at, weightBlock, r * d, d);
                m.read(at, firstBlock, r * d, d);
                v.read(at, secondBlock, r * d, d);
            }
            if (reg != RegularizationKind.NONE && lambda > 0) {
                // MBA (DIN eq. 7): g_j = (1/|B|)·Σ ∂L/∂w_j + λ·(α_mj / n_j)·w_j ; L2 on touched rows: + λ·w_j
                for (int r = 0; r < rows; r++) {
                    float penalty = (float) (reg == RegularizationKind.MBA
                            ? lambda / table.count(grad.touchedRow(first + r)) : lambda);
                    for (int j = r * d; j < (r + 1) * d; j++) {
                        gradBlock[j] += penalty * weightBlock[j];
                    }
                }
            }
            adamBlock(len, lr);
            for (int r = 0; r < rows; r++) {
                int at = grad.touchedRow(first + r) * d;
                w.write(at, weightBlock, r * d, d);
                m.write(at, firstBlock, r * d, d);
                v.write(at, secondBlock, r * d, d);
            }
        }
    }

    /**
     * m = β₁m + (1−β₁)g ; v = β₂v + (1−β₂)g² ; w −= η·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), written as
     * w −= (η/(1−β₁ᵗ))·m / (√v·(1/√(1−β₂ᵗ)) + ε), over elements [0, len) of the blocks.
     */
    private void adamBlock(int len, double lr) {
        float b1 = (float) config.beta1();
        float b2 = (float) config.beta2();
        float oneMinusB1 = (float) (1 - config.beta1());
        float oneMinusB2 = (float) (1 - config.beta2());
        float stepSize = (float) (lr / biasCorrection1);
        float rootScale = (float) (1 / Math.sqrt(biasCorrection2));
        float eps = (float) config.epsilon();
        float[] g = gradBlock;
        float[] m = firstBlock;
        float[] v = secondBlock;
        float[] w = weightBlock;
        for (int i = 0; i < len; i++) {
            m[i] = b1 * m[i] + oneMinusB1 * g[i];
        }
        for (int i = 0; i < len; i++) {
            v[i] = b2 * v[i] + oneMinusB2 * g[i] * g[i];
        }
        for (int i = 0; i < len; i++) {
            w[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) * rootScale + eps);
        }
    }

    /** w_i ← w_i − η·(rule applied to g), the rule's state at slots[·][si]. */
    private void update(Tensor w, int i, double g, Tensor[] slots, int si, double lr) {
        switch (config.kind()) {
            case SGD -> w.set(i, w.get(i) - lr * g);
            case ADAGRAD -> {
                // G += g² ; w −= η·g/(√G + ε)
                double acc = slots[0].get(si) + g * g;
                slots[0].set(si, acc);
                w.set(i, w.get(i) - lr * g / (Math.sqrt(acc) + config.epsilon()));
            }
            case ADAM -> {
                // m = β₁m + (1−β₁)g ; v = β₂v + (1−β₂)g² ; w −= η·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
                double b1 = config.beta1();
                double b2 = config.beta2();
                double m = b1 * slots[0].get(si) + (1 - b1) * g;
                double v = b2 * slots[1].get(si) + (1 - b2) * g * g;
                slots[0].set(si, m);
                slots[1].set(si, v);
                double mHat = m / biasCorrection1;
                double vHat = v / biasCorrection2;
                w.set(i, w.get(i) - lr * mHat / (Math.sqrt(vHat) + config.epsilon()));
            }
        }
    }

    /**
     * The penalty whose gradient MBA adds for the rows of {@code grad}: Σ_{j ∈ batch} (λ / 2n_j)·‖w_j‖², so that
     * ∂/∂w_j = λ·w_j / n_j. Reported as part of the training loss, and tested against the applied update.
     */
    public static double mbaPenalty(EmbeddingTable table, SparseGradient grad, double lambda) {
        double sum = 0;
        int d = table.dim;
        for (int s = 0; s < grad.touchedCount(); s++) {
            int row = grad.touchedRow(s);
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double w = table.values().get(row * d + j);
                sq += w * w;
            }
            sum += lambda / (2.0 * table.count(row)) * sq;
        }
        return sum;
    }

    /** Drops the accumulated gradients without applying them (a batch with a non-finite loss or gradient). */
    public void discardGradients() {
        for (Param p : params) {
            p.grad().zero();
        }
        for (SparseGradient g : model.sparseGradients()) {
            g.clear();
        }
    }

    /** Whether every accumulated gradient is finite. */
    public boolean gradientsFinite() {
        for (Param p : params) {
            if (!p.grad().allFinite()) {
                return false;
            }
        }
        for (SparseGradient g : model.sparseGradients()) {
            if (!g.allFinite()) {
                return false;
            }
        }
        return true;
    }

    public long steps() {
        return step;
    }

    /** For model files: restores t. */
    public void restoreSteps(long t) {
        step = t;
    }

    /** Per dense parameter (aligned with the model's params()), the optimiser state tensors. */
    public List<Tensor[]> denseSlots() {
        return denseSlots;
    }

    public OptimizerConfig config() {
        return config;
    }
}
