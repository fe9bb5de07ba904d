package io.istream.features.negatives;

import java.util.SplittableRandom;

/**
 * The last {@code capacity} behaviour occurrences seen by one parallel instance. Drawing a uniform slot draws an
 * item with probability proportional to its recent frequency: a popularity sampler that follows the stream
 * (docs/model.md: negatives by popularity, never uniformly over the catalogue). Each instance sees a random share of
 * users (keyBy user), so its pool estimates the global popularity.
 */
public final class RecentItemPool {
    // P = capacity; the first min(count, P) slots are filled
    private final long[] itemIds;      // [P]
    private final long[] categoryIds;  // [P]
    private long count;                // occurrences ever added; the next slot is count % P

    public RecentItemPool(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1");
        }
        itemIds = new long[capacity];
        categoryIds = new long[capacity];
    }

    public void add(long itemId, long categoryId) {
        int slot = (int) (count % itemIds.length);
        itemIds[slot] = itemId;
        categoryIds[slot] = categoryId;
        count++;
    }

    public int size() {
        return (int) Math.min(count, itemIds.length);
    }

    public int capacity() {
        return itemIds.length;
    }

    /** A random filled slot index; call only when size() > 0. */
    public int drawSlot(SplittableRandom random) {
        return random.nextInt(size());
    }

    public long itemAt(int slot) {
        return itemIds[slot];
    }

    public long categoryAt(int slot) {
        return categoryIds[slot];
    }

    /** Oldest first, for checkpoints. */
    public long[][] snapshot() {
        int n = size();
        long[] items = new long[n];
        long[] cats = new long[n];
        long start = count - n;
        for (int i = 0; i < n; i++) {
            int slot = (int) ((start + i) % itemIds.length);
            items[i] = itemIds[slot];
            cats[i] = categoryIds[slot];
        }
        return new long[][] {items, cats};
    }
}
