package io.istream.trainer.data;

import io.istream.trainer.dataset.Interaction;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The items one user acted on anywhere in their sequence: what a sampled negative must never be. "Anywhere", not
 * "so far", as in the papers' preprocessing and {@link io.istream.trainer.dataset.ReviewProtocol}: an item the
 * user reviews later would be a false negative. A sorted array and binary search: no boxing, a few compares.
 */
final class ActedOnItems implements LongPredicate {

    private final long[] sortedItems;

    private ActedOnItems(long[] sortedItems) {
        this.sortedItems = sortedItems;
    }

    static ActedOnItems of(List<Interaction> sequence) {
        return new ActedOnItems(sequence.stream().mapToLong(Interaction::itemId).sorted().distinct().toArray());
    }

    static ActedOnItems of(long[] items) {
        return new ActedOnItems(Arrays.stream(items).sorted().distinct().toArray());
    }

    @Override
    public boolean test(long item) {
        return Arrays.binarySearch(sortedItems, item) >= 0;
    }
}
