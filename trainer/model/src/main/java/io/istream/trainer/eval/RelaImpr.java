package io.istream.trainer.eval;

/**
 * Relative improvement over a base model (DIN paper, section 6.4):
 * RelaImpr = (AUC(model) − 0.5) / (AUC(base) − 0.5) − 1. Measuring from 0.5, the AUC of a random guess, makes
 * gains comparable across datasets whose AUCs sit at different heights.
 */
public final class RelaImpr {

    private RelaImpr() {
    }

    /** The model's relative improvement over the base; NaN if either AUC is NaN. */
    public static double of(double aucModel, double aucBase) {
        if (aucBase == 0.5) {
            throw new IllegalArgumentException("RelaImpr is undefined against a base AUC of exactly 0.5");
        }
        return (aucModel - 0.5) / (aucBase - 0.5) - 1;
    }
}
