package io.istream.trainer.model;

import io.istream.trainer.data.Batch;
import java.util.SplittableRandom;

/** Small hand-shaped batches for model tests: varied lengths (full, partial, empty), mixed labels. */
final class TestBatches {

    static final int ITEMS = 12;
    static final int CATEGORIES = 4;

    private TestBatches() {
    }

    static Batch batch(int size, int steps, int[] lengths, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Batch b = new Batch(size, steps);
        for (int s = 0; s < size; s++) {
            b.userId[s] = 1 + random.nextInt(5);
            b.sampleKey[s] = b.userId[s];
            b.targetItem[s] = 1 + random.nextInt(ITEMS);
            b.targetCategory[s] = categoryOf(b.targetItem[s]);
            b.label[s] = s % 2;
            b.historyLength[s] = lengths[s % lengths.length];
            for (int t = 0; t < b.historyLength[s]; t++) {
                int k = s * steps + t;
                b.historyItem[k] = 1 + random.nextInt(ITEMS);
                b.historyCategory[k] = categoryOf(b.historyItem[k]);
                b.negativeItem[k] = 1 + random.nextInt(ITEMS);
                b.negativeCategory[k] = categoryOf(b.negativeItem[k]);
            }
        }
        return b;
    }

    static long categoryOf(long item) {
        return 1 + (item % CATEGORIES);
    }
}
