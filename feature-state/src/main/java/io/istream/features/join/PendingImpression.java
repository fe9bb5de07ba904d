package io.istream.features.join;

/** An impression waiting for its label. Flink POJO (public fields, no-argument constructor). */
public class PendingImpression {
    public static final byte OPEN = 0;
    /** Clicked, but the watermark has not yet passed the impression time, so its history may be incomplete. */
    public static final byte CLICKED = 1;
    /** Positive sample emitted; kept until the window closes only to recognise duplicate clicks. */
    public static final byte EMITTED = 2;

    public String requestId;
    public long itemId;
    public long categoryId;
    public long impressionTimeMs;
    public long clickTimeMs;
    public byte state;
    /** Impression context, -1 / null when absent. */
    public int position = -1;
    public String page;

    public PendingImpression() {
    }

    public PendingImpression(String requestId, long itemId, long categoryId, long impressionTimeMs) {
        this.requestId = requestId;
        this.itemId = itemId;
        this.categoryId = categoryId;
        this.impressionTimeMs = impressionTimeMs;
        this.clickTimeMs = -1;
        this.state = OPEN;
    }

    /** Whether this is the impression of (request, item): the same as comparing join keys. */
    public boolean is(String otherRequestId, long otherItemId) {
        return itemId == otherItemId && requestId.equals(otherRequestId);
    }

    public String joinKey() {
        return joinKey(requestId, itemId);
    }

    public static String joinKey(String requestId, long itemId) {
        return requestId + "/" + itemId;
    }
}
