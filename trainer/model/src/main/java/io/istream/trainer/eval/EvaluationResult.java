package io.istream.trainer.eval;

import java.util.Locale;

/**
 * The metrics of one evaluation (docs/model.md, "Metrics"), immutable.
 *
 * @param samples        number of scored samples
 * @param auc            AUC over all samples, ties counting one half; NaN without both classes
 * @param gauc           DIN eq. 10: impression-weighted mean of per-group AUC over groups with both classes; NaN if
 *                       no group has both
 * @param logloss        mean binary cross-entropy, p clipped to [1e-7, 1 − 1e-7]; NaN when empty
 * @param ctr            mean label
 * @param meanPrediction mean predicted probability; compare with ctr for calibration
 */
public record EvaluationResult(long samples, double auc, double gauc, double logloss, double ctr,
                               double meanPrediction) {

    /** One line for logs. */
    public String summary() {
        return String.format(Locale.ROOT, "n=%,d AUC=%.4f gAUC=%.4f logloss=%.4f CTR=%.4f meanP=%.4f",
                samples, auc, gauc, logloss, ctr, meanPrediction);
    }
}
