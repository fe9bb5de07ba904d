package io.istream.trainer.model;

/** Which statistics Dice normalises with in training; at inference it always uses its moving averages. */
public enum DiceStatistics {
    /**
     * The batch's own E and Var, the gradient flowing through them (DIN eq. 9, as batch normalisation). Training and
     * inference then agree only when batches are drawn like the population; batches grouped by history length are
     * not, and the head learns a normalisation that inference does not apply (docs/results.md, "Dice").
     */
    BATCH,
    /**
     * The moving averages, in training as at inference: one function in both, whatever a batch holds. The batch's
     * statistics only update the averages; the first training batch sets them.
     */
    MOVING
}
