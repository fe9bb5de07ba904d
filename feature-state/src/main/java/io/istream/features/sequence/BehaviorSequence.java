package io.istream.features.sequence;

import java.util.Arrays;

/**
 * One user's behaviour sequence, oldest first, bounded in length (see {@link #trim}). Late events are inserted in
 * place by event time; among equal times, arrival order is kept.
 *
 * <p>In RocksDB the sequence is kept as its entries in arrival order (a list state that a behaviour appends to
 * without rewriting the rest, see {@link #entry}); {@link #fromArrivals} rebuilds the time-ordered view.
 */
public class BehaviorSequence {
    // N = size; all arrays have length N, sorted by timesMs ascending
    public long[] itemIds = new long[0];      // [N]
    public long[] categoryIds = new long[0];  // [N]
    public long[] timesMs = new long[0];      // [N] event time, epoch ms
    public byte[] types = new byte[0];        // [N] BehaviorType ordinal

    public BehaviorSequence() {
    }

    /** One stored behaviour: {itemId, categoryId, timeMs, type}. */
    public static long[] entry(long itemId, long categoryId, long timeMs, byte type) {
        return new long[] {itemId, categoryId, timeMs, type};
    }

    /** The sequence of stored entries in arrival order: sorted by time, equal times in arrival order. */
    public static BehaviorSequence fromArrivals(Iterable<long[]> entries) {
        java.util.List<long[]> list;
        if (entries instanceof java.util.List<long[]> given) {
            list = new java.util.ArrayList<>(given);
        } else {
            list = new java.util.ArrayList<>();
            if (entries != null) {
                entries.forEach(list::add);
            }
        }
        list.sort(java.util.Comparator.comparingLong(e -> e[2])); // List.sort is stable
        BehaviorSequence s = new BehaviorSequence();
        int n = list.size();
        s.itemIds = new long[n];
        s.categoryIds = new long[n];
        s.timesMs = new long[n];
        s.types = new byte[n];
        for (int i = 0; i < n; i++) {
            long[] e = list.get(i);
            s.itemIds[i] = e[0];
            s.categoryIds[i] = e[1];
            s.timesMs[i] = e[2];
            s.types[i] = (byte) e[3];
        }
        return s;
    }

    /** The entries to store, oldest first. */
    public java.util.List<long[]> toEntries() {
        java.util.List<long[]> out = new java.util.ArrayList<>(size());
        for (int i = 0; i < size(); i++) {
            out.add(entry(itemIds[i], categoryIds[i], timesMs[i], types[i]));
        }
        return out;
    }

    public int size() {
        return timesMs.length;
    }

    public long newestTimeMs() {
        return timesMs.length == 0 ? Long.MIN_VALUE : timesMs[timesMs.length - 1];
    }

    /**
     * Inserts a behaviour at its place in time. Does not trim: see {@link #trim}.
     */
    public void insert(long itemId, long categoryId, byte type, long timeMs) {
        int n = size();
        // first index whose time is > timeMs: equal times keep arrival order
        int at = upperBound(timeMs);
        itemIds = insertAt(itemIds, at, itemId);
        categoryIds = insertAt(categoryIds, at, categoryId);
        timesMs = insertAt(timesMs, at, timeMs);
        byte[] t = new byte[n + 1];
        System.arraycopy(types, 0, t, 0, at);
        t[at] = type;
        System.arraycopy(types, at, t, at + 1, n - at);
        types = t;
    }

    /**
     * Drops the oldest behaviours that no sample can need any more. An impression not yet labelled is at or after
     * {@code horizonMs} (the oldest pending impression, or the watermark + 1 for impressions still in flight), and
     * its sample carries the newest {@code maxLength} behaviours strictly before it. So everything from the
     * {@code maxLength}-th behaviour before the horizon onwards is kept. Topics are read at different speeds, so
     * behaviours can run ahead of their impressions; {@code readAheadLimit} bounds how many are kept past that.
     *
     * @return how many behaviours were dropped because of the read-ahead limit (history some sample may miss)
     */
    public int trim(long horizonMs, int maxLength, int readAheadLimit) {
        int needed = Math.max(0, countBefore(horizonMs) - maxLength);
        int overLimit = Math.max(0, size() - needed - maxLength - readAheadLimit);
        int drop = needed + overLimit;
        if (drop > 0) {
            itemIds = Arrays.copyOfRange(itemIds, drop, itemIds.length);
            categoryIds = Arrays.copyOfRange(categoryIds, drop, categoryIds.length);
            timesMs = Arrays.copyOfRange(timesMs, drop, timesMs.length);
            types = Arrays.copyOfRange(types, drop, types.length);
        }
        return overLimit;
    }

    /** Number of behaviours strictly before {@code timeMs}: the history an impression at that time may see. */
    public int countBefore(long timeMs) {
        int lo = 0;
        int hi = timesMs.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (timesMs[mid] < timeMs) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private int upperBound(long timeMs) {
        int lo = 0;
        int hi = timesMs.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (timesMs[mid] <= timeMs) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static long[] insertAt(long[] a, int at, long v) {
        long[] out = new long[a.length + 1];
        System.arraycopy(a, 0, out, 0, at);
        out[at] = v;
        System.arraycopy(a, at, out, at + 1, a.length - at);
        return out;
    }
}
