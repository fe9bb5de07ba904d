package io.istream.trainer.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Mini-batches of a {@link SampleSet}, as {@link Batch}es of at most B samples (the last one may be smaller).
 *
 * <ul>
 *   <li>{@link #shuffled}: training order, a seeded permutation drawn afresh each epoch from {@code seed + epoch},
 *       so a run is reproducible and every epoch sees a different order;</li>
 *   <li>{@link #inOrder}: the set's stored order, for evaluation.</li>
 * </ul>
 * T of a batch is the longest history in it (histories are already capped at maxHistory), at least 1 so that no
 * tensor has a zero-width axis; or, with {@link #withFixedSteps}, a fixed T, as benchmarks want. A history longer
 * than a fixed T keeps its T most recent behaviours. Histories are materialised here, and only here: oldest first,
 * left-aligned, padded with id 0, each auxiliary negative at the step of the behaviour it stands in for, sampleKey =
 * the set's gAUC group key.
 *
 * <p>Batches are built on demand; iterating twice builds them twice. The order array costs 4 bytes a sample.
 */
public final class Batches implements Iterable<Batch> {

    private final SampleSet samples;
    private final int batchSize;     // B
    private final int[] order;       // [N] sample index of each slot, or null for stored order
    private final int fixedSteps;    // T for every batch, or 0 for the longest history in the batch

    private Batches(SampleSet samples, int batchSize, int[] order, int fixedSteps) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.samples = samples;
        this.batchSize = batchSize;
        this.order = order;
        this.fixedSteps = fixedSteps;
    }

    /** Batches in the set's stored order: evaluation, where order does not matter but reproducibility does. */
    public static Batches inOrder(SampleSet samples, int batchSize) {
        return new Batches(samples, batchSize, null, 0);
    }

    /** One training epoch: the samples in a permutation seeded by {@code seed + epoch}. */
    public static Batches shuffled(SampleSet samples, int batchSize, long seed, int epoch) {
        return new Batches(samples, batchSize, shuffledOrder(samples.size(), seed, epoch), 0);
    }

    /** The same batches with every T fixed to {@code steps} (padding shorter histories, cutting longer ones). */
    public Batches withFixedSteps(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("fixed steps must be >= 1, got " + steps);
        }
        return new Batches(samples, batchSize, order, steps);
    }

    /** A Fisher-Yates permutation of 0..n−1 from {@code new SplittableRandom(seed + epoch)}. */
    public static int[] shuffledOrder(int n, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return order;
    }

    /** Number of batches: ⌈N / B⌉. */
    public int count() {
        return (samples.size() + batchSize - 1) / batchSize;
    }

    /** The index-th batch (0-based). */
    public Batch get(int index) {
        if (index < 0 || index >= count()) {
            throw new IndexOutOfBoundsException("batch " + index + " of " + count());
        }
        int from = index * batchSize;
        int to = Math.min(samples.size(), from + batchSize);
        int[] slots = new int[to - from];
        for (int b = 0; b < slots.length; b++) {
            slots[b] = order == null ? from + b : order[from + b];
        }
        return of(samples, slots, fixedSteps);
    }

    @Override
    public Iterator<Batch> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < count();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return get(next++);
            }
        };
    }

    /**
     * The batch of samples {@code indices} of {@code samples}, in that order. {@code steps} is T, or 0 for the
     * longest of their histories (at least 1).
     */
    public static Batch of(SampleSet samples, int[] indices, int steps) {
        int t = steps;
        if (t == 0) {
            t = 1;
            for (int i : indices) {
                t = Math.max(t, samples.historyLength(i));
            }
        }
        Batch batch = new Batch(indices.length, t);
        UserSequences sequences = samples.sequences();
        for (int b = 0; b < indices.length; b++) {
            int i = indices[b];
            batch.userId[b] = samples.userId(i);
            batch.targetItem[b] = samples.targetItem(i);
            batch.targetCategory[b] = samples.targetCategory(i);
            batch.label[b] = samples.label(i);
            batch.sampleKey[b] = samples.groupKey(i);
            int end = samples.end(i);
            int length = Math.min(samples.historyLength(i), t);   // a fixed T keeps the most recent behaviours
            batch.historyLength[b] = length;
            sequences.copyInto(samples.sequence(i), end - length, end, batch, b * t);
        }
        return batch;
    }

    /**
     * A random batch for benchmarks (the reference size is B = 128, T = 100): users 1..B, items uniform in
     * 1..vocabularyItems with category {@code (item − 1) mod vocabularyCategories + 1} (a fixed catalogue, as real
     * data has), each auxiliary negative a different item from its behaviour, labels fair coin flips. With
     * {@code everyStepValid} every history has T steps; otherwise each has a uniform length in 1..T, so masking is
     * exercised.
     */
    public static Batch synthetic(int batchSize, int steps, boolean everyStepValid, long vocabularyItems,
                                  long vocabularyCategories, long seed) {
        if (batchSize < 1 || steps < 1) {
            throw new IllegalArgumentException("need B >= 1 and T >= 1, got " + batchSize + " and " + steps);
        }
        if (vocabularyItems < 2 || vocabularyCategories < 1) {
            throw new IllegalArgumentException("need at least 2 items (a negative differs from its behaviour) and "
                    + "1 category, got " + vocabularyItems + " and " + vocabularyCategories);
        }
        SplittableRandom random = new SplittableRandom(seed);
        Batch batch = new Batch(batchSize, steps);
        for (int b = 0; b < batchSize; b++) {
            batch.userId[b] = b + 1;
            batch.sampleKey[b] = b + 1;
            batch.targetItem[b] = 1 + random.nextLong(vocabularyItems);
            batch.targetCategory[b] = categoryOf(batch.targetItem[b], vocabularyCategories);
            batch.label[b] = random.nextBoolean() ? 1f : 0f;
            int length = everyStepValid ? steps : 1 + random.nextInt(steps);
            batch.historyLength[b] = length;
            for (int t = 0; t < length; t++) {
                int at = b * steps + t;
                long item = 1 + random.nextLong(vocabularyItems);
                long negative = 1 + random.nextLong(vocabularyItems - 1);
                if (negative >= item) {
                    negative++;   // uniform over the other vocabularyItems − 1 items
                }
                batch.historyItem[at] = item;
                batch.historyCategory[at] = categoryOf(item, vocabularyCategories);
                batch.negativeItem[at] = negative;
                batch.negativeCategory[at] = categoryOf(negative, vocabularyCategories);
            }
        }
        return batch;
    }

    private static long categoryOf(long item, long vocabularyCategories) {
        return (item - 1) % vocabularyCategories + 1;
    }
}
