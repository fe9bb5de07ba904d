package io.istream.trainer.model;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Dice (DIN eq. 9): f(s) = p(s)·s + (1 − p(s))·α·s with p(s) = σ((s − E[s]) / √(Var[s] + ε)), per channel.
 *
 * <p>With {@link DiceStatistics#BATCH} (the paper's), in training E and Var are the batch's statistics and the
 * gradient flows through them (as in batch normalisation); the moving averages they feed are used at inference, so a
 * single request scores as it would inside any batch. (The reference code used batch statistics at evaluation too:
 * docs/model.md, "Traps".) With {@link DiceStatistics#MOVING}, training normalises with the moving averages too, so
 * training and inference compute the same function whatever the batch holds; the batch's statistics only update the
 * averages (the first training batch sets them).
 */
public final class Dice extends Activation {

    public static final double EPSILON = 1e-8;
    public static final double MOMENTUM = 0.99;

    final Tensor movingMean;   // [1, C] inference E[s]
    final Tensor movingVar;    // [1, C] inference Var[s]
    private DiceStatistics statistics = DiceStatistics.BATCH;
    private long updates;      // training batches folded into the moving averages
    private boolean frozen;    // training forwards leave the moving averages as they are
    private double[] mean = new double[0];      // [C] of the last forward
    private double[] invStd = new double[0];    // [C] 1/√(Var + ε) of the last forward
    private Tensor normalised;                  // ŝ [N, C]
    private Tensor gate;                        // p = σ(ŝ) [N, C]
    private boolean lastBatchStatistics;   // the last forward normalised with its batch's E and Var

    Dice(String name, DataType type, int channels) {
        super(name, type, ActivationKind.DICE, channels);
        movingMean = Tensor.zeros(type, 1, channels);
        movingVar = Tensor.zeros(type, 1, channels);
        movingVar.fill(1.0);
    }

    /** Which statistics normalise in training ({@link DiceStatistics}). */
    void statistics(DiceStatistics kind) {
        statistics = kind;
    }

    /** Training forwards stop updating the moving averages (gradient checks of {@link DiceStatistics#MOVING}). */
    void freezeStatistics(boolean on) {
        frozen = on;
    }

    /** Training batches folded into the moving averages so far (model files keep it). */
    public long updates() {
        return updates;
    }

    void restoreUpdates(long n) {
        updates = n;
    }

    @Override
    public Tensor forward(Tensor s, boolean training) {
        input = s;
        int n = s.rows;
        int c = channels;
        output = Tensor.reuse(output, s.type(), n, c);
        normalised = Tensor.reuse(normalised, s.type(), n, c);
        gate = Tensor.reuse(gate, s.type(), n, c);
        if (mean.length != c) {
            mean = new double[c];
            invStd = new double[c];
        }
        boolean movingInTraining = training && statistics == DiceStatistics.MOVING;
        lastBatchStatistics = training && !movingInTraining;   // whether the gradient flows through E and Var
        if (movingInTraining && n > 0) {
            // E and Var: the moving averages before this batch (the first batch's own when there are none yet)
            boolean first = updates == 0;
            for (int j = 0; j < c; j++) {
                double mu = 0;
                for (int r = 0; r < n; r++) {
                    mu += s.get(r * c + j);
                }
                mu /= n;
                double sq = 0;
                for (int r = 0; r < n; r++) {
                    double d = s.get(r * c + j) - mu;
                    sq += d * d;
                }
                double var = sq / n;
                if (first && !frozen) {
                    movingMean.set(j, mu);
                    movingVar.set(j, var);
                }
                mean[j] = movingMean.get(j);
                invStd[j] = 1 / Math.sqrt(movingVar.get(j) + EPSILON);
                if (!frozen) {
                    movingMean.set(j, MOMENTUM * movingMean.get(j) + (1 - MOMENTUM) * mu);
                    movingVar.set(j, MOMENTUM * movingVar.get(j) + (1 - MOMENTUM) * var);
                }
            }
            if (!frozen) {
                updates++;
            }
        } else if (training && n > 0) {
            if (!frozen) {
                updates++;
            }
            for (int j = 0; j < c; j++) {
                double sum = 0;
                for (int r = 0; r < n; r++) {
                    sum += s.get(r * c + j);
                }
                double mu = sum / n;
                double sq = 0;
                for (int r = 0; r < n; r++) {
                    double d = s.get(r * c + j) - mu;
                    sq += d * d;
                }
                double var = sq / n;
                mean[j] = mu;
                invStd[j] = 1 / Math.sqrt(var + EPSILON);
                if (!frozen) {
                    movingMean.set(j, MOMENTUM * movingMean.get(j) + (1 - MOMENTUM) * mu);
                    movingVar.set(j, MOMENTUM * movingVar.get(j) + (1 - MOMENTUM) * var);
                }
            }
        } else {
            for (int j = 0; j < c; j++) {
                mean[j] = movingMean.get(j);
                invStd[j] = 1 / Math.sqrt(movingVar.get(j) + EPSILON);
            }
        }
        Tensor a = alpha.value();
        if (floatKernels(s)) {
            forwardFloat(s, n, c, a);
            return output;
        }
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < c; j++) {
                int i = r * c + j;
                double v = s.get(i);
                double z = (v - mean[j]) * invStd[j];
                double p = sigmoid(z);
                normalised.set(i, z);
                gate.set(i, p);
                double al = a.get(j);
                output.set(i, v * (al + (1 - al) * p));
            }
        }
        return output;
    }

    // FLOAT: the per-channel E, 1/√(Var + ε) and α tiled to [N, C] planes, so that every array of the element loop
    // shares one index and the JIT vectorises it (with scalar σ and get/set it was 0.6 ms of a 200-candidate request)
    private float[] values = new float[0];
    private float[] meanPlane = new float[0];
    private float[] invStdPlane = new float[0];
    private float[] alphaPlane = new float[0];
    private float[] zPlane = new float[0];
    private float[] pPlane = new float[0];
    private float[] outPlane = new float[0];

    /** ŝ = (s − E)·invStd ; p = σ(ŝ) ; f = s·(α + (1 − α)·p), over [N, C] in float[] blocks. */
    private void forwardFloat(Tensor s, int n, int c, Tensor a) {
        int size = n * c;
        if (values.length < size) {
            values = new float[size];
            meanPlane = new float[size];
            invStdPlane = new float[size];
            alphaPlane = new float[size];
            zPlane = new float[size];
            pPlane = new float[size];
            outPlane = new float[size];
        }
        s.read(0, values, 0, size);
        for (int j = 0; j < c; j++) {
            meanPlane[j] = (float) mean[j];
            invStdPlane[j] = (float) invStd[j];
            alphaPlane[j] = (float) a.get(j);
        }
        FloatKernels.tile(meanPlane, c, n, meanPlane);
        FloatKernels.tile(invStdPlane, c, n, invStdPlane);
        FloatKernels.tile(alphaPlane, c, n, alphaPlane);
        // three loops, not one: a loop that stores both ŝ and σ(ŝ) is not vectorised (8 against 1 ns an element)
        for (int k = 0; k < size; k++) {
            zPlane[k] = (values[k] - meanPlane[k]) * invStdPlane[k];
        }
        for (int k = 0; k < size; k++) {
            pPlane[k] = FloatKernels.sigmoid(zPlane[k]);
        }
        for (int k = 0; k < size; k++) {
            float al = alphaPlane[k];
            outPlane[k] = values[k] * (al + (1 - al) * pPlane[k]);
        }
        normalised.write(0, zPlane, 0, size);
        gate.write(0, pPlane, 0, size);
        output.write(0, outPlane, 0, size);
    }

    @Override
    public Tensor backward(Tensor dy) {
        int n = dy.rows;
        int c = channels;
        dInput = Tensor.reuse(dInput, dy.type(), n, c);
        Tensor a = alpha.value();
        Tensor da = alpha.grad();
        if (floatKernels(dy) && floatKernels(input)) {
            backwardFloat(dy, n, c, da);
            return dInput;
        }
        for (int j = 0; j < c; j++) {
            double al = a.get(j);
            // f = s·(α + (1 − α)·p):  ∂f/∂s|_p = α + (1 − α)·p ;  ∂f/∂p = s·(1 − α) ;  ∂f/∂α = s·(1 − p)
            // dŝ = dL/dp · p(1 − p)
            double sumDz = 0;
            double sumDzZ = 0;
            for (int r = 0; r < n; r++) {
                int i = r * c + j;
                double v = input.get(i);
                double p = gate.get(i);
                double g = dy.get(i);
                double dz = g * v * (1 - al) * p * (1 - p);
                dInput.set(i, g * (al + (1 - al) * p) + (lastBatchStatistics ? 0 : dz * invStd[j]));
                da.add(j, g * v * (1 - p));
                if (lastBatchStatistics) {
                    sumDz += dz;
                    sumDzZ += dz * normalised.get(i);
                }
            }
            if (lastBatchStatistics) {
                // dŝ is recomputed rather than stored: one more multiply per element, no [N, C] buffer
                // batch-norm backward through E and Var:
                // dL/ds_r += (1/σ)·(dŝ_r − mean(dŝ) − ŝ_r·mean(dŝ·ŝ))
                double meanDz = sumDz / n;
                double meanDzZ = sumDzZ / n;
                for (int r = 0; r < n; r++) {
                    int i = r * c + j;
                    double v = input.get(i);
                    double p = gate.get(i);
                    double z = normalised.get(i);
                    double dz = dy.get(i) * v * (1 - al) * p * (1 - p);
                    dInput.add(i, invStd[j] * (dz - meanDz - z * meanDzZ));
                }
            }
        }
        return dInput;
    }

    // FLOAT backward over the forward's [N, C] planes (s, α, 1/σ, ŝ, p of the last forward), one stored array a loop
    private float[] dyPlane = new float[0];
    private float[] dzPlane = new float[0];        // dŝ
    private float[] dInPlane = new float[0];
    private float[] termPlane = new float[0];      // dy·s·(1 − p), then dŝ·ŝ: summed per channel
    private float[] meanDzPlane = new float[0];
    private float[] meanDzZPlane = new float[0];

    private void backwardFloat(Tensor dy, int n, int c, Tensor da) {
        int size = n * c;
        if (dyPlane.length < size) {
            dyPlane = new float[size];
            dzPlane = new float[size];
            dInPlane = new float[size];
            termPlane = new float[size];
            meanDzPlane = new float[size];
            meanDzZPlane = new float[size];
        }
        dy.read(0, dyPlane, 0, size);
        // dŝ = dL/dp · p(1 − p), dL/dp = dy·s·(1 − α)
        for (int k = 0; k < size; k++) {
            dzPlane[k] = dyPlane[k] * values[k] * (1 - alphaPlane[k]) * pPlane[k] * (1 - pPlane[k]);
        }
        // ∂f/∂s at fixed p = α + (1 − α)·p ; at inference E and Var are constants, so + dŝ/σ
        for (int k = 0; k < size; k++) {
            dInPlane[k] = dyPlane[k] * (alphaPlane[k] + (1 - alphaPlane[k]) * pPlane[k]);
        }
        if (!lastBatchStatistics) {
            for (int k = 0; k < size; k++) {
                dInPlane[k] += dzPlane[k] * invStdPlane[k];
            }
        }
        // ∂f/∂α = s·(1 − p), summed over rows per channel
        for (int k = 0; k < size; k++) {
            termPlane[k] = dyPlane[k] * values[k] * (1 - pPlane[k]);
        }
        double[] alphaGrad = columnSums(termPlane, n, c);
        for (int j = 0; j < c; j++) {
            da.add(j, alphaGrad[j]);
        }
        if (lastBatchStatistics && n > 0) {
            // batch-norm backward through E and Var: dL/ds_r += (1/σ)·(dŝ_r − mean(dŝ) − ŝ_r·mean(dŝ·ŝ))
            double[] sumDz = columnSums(dzPlane, n, c);
            for (int k = 0; k < size; k++) {
                termPlane[k] = dzPlane[k] * zPlane[k];
            }
            double[] sumDzZ = columnSums(termPlane, n, c);
            for (int j = 0; j < c; j++) {
                meanDzPlane[j] = (float) (sumDz[j] / n);
                meanDzZPlane[j] = (float) (sumDzZ[j] / n);
            }
            FloatKernels.tile(meanDzPlane, c, n, meanDzPlane);
            FloatKernels.tile(meanDzZPlane, c, n, meanDzZPlane);
            for (int k = 0; k < size; k++) {
                dInPlane[k] += invStdPlane[k] * (dzPlane[k] - meanDzPlane[k] - zPlane[k] * meanDzZPlane[k]);
            }
        }
        dInput.write(0, dInPlane, 0, size);
    }

    /** Σ_r plane[r·c + j] for each channel j, accumulated in double. */
    private static double[] columnSums(float[] plane, int n, int c) {
        double[] sums = new double[c];
        for (int r = 0; r < n; r++) {
            int base = r * c;
            for (int j = 0; j < c; j++) {
                sums[j] += plane[base + j];
            }
        }
        return sums;
    }

    public Tensor movingMean() {
        return movingMean;
    }

    public Tensor movingVar() {
        return movingVar;
    }
}
