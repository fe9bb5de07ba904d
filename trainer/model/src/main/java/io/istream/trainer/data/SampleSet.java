package io.istream.trainer.data;

import java.util.Arrays;
import java.util.Locale;

/**
 * The labelled samples of one split (train, validation or test) as a column store.
 *
 * <p>A sample does not own its history. It names a sequence of the dataset's {@link UserSequences} and an end
 * position: its history is the last ≤ {@link #maxHistory()} positions strictly before {@code end}, oldest first.
 * For the Amazon and MovieLens protocols {@code end} is the target's own position (history = everything before it);
 * for the synthetic one it is one past the behaviour that precedes the impression. Nothing at or after {@code end}
 * can reach the sample, which is what keeps later behaviour from leaking into a label.
 *
 * <p>Per sample: the candidate (item, category), the label (0 or 1), the gAUC group key (the user id for every
 * protocol here), and for synthetic data the planted click probability ({@code NaN} elsewhere). About 36 bytes a
 * sample, whatever the history length.
 */
public final class SampleSet {

    private final String name;
    private final UserSequences sequences;
    private final int maxHistory;
    private final int size;
    private final int[] sequence;          // [N] index into sequences
    private final int[] end;               // [N] history = positions [max(0, end − maxHistory), end)
    private final long[] targetItem;       // [N]
    private final long[] targetCategory;   // [N]
    private final float[] label;           // [N] 0 or 1
    private final long[] groupKey;         // [N] gAUC group
    private final double[] planted;        // [N] planted click probability, or null when the data has none

    private SampleSet(Builder b) {
        this.name = b.name;
        this.sequences = b.sequences;
        this.maxHistory = b.maxHistory;
        this.size = b.size;
        this.sequence = Arrays.copyOf(b.sequence, size);
        this.end = Arrays.copyOf(b.end, size);
        this.targetItem = Arrays.copyOf(b.targetItem, size);
        this.targetCategory = Arrays.copyOf(b.targetCategory, size);
        this.label = Arrays.copyOf(b.label, size);
        this.groupKey = Arrays.copyOf(b.groupKey, size);
        this.planted = b.planted == null ? null : Arrays.copyOf(b.planted, size);
    }

    public static Builder builder(String name, UserSequences sequences, int maxHistory) {
        return new Builder(name, sequences, maxHistory);
    }

    /** The split's name, e.g. "train". */
    public String name() {
        return name;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The sequences every sample's history is read from (shared by the dataset's splits). */
    public UserSequences sequences() {
        return sequences;
    }

    /** T cap: the most behaviours a history holds. */
    public int maxHistory() {
        return maxHistory;
    }

    /** Index of sample i's sequence in {@link #sequences()}. */
    public int sequence(int i) {
        return sequence[i];
    }

    /** Exclusive end position of sample i's history in its sequence. */
    public int end(int i) {
        return end[i];
    }

    /** First history position of sample i: the most recent {@link #maxHistory()} are kept. */
    public int historyStart(int i) {
        return Math.max(0, end[i] - maxHistory);
    }

    public int historyLength(int i) {
        return end[i] - historyStart(i);
    }

    public long userId(int i) {
        return sequences.userId(sequence[i]);
    }

    public long targetItem(int i) {
        return targetItem[i];
    }

    public long targetCategory(int i) {
        return targetCategory[i];
    }

    public float label(int i) {
        return label[i];
    }

    public long groupKey(int i) {
        return groupKey[i];
    }

    public boolean hasPlantedProbabilities() {
        return planted != null;
    }

    /** The planted click probability of sample i (synthetic data), {@code NaN} where the data has none. */
    public double plantedProbability(int i) {
        return planted == null ? Double.NaN : planted[i];
    }

