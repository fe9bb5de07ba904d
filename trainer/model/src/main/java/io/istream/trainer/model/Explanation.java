package io.istream.trainer.model;

/**
 * What one inference pass rests on, per sample of the batch (see {@link CtrModel#explain}).
 *
 * @param probabilities   pCTR σ(z) [B]
 * @param attention       attention weight of each valid behaviour, oldest first [B][len_b]; empty rows for the base
 *                        model, which has no attention
 * @param evolvingStates  DIEN's interest-evolving state h'_t after each valid behaviour [B][len_b][H]; null unless
 *                        the model is DIEN
 */
public record Explanation(double[] probabilities, double[][] attention, double[][][] evolvingStates) {

    /**
     * From the tensors of a forward pass.
     *
     * @param weights        attention weights [T·B, 1], time-major, or null (base model)
     * @param evolvingStates h' [T·B, H], every step kept, or null (not DIEN)
     * @param lengths        valid steps per sample [B]
     */
    static Explanation of(double[] probabilities, Tensor weights, Tensor evolvingStates, int[] lengths, int batch,
                          int hidden) {
        double[][] attention = new double[batch][];
        double[][][] states = evolvingStates != null ? new double[batch][][] : null;
        for (int s = 0; s < batch; s++) {
            int len = lengths[s];
            attention[s] = new double[weights == null ? 0 : len];
            if (states != null) {
                states[s] = new double[len][hidden];
            }
            for (int t = 0; t < len; t++) {
                int row = t * batch + s;
                if (weights != null) {
                    attention[s][t] = weights.get(row);
                }
                if (states != null) {
                    for (int j = 0; j < hidden; j++) {
                        states[s][t][j] = evolvingStates.get(row * hidden + j);
                    }
                }
            }
        }
        return new Explanation(probabilities.clone(), attention, states);
    }
}
