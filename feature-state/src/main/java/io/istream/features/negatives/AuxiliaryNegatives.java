package io.istream.features.negatives;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses one auxiliary negative per history step for DIEN's auxiliary loss (MODEL.md): an item the user did
 * not act on. Shown-but-not-clicked items come first (newest first, each used once while they last); then items
 * drawn by recent popularity. Never an item in the user's history (so never the true next item), and never the
 * sample's own target item.
 * Deterministic for a given seed, so a replay after recovery chooses the same negatives.
 */
public final class AuxiliaryNegatives {
    /** Item id written when no negative can be found (only at cold start, when the pool holds nothing usable). */
    public static final long NONE = 0L;
    private static final int MAX_DRAWS_PER_STEP = 16;
    /** Slots scanned after the draws fail; bounded so a user who acted on the popular items costs no more. */
    private static final int MAX_SCAN_PER_STEP = 256;

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
        // sorted copy + binary search: no boxing, and histories are at most a few hundred items
        long[] actedOn = Arrays.copyOf(historyItems, n + 1);
        actedOn[n] = targetItem;
        Arrays.sort(actedOn);
        SplittableRandom random = new SplittableRandom(seed);
        int shown = shownItems.length - 1;
        for (int step = 0; step < n; step++) {
            while (shown >= 0 && contains(actedOn, shownItems[shown])) {
                shown--;
            }
            if (shown >= 0) {
                items[step] = shownItems[shown];
                cats[step] = shownCategories[shown];
                shown--;
                continue;
            }
            items[step] = NONE;
            cats[step] = NONE;
            if (pool.size() == 0) {
                continue;
            }
            int slot = -1;
            for (int draw = 0; draw < MAX_DRAWS_PER_STEP && slot < 0; draw++) {
                int candidate = pool.drawSlot(random);
                slot = contains(actedOn, pool.itemAt(candidate)) ? -1 : candidate;
            }
            if (slot < 0) {
                // the user acted on the popular items: scan a bounded run from a random start
                int start = pool.drawSlot(random);
                for (int i = 0; i < Math.min(pool.size(), MAX_SCAN_PER_STEP) && slot < 0; i++) {
                    int candidate = (start + i) % pool.size();
                    slot = contains(actedOn, pool.itemAt(candidate)) ? -1 : candidate;
                }
            }
            if (slot >= 0) {
                items[step] = pool.itemAt(slot);
                cats[step] = pool.categoryAt(slot);
            } else if (step > 0 && items[step - 1] != NONE) {
                // still an item the user did not act on: repeat the previous step's negative
                items[step] = items[step - 1];
                cats[step] = cats[step - 1];
            }
        }
        return new long[][] {items, cats};
    }

    private static boolean contains(long[] sorted, long item) {
        return Arrays.binarySearch(sorted, item) >= 0;
    }
}
