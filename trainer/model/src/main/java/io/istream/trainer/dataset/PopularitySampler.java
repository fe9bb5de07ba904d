package io.istream.trainer.dataset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

/**
 * Draws items with probability proportional to how often they occur: the negative sampler of the Amazon protocol
 * and of DIEN's auxiliary loss. Uniform negatives would be mostly long-tail items that are trivially easy to reject;
 * popularity-proportional ones are the items a user plausibly saw and did not pick.
 *
 * <p>A draw is a uniform integer below the total count, located in the cumulative counts by binary search:
 * O(log n) time and one long per item. Items are held in ascending id order, so draws do not depend on the order of
 * the input collection.
 */
public final class PopularitySampler {

    private final long[] itemIds;       // [n] ascending
    private final long[] categoryIds;   // [n]
    private final long[] cumulative;    // [n] cumulative[i] = count[0] + ... + count[i]

    private PopularitySampler(List<ItemPopularity> items) {
        int n = items.size();
        itemIds = new long[n];
        categoryIds = new long[n];
        cumulative = new long[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            ItemPopularity item = items.get(i);
            if (i > 0 && item.itemId() == itemIds[i - 1]) {
                throw new IllegalArgumentException("item " + item.itemId() + " is listed twice");
            }
            itemIds[i] = item.itemId();
            categoryIds[i] = item.categoryId();
            total = Math.addExact(total, item.count());
            cumulative[i] = total;
        }
    }

    public static PopularitySampler of(Collection<ItemPopularity> items) {
        List<ItemPopularity> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingLong(ItemPopularity::itemId));
        return new PopularitySampler(sorted);
    }

    /** A sampler over every item of the log, weighted by its number of rows. */
    public static PopularitySampler of(InteractionLog log) {
        return of(log.itemPopularity());
    }

    /** An item drawn with probability count / totalCount. */
    public ItemPopularity sample(SplittableRandom random) {
        if (itemIds.length == 0) {
            throw new IllegalStateException("cannot sample from an empty item set");
        }
        return itemAt(drawIndex(random));
    }

    /**
     * An item drawn by popularity among those not {@code excluded}: rejection sampling for up to {@code maxTries}
     * draws, which keeps the popularity weighting exact; then, for users who have touched most of the popular items,
     * a deterministic scan forward (wrapping) from one more popularity draw. Empty when every item is excluded.
     */
    public Optional<ItemPopularity> sampleExcluding(SplittableRandom random, LongPredicate excluded, int maxTries) {
        if (itemIds.length == 0) {
            return Optional.empty();
        }
        for (int t = 0; t < maxTries; t++) {
            int i = drawIndex(random);
            if (!excluded.test(itemIds[i])) {
                return Optional.of(itemAt(i));
            }
        }
        int start = drawIndex(random);
        for (int step = 0; step < itemIds.length; step++) {
            int i = (start + step) % itemIds.length;
            if (!excluded.test(itemIds[i])) {
                return Optional.of(itemAt(i));
            }
        }
        return Optional.empty();
    }

    /** The probability that {@link #sample} returns {@code itemId}; 0 for an unknown item. */
    public double probability(long itemId) {
        int i = Arrays.binarySearch(itemIds, itemId);
        return i < 0 ? 0.0 : (double) count(i) / totalCount();
    }

    public int size() {
        return itemIds.length;
    }

    public long totalCount() {
        return itemIds.length == 0 ? 0 : cumulative[cumulative.length - 1];
    }

    /** Index of the first cumulative count above a uniform draw in [0, total). */
    private int drawIndex(SplittableRandom random) {
        long r = random.nextLong(totalCount());
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > r) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private long count(int i) {
        return i == 0 ? cumulative[0] : cumulative[i] - cumulative[i - 1];
    }

    private ItemPopularity itemAt(int i) {
        return new ItemPopularity(itemIds[i], categoryIds[i], count(i));
    }
}
