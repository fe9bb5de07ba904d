package io.istream.trainer.eval;

import io.istream.trainer.eval.ExactAuc;
import io.istream.trainer.data.Batch;
import java.util.Arrays;

/**
 * Accumulates (predicted probability, label, group) triples and computes the metrics of docs/model.md: AUC, gAUC
 * (DIN eq. 10), logloss, CTR and the mean prediction.
 *
 * <p>Scores are probabilities (after the sigmoid): logloss needs them, and AUC only needs their order. Labels are
 * 0 or 1. The group is the gAUC key, the user id in every protocol here ({@link Batch#sampleKey}).
 *
 * <p>AUC is {@link ExactAuc}: the Mann-Whitney statistic, where a tie between a positive and a negative counts one
 * half, the same as ranking with average ranks. Triples are kept in primitive growable arrays (17 bytes each), so
 * evaluating Amazon's test split (44,726 samples) or a whole training split costs little. Not thread-safe.
 */
public final class Evaluation {

    /** Logloss clips p to [EPSILON, 1 − EPSILON], so one confident mistake costs at most −log(1e-7) ≈ 16.1. */
    public static final double EPSILON = 1e-7;

    private double[] scores = new double[1024];
    private boolean[] labels = new boolean[1024];
    private long[] groups = new long[1024];
    private int size;

    /** Adds one scored sample. */
    public Evaluation add(double score, double label, long group) {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be a probability in [0, 1], got " + score);
        }
        if (label != 0 && label != 1) {
            throw new IllegalArgumentException("label must be 0 or 1, got " + label);
        }
        if (size == scores.length) {
            int capacity = size * 2;
            scores = Arrays.copyOf(scores, capacity);
            labels = Arrays.copyOf(labels, capacity);
            groups = Arrays.copyOf(groups, capacity);
        }
        scores[size] = score;
        labels[size] = label == 1;
        groups[size] = group;
        size++;
        return this;
    }

    /** Adds a batch's samples: {@code probabilities[b]} is the model's p for sample b (the array may be longer). */
    public Evaluation add(Batch batch, float[] probabilities) {
        requireOnePerSample(batch, probabilities.length);
        for (int b = 0; b < batch.size; b++) {
            add(probabilities[b], batch.label[b], batch.sampleKey[b]);
        }
        return this;
    }

    /** Adds a batch's samples: {@code probabilities[b]} is the model's p for sample b (the array may be longer). */
    public Evaluation add(Batch batch, double[] probabilities) {
        requireOnePerSample(batch, probabilities.length);
        for (int b = 0; b < batch.size; b++) {
            add(probabilities[b], batch.label[b], batch.sampleKey[b]);
        }
        return this;
    }

    public int size() {
        return size;
    }

    /** Forgets every sample, keeping the arrays. */
    public void clear() {
        size = 0;
    }

    /** Every metric at once. */
    public EvaluationResult result() {
        return new EvaluationResult(size, auc(), gauc(), logloss(), ctr(), meanPrediction());
    }

    /** AUC over all samples; NaN without both classes. */
    public double auc() {
        return ExactAuc.of(Arrays.copyOf(scores, size), Arrays.copyOf(labels, size));
    }

    /**
     * gAUC, DIN eq. 10: Σ_g n_g · AUC_g / Σ_g n_g over the groups g with both classes, n_g the group's impressions.
     * A group whose impressions are all one class has no AUC and is skipped, its impressions with it. NaN when no
     * group has both classes.
     */
    public double gauc() {
        // Dense group ordinals by binary search in the sorted distinct keys, then a counting sort: no boxing.
        long[] keys = Arrays.stream(groups, 0, size).sorted().distinct().toArray();
        int[] ordinal = new int[size];
        int[] groupStart = new int[keys.length + 1];
        for (int i = 0; i < size; i++) {
            ordinal[i] = Arrays.binarySearch(keys, groups[i]);
            groupStart[ordinal[i] + 1]++;
        }
        for (int g = 0; g < keys.length; g++) {
            groupStart[g + 1] += groupStart[g];
        }
        int[] byGroup = new int[size];
        int[] next = Arrays.copyOf(groupStart, keys.length);
        for (int i = 0; i < size; i++) {
            byGroup[next[ordinal[i]]++] = i;
        }
        double weightedAuc = 0;
        long weight = 0;
        for (int g = 0; g < keys.length; g++) {
            int n = groupStart[g + 1] - groupStart[g];
            double[] groupScores = new double[n];
            boolean[] groupLabels = new boolean[n];
            int positives = 0;
            for (int j = 0; j < n; j++) {
                int i = byGroup[groupStart[g] + j];
                groupScores[j] = scores[i];
                groupLabels[j] = labels[i];
                positives += labels[i] ? 1 : 0;
            }
            if (positives == 0 || positives == n) {
                continue;
            }
            weightedAuc += n * ExactAuc.of(groupScores, groupLabels);
            weight += n;
        }
        return weight == 0 ? Double.NaN : weightedAuc / weight;
    }

    /** Mean of −[y log p + (1 − y) log(1 − p)], p clipped to [1e-7, 1 − 1e-7]; NaN when empty. */
    public double logloss() {
        if (size == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double p = Math.min(1 - EPSILON, Math.max(EPSILON, scores[i]));
            sum -= labels[i] ? Math.log(p) : Math.log(1 - p);
        }
        return sum / size;
    }

    /** Mean label; NaN when empty. */
    public double ctr() {
        if (size == 0) {
            return Double.NaN;
        }
        int positives = 0;
        for (int i = 0; i < size; i++) {
            positives += labels[i] ? 1 : 0;
        }
        return (double) positives / size;
    }

    /** Mean predicted probability; NaN when empty. */
    public double meanPrediction() {
        if (size == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += scores[i];
        }
        return sum / size;
    }

    private static void requireOnePerSample(Batch batch, int scores) {
        if (scores < batch.size) {
            throw new IllegalArgumentException(scores + " scores for a batch of " + batch.size);
        }
    }
}
