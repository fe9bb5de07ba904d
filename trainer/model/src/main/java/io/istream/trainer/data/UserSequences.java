package io.istream.trainer.data;

import java.util.Arrays;

/**
 * Every user's behaviour sequence, stored once per dataset: item and category ids in time order, with an auxiliary
 * negative (item, category) aligned with each position for DIEN's auxiliary loss.
 *
 * <p>A {@link SampleSet} never copies a history: a sample names its user's sequence and an end position, and its
 * history is the last ≤ maxHistory positions strictly before that end. The train, validation and test splits of a
 * dataset share one instance, so Amazon Beauty's 198,502 reviews cost four longs each, once.
 *
 * <p>Flat layout: sequence s occupies positions {@code [start(s), start(s + 1))} of the column arrays. An auxiliary
 * negative of 0 means none could be found (padding id, masked by the model's auxiliary loss like a missing step).
 */
public final class UserSequences {

    private final long[] userIds;            // [S] user id of sequence s
    private final int[] starts;              // [S + 1] sequence s is at [starts[s], starts[s + 1])
    private final long[] items;              // [P] behaviour item ids, P = total positions
    private final long[] categories;         // [P]
    private final long[] negativeItems;      // [P] auxiliary negative in place of the behaviour, 0 = none
    private final long[] negativeCategories; // [P]

    private UserSequences(long[] userIds, int[] starts, long[] items, long[] categories, long[] negativeItems,
                          long[] negativeCategories) {
        this.userIds = userIds;
        this.starts = starts;
        this.items = items;
        this.categories = categories;
        this.negativeItems = negativeItems;
        this.negativeCategories = negativeCategories;
    }

    /**
     * Wraps the columns without copying them; the caller hands them over and must not change them afterwards.
     * Checks the layout and that every behaviour id is positive and no auxiliary negative equals its behaviour.
     */
    public static UserSequences of(long[] userIds, int[] starts, long[] items, long[] categories,
                                   long[] negativeItems, long[] negativeCategories) {
        int positions = items.length;
        if (starts.length != userIds.length + 1 || starts[0] != 0 || starts[userIds.length] != positions) {
            throw new IllegalArgumentException("starts must have one entry per sequence plus one, from 0 to "
                    + positions + ", got " + starts.length + " entries for " + userIds.length + " sequences");
        }
        if (categories.length != positions || negativeItems.length != positions
                || negativeCategories.length != positions) {
            throw new IllegalArgumentException("every column needs " + positions + " positions");
        }
        for (int s = 0; s < userIds.length; s++) {
            if (userIds[s] < 1) {
                throw new IllegalArgumentException("sequence " + s + " has user id " + userIds[s]);
            }
            if (starts[s + 1] < starts[s]) {
                throw new IllegalArgumentException("starts must not decrease, sequence " + s);
            }
        }
        for (int p = 0; p < positions; p++) {
            if (items[p] < 1 || categories[p] < 1) {
                throw new IllegalArgumentException("position " + p + " has item " + items[p] + ", category "
                        + categories[p] + ": behaviour ids must be positive (0 is padding)");
            }
            if (negativeItems[p] < 0 || negativeCategories[p] < 0
                    || (negativeItems[p] == 0) != (negativeCategories[p] == 0)) {
                throw new IllegalArgumentException("position " + p + " has auxiliary negative " + negativeItems[p]
                        + " / category " + negativeCategories[p] + ": both positive, or both 0 for none");
            }
            if (negativeItems[p] == items[p]) {
                throw new IllegalArgumentException("position " + p + ": the auxiliary negative is the true item "
                        + items[p]);
            }
        }
        return new UserSequences(userIds, starts, items, categories, negativeItems, negativeCategories);
    }

    /** Number of sequences (users). */
    public int size() {
        return userIds.length;
    }

    /** Total positions over all sequences. */
    public int positions() {
        return items.length;
    }

    public long userId(int sequence) {
        return userIds[sequence];
    }

    public int length(int sequence) {
        return starts[sequence + 1] - starts[sequence];
    }

    /** Flat index of position 0 of {@code sequence}: position k is at {@code start(sequence) + k}. */
    public int start(int sequence) {
        return starts[sequence];
    }

    public long item(int sequence, int position) {
        return items[flat(sequence, position)];
    }

    public long category(int sequence, int position) {
        return categories[flat(sequence, position)];
    }

    public long negativeItem(int sequence, int position) {
        return negativeItems[flat(sequence, position)];
    }

    public long negativeCategory(int sequence, int position) {
        return negativeCategories[flat(sequence, position)];
    }

    /** The sequence's item ids, a copy (for tests and inspection, not the batch path). */
    public long[] items(int sequence) {
        return Arrays.copyOfRange(items, starts[sequence], starts[sequence + 1]);
    }

    /** The sequence's auxiliary negative item ids, a copy. */
    public long[] negativeItems(int sequence) {
        return Arrays.copyOfRange(negativeItems, starts[sequence], starts[sequence + 1]);
    }

    /**
     * Copies positions {@code [from, to)} of {@code sequence} into a batch's rows starting at {@code offset}: the
     * one place a history is materialised.
     */
    void copyInto(int sequence, int from, int to, Batch batch, int offset) {
        int src = starts[sequence] + from;
        int n = to - from;
        System.arraycopy(items, src, batch.historyItem, offset, n);
        System.arraycopy(categories, src, batch.historyCategory, offset, n);
        System.arraycopy(negativeItems, src, batch.negativeItem, offset, n);
        System.arraycopy(negativeCategories, src, batch.negativeCategory, offset, n);
    }

    private int flat(int sequence, int position) {
        if (position < 0 || position >= length(sequence)) {
            throw new IndexOutOfBoundsException("position " + position + " of sequence " + sequence + " (length "
                    + length(sequence) + ")");
        }
        return starts[sequence] + position;
    }
}
