package io.istream.trainer.eval;

import java.util.Arrays;

/**
 * Area under the ROC curve, exactly: the probability that a random positive scores above a random negative, a tie
 * counting one half (the Mann-Whitney statistic). Exact ties matter here: planted probabilities repeat whenever two
 * impressions show the same item in the same relation to the user.
 */
public final class ExactAuc {

    private ExactAuc() {
    }

    /** O(n log n); NaN when all labels are equal (AUC is undefined without both classes). */
    public static double of(double[] scores, boolean[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
        }
        int positives = 0;
        for (int i = 0; i < scores.length; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("score " + i + " is NaN");
            }
            if (labels[i]) {
                positives++;
            }
        }
        int negatives = scores.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        double[] pos = new double[positives];
        double[] neg = new double[negatives];
        for (int i = 0, p = 0, n = 0; i < scores.length; i++) {
            if (labels[i]) {
                pos[p++] = scores[i];
            } else {
                neg[n++] = scores[i];
            }
        }
        Arrays.sort(pos);
        Arrays.sort(neg);
        // For each positive (ascending), count negatives strictly below it and equal to it with two moving pointers.
        double wins = 0;
        int below = 0;
        int belowOrEqual = 0;
        for (double s : pos) {
            while (below < negatives && neg[below] < s) {
                below++;
            }
            if (belowOrEqual < below) {
                belowOrEqual = below;
            }
            while (belowOrEqual < negatives && neg[belowOrEqual] <= s) {
                belowOrEqual++;
            }
            wins += below + 0.5 * (belowOrEqual - below);
        }
        return wins / ((double) positives * negatives);
    }
}