    /** Samples with label 1. */
    public int positives() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (label[i] == 1f) {
                n++;
            }
        }
        return n;
    }

    /** Distinct sequences (users) with at least one sample here. */
    public int users() {
        boolean[] seen = new boolean[sequences.size()];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (!seen[sequence[i]]) {
                seen[sequence[i]] = true;
                n++;
            }
        }
        return n;
    }

    /** The longest history of any sample here (≤ maxHistory). */
    public int longestHistory() {
        int longest = 0;
        for (int i = 0; i < size; i++) {
            longest = Math.max(longest, historyLength(i));
        }
        return longest;
    }

    /** Mean history length, for logs. */
    public double meanHistory() {
        if (size == 0) {
            return 0;
        }
        long sum = 0;
        for (int i = 0; i < size; i++) {
            sum += historyLength(i);
        }
        return (double) sum / size;
    }

    /** One line for logs: size, positives, users, history lengths. */
    public String describe() {
        return String.format(Locale.ROOT, "%s: %,d samples (%,d positive, %.1f%%), %,d users, history mean %.1f max %d",
                name, size, positives(), size == 0 ? 0.0 : 100.0 * positives() / size, users(), meanHistory(),
                longestHistory());
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Appends samples into growable primitive columns; {@link #build()} trims them. */
    public static final class Builder {

        private final String name;
        private final UserSequences sequences;
        private final int maxHistory;
        private int size;
        private int[] sequence = new int[16];
        private int[] end = new int[16];
        private long[] targetItem = new long[16];
        private long[] targetCategory = new long[16];
        private float[] label = new float[16];
        private long[] groupKey = new long[16];
        private double[] planted;   // allocated at the first planted probability; earlier samples get NaN

        private Builder(String name, UserSequences sequences, int maxHistory) {
            if (maxHistory < 1) {
                throw new IllegalArgumentException("maxHistory must be >= 1, got " + maxHistory);
            }
            this.name = name;
            this.sequences = sequences;
            this.maxHistory = maxHistory;
        }

        /** A sample without a planted probability. */
        public Builder add(int sequenceIndex, int historyEnd, long item, long category, float y, long group) {
            return add(sequenceIndex, historyEnd, item, category, y, group, Double.NaN);
        }

        public Builder add(int sequenceIndex, int historyEnd, long item, long category, float y, long group,
                           double plantedProbability) {
            if (sequenceIndex < 0 || sequenceIndex >= sequences.size()) {
                throw new IndexOutOfBoundsException("sequence " + sequenceIndex + " of " + sequences.size());
            }
            if (historyEnd < 0 || historyEnd > sequences.length(sequenceIndex)) {
                throw new IllegalArgumentException("history end " + historyEnd + " outside sequence "
                        + sequenceIndex + " of length " + sequences.length(sequenceIndex));
            }
            if (item < 1 || category < 1) {
                throw new IllegalArgumentException("target ids must be positive, got item " + item
                        + ", category " + category);
            }
            if (y != 0f && y != 1f) {
                throw new IllegalArgumentException("label must be 0 or 1, got " + y);
            }
            if (size == sequence.length) {
                grow();
            }
            sequence[size] = sequenceIndex;
            end[size] = historyEnd;
            targetItem[size] = item;
            targetCategory[size] = category;
            label[size] = y;
            groupKey[size] = group;
            if (!Double.isNaN(plantedProbability) && planted == null) {
                planted = new double[sequence.length];
                Arrays.fill(planted, Double.NaN);
            }
            if (planted != null) {
                planted[size] = plantedProbability;
            }
            size++;
            return this;
        }

        public int size() {
            return size;
        }

        public SampleSet build() {
            return new SampleSet(this);
        }

        private void grow() {
            int capacity = sequence.length * 2;
            sequence = Arrays.copyOf(sequence, capacity);
            end = Arrays.copyOf(end, capacity);
            targetItem = Arrays.copyOf(targetItem, capacity);
            targetCategory = Arrays.copyOf(targetCategory, capacity);
            label = Arrays.copyOf(label, capacity);
            groupKey = Arrays.copyOf(groupKey, capacity);
            if (planted != null) {
                int old = planted.length;
                planted = Arrays.copyOf(planted, capacity);
                Arrays.fill(planted, old, capacity, Double.NaN);
            }
        }
    }
}
