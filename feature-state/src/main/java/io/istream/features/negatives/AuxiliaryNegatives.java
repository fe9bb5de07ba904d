package io.istream.features.negatives;

import java.util.SplittableRandom;

/**
 * Chooses one auxiliary negative per history step for DIEN's auxiliary loss (docs/model.md): an item the user did
 * not act on. Shown-but-not-clicked items come first (newest first, each used once while they last); then items
 * drawn by recent popularity. Never an item in the user's history (so never the true next item), and never the
 * sample's own target item.
 * Deterministic for a given seed, so a replay after recovery chooses the same negatives.
 */
public final class AuxiliaryNegatives {
    /** Item id written when no negative can be found (only at cold start, when the pool holds nothing usable). */
    public static final long NONE = 0L;
    /** Pool draws per history step, spent for the whole sample: bounds the cost when the user acted on the
     * popular items (then fewer distinct negatives are found and reused across steps). */
    private static final int DRAWS_PER_STEP = 4;

    private AuxiliaryNegatives() {
    }

    /**
     * @param targetItem   the sample's candidate item, excluded as well
     * @param historyItems [N] the history the negatives go with
     * @param shownItems   [K] shown-not-clicked items, newest last
     * @param shownCategories [K]
     * @return {items[N], categories[N]}
     */
    public static long[][] choose(long targetItem, long[] historyItems, long[] shownItems, long[] shownCategories, RecentItemPool pool,
                                  long seed) {
        int n = historyItems.length;
        long[] items = new long[n];
        long[] cats = new long[n];
        if (n == 0) {
            return new long[][] {items, cats};
        }
        ItemSet actedOn = new ItemSet(n + 1);
        actedOn.add(targetItem);
        for (long item : historyItems) {
            actedOn.add(item);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int shown = shownItems.length - 1;
        // popularity draws for the steps that shown-not-clicked items do not cover, found once per sample
        long[] drawnItems = new long[n];
        long[] drawnCats = new long[n];
        int drawn = 0;
        int step = 0;
        for (; step < n; step++) {
            while (shown >= 0 && actedOn.contains(shownItems[shown])) {
                shown--;
            }
            if (shown < 0) {
                break;
            }
            items[step] = shownItems[shown];
            cats[step] = shownCategories[shown];
            shown--;
        }
        int needed = n - step;
        for (int draw = 0; draw < needed * DRAWS_PER_STEP && drawn < needed && pool.size() > 0; draw++) {
            int slot = pool.drawSlot(random);
            if (!actedOn.contains(pool.itemAt(slot))) {
                drawnItems[drawn] = pool.itemAt(slot);
                drawnCats[drawn] = pool.categoryAt(slot);
                drawn++;
            }
        }
        for (int k = 0; step < n; step++, k++) {
            // fewer found than needed: reuse them in turn; none found: NONE (only at cold start)
            items[step] = drawn == 0 ? NONE : drawnItems[k % drawn];
            cats[step] = drawn == 0 ? NONE : drawnCats[k % drawn];
        }
        return new long[][] {items, cats};
    }

    /**
     * The items a user acted on, for exclusion: open addressing over a power-of-two table of longs, so a lookup is
     * a hash and a probe or two, without boxing. {@link #NONE} (0) marks an empty slot; real ids are positive.
     */
    static final class ItemSet {
        private final long[] slots;
        private final int mask;

        ItemSet(int expected) {
            int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1; // load factor <= 1/2
            slots = new long[capacity];
            mask = capacity - 1;
        }

        void add(long item) {
            int i = index(item);
            while (slots[i] != NONE && slots[i] != item) {
                i = (i + 1) & mask;
            }
            slots[i] = item;
        }

        boolean contains(long item) {
            for (int i = index(item); slots[i] != NONE; i = (i + 1) & mask) {
                if (slots[i] == item) {
                    return true;
                }
            }
            return false;
        }

        private int index(long item) {
            return (int) ((item * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        }
    }
}
