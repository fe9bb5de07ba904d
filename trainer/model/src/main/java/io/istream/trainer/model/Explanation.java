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
}
