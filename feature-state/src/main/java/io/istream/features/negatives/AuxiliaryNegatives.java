package io.istream.features.negatives;

import java.util.HashSet;
import java.util.Set;
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
        Set<Long> actedOn = new HashSet<>(n * 2 + 1);
        actedOn.add(targetItem);
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
            int slot = -1;
            for (int draw = 0; draw < MAX_DRAWS_PER_STEP && slot < 0; draw++) {
                int candidate = pool.drawSlot(random);
                slot = actedOn.contains(pool.itemAt(candidate)) ? -1 : candidate;
            }
            if (slot < 0) {
                // the user acted on most of the pool: scan from a random start, still popularity-weighted by slot
                int start = pool.drawSlot(random);
                for (int i = 0; i < pool.size() && slot < 0; i++) {
                    int candidate = (start + i) % pool.size();
                    slot = actedOn.contains(pool.itemAt(candidate)) ? -1 : candidate;
                }
            }
            if (slot >= 0) {
                items[step] = pool.itemAt(slot);
                cats[step] = pool.categoryAt(slot);
            }
        }
        return new long[][] {items, cats};
    }
}
