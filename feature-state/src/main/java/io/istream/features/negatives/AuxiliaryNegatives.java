package io.istream.features.negatives;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Chooses one auxiliary negative per history step for DIEN's auxiliary loss (MODEL.md): an item the user did
 * not act on. Shown-but-not-clicked items come first (newest first, each used once while they last); then items
 * drawn by recent popularity. Never an item in the user's history, so never the true next item.
 * Deterministic for a given seed, so a replay after recovery chooses the same negatives.
 */
public final class AuxiliaryNegatives {
    /** Item id written when no negative can be found (only at cold start, when the pool holds nothing usable). */
    public static final long NONE = 0L;
    private static final int MAX_DRAWS_PER_STEP = 16;

    private AuxiliaryNegatives() {
    }

    /**
     * @param historyItems [N] the history the negatives go with
     * @param shownItems   [K] shown-not-clicked items, newest last
     * @param shownCategories [K]
     * @return {items[N], categories[N]}
     */
    public static long[][] choose(long[] historyItems, long[] shownItems, long[] shownCategories, RecentItemPool pool,
                                  long seed) {
        int n = historyItems.length;
        long[] items = new long[n];
        long[] cats = new long[n];
        if (n == 0) {
            return new long[][] {items, cats};
        }
        Set<Long> actedOn = new HashSet<>(n * 2);
        for (long item : historyItems) {
            actedOn.add(item);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int shown = shownItems.length - 1;
        for (int step = 0; step < n; step++) {
            while (shown >= 0 && actedOn.contains(shownItems[shown])) {
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
            for (int draw = 0; draw < MAX_DRAWS_PER_STEP; draw++) {
                int slot = pool.drawSlot(random);
                if (!actedOn.contains(pool.itemAt(slot))) {
                    items[step] = pool.itemAt(slot);
                    cats[step] = pool.categoryAt(slot);
                    break;
                }
            }
        }
        return new long[][] {items, cats};
    }
}
