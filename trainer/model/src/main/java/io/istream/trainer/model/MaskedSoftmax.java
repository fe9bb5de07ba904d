package io.istream.trainer.model;

/**
 * Softmax over each sample's valid steps: a_t = exp(s_t) / Σ_{valid s} exp(s_s), and a_t = 0 on padding. A sample
 * with no valid step gets all zeros. Layout is time-major ([T·B, 1], row t·B + b).
 */
public final class MaskedSoftmax {

    private MaskedSoftmax() {
    }

    public static void forward(Tensor scores, int batch, int steps, int[] lengths, Tensor out) {
        for (int b = 0; b < batch; b++) {
            int n = Math.min(lengths[b], steps);
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) {
                max = Math.max(max, scores.get(t * batch + b));
            }
            // one exp per step: e_t kept in out, then divided by their sum
            double sum = 0;
            for (int t = 0; t < n; t++) {
                int row = t * batch + b;
                double e = Math.exp(scores.get(row) - max);
                out.set(row, e);
                sum += e;
            }
            for (int t = 0; t < steps; t++) {
                int row = t * batch + b;
                out.set(row, t < n ? out.get(row) / sum : 0);
            }
        }
    }

    /** dL/ds_t = a_t·(dL/da_t − Σ_s a_s·dL/da_s) on valid steps, 0 on padding. */
    public static void backward(Tensor weights, Tensor dWeights, int batch, int steps, int[] lengths,
                                Tensor dScores) {
        for (int b = 0; b < batch; b++) {
            int n = Math.min(lengths[b], steps);
            double dot = 0;
            for (int t = 0; t < n; t++) {
                int row = t * batch + b;
                dot += weights.get(row) * dWeights.get(row);
            }
            for (int t = 0; t < steps; t++) {
                int row = t * batch + b;
                dScores.set(row, t < n ? weights.get(row) * (dWeights.get(row) - dot) : 0);
            }
        }
    }
}
