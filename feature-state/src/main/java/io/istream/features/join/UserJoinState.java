package io.istream.features.join;

import java.util.Arrays;

/**
 * The label-join state of one user: impressions awaiting a label, clicks awaiting their impression, and the
 * most recent impressions the user saw and did not click (the preferred auxiliary negatives, docs/model.md).
 * One Flink POJO per user, so each event costs one RocksDB read and one write.
 */
public class UserJoinState {
    public PendingImpression[] pending = new PendingImpression[0];
    public OrphanClick[] orphanClicks = new OrphanClick[0];
    // K = shown-not-clicked count, newest last
    public long[] shownNotClickedItems = new long[0];       // [K]
    public long[] shownNotClickedCategories = new long[0];  // [K]

    public UserJoinState() {
    }

    public boolean hasOpenWork() {
        return pending.length > 0 || orphanClicks.length > 0;
    }

    /** The oldest impression time still waiting for its sample, or Long.MAX_VALUE. */
    public long oldestPendingImpressionMs() {
        long oldest = Long.MAX_VALUE;
        for (PendingImpression p : pending) {
            if (p.state != PendingImpression.EMITTED) {
                oldest = Math.min(oldest, p.impressionTimeMs);
            }
        }
        return oldest;
    }

    /** The pending impression of (request, item), or -1; compares the ids' UTF-8 bytes, decoding no strings. */
    int indexOf(String requestId, long itemId) {
        byte[] utf8 = PendingImpression.utf8(requestId);
        for (int i = 0; i < pending.length; i++) {
            if (pending[i].is(utf8, itemId)) {
                return i;
            }
        }
        return -1;
    }

    void addPending(PendingImpression p) {
        pending = Arrays.copyOf(pending, pending.length + 1);
        pending[pending.length - 1] = p;
    }

    void addOrphan(OrphanClick c) {
        orphanClicks = Arrays.copyOf(orphanClicks, orphanClicks.length + 1);
        orphanClicks[orphanClicks.length - 1] = c;
    }

    void rememberShownNotClicked(long itemId, long categoryId, int capacity) {
        int n = shownNotClickedItems.length;
        int keep = Math.min(n, capacity - 1);
        long[] items = new long[keep + 1];
        long[] cats = new long[keep + 1];
        System.arraycopy(shownNotClickedItems, n - keep, items, 0, keep);
        System.arraycopy(shownNotClickedCategories, n - keep, cats, 0, keep);
        items[keep] = itemId;
        cats[keep] = categoryId;
        shownNotClickedItems = items;
        shownNotClickedCategories = cats;
    }
}
