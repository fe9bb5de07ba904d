package io.istream.features.join;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An impression waiting for its label. Its request id is kept as UTF-8 bytes: the join state is read and written on
 * every impression, click and timer of the user, and decoding and encoding each pending impression's id as a String
 * took about a tenth of the keyed operator's time.
 */
public class PendingImpression {
    public static final byte OPEN = 0;
    /** Clicked, but the watermark has not yet passed the impression time, so its history may be incomplete. */
    public static final byte CLICKED = 1;
    /** Positive sample emitted; kept until the window closes only to recognise duplicate clicks. */
    public static final byte EMITTED = 2;

    private byte[] requestIdUtf8;
    private String requestId;      // decoded on first use
    public long itemId;
    public long categoryId;
    public long impressionTimeMs;
    public long clickTimeMs;
    public byte state;
    /** Impression context, -1 when absent. */
    public int position = -1;
    /** Impression context page as UTF-8, null when absent: kept as bytes for the same reason as the request id. */
    private byte[] pageUtf8;
    private String page;           // decoded on first use

    private PendingImpression() {
    }

    public PendingImpression(String requestId, long itemId, long categoryId, long impressionTimeMs) {
        this.requestId = requestId;
        this.requestIdUtf8 = utf8(requestId);
        this.itemId = itemId;
        this.categoryId = categoryId;
        this.impressionTimeMs = impressionTimeMs;
        this.clickTimeMs = -1;
        this.state = OPEN;
    }

    public String requestId() {
        if (requestId == null) {
            requestId = new String(requestIdUtf8, StandardCharsets.UTF_8);
        }
        return requestId;
    }

    /** The request id as UTF-8, as the join state stores it. Not to be modified. */
    byte[] requestIdUtf8() {
        return requestIdUtf8;
    }

    /** A pending impression read back from state: the id's bytes as stored, decoded only if someone asks. */
    static PendingImpression restored(byte[] requestIdUtf8) {
        PendingImpression p = new PendingImpression();
        p.requestIdUtf8 = requestIdUtf8;
        return p;
    }

    /** Whether this is the impression of (request, item), the request id as UTF-8: compares bytes, decodes nothing. */
    public boolean is(byte[] otherRequestIdUtf8, long otherItemId) {
        return itemId == otherItemId && Arrays.equals(requestIdUtf8, otherRequestIdUtf8);
    }

    /** Whether this is the impression of (request, item): the same as comparing join keys. */
    public boolean is(String otherRequestId, long otherItemId) {
        return itemId == otherItemId && requestId().equals(otherRequestId);
    }

    /** The impression's page, null when absent. */
    public String page() {
        if (page == null && pageUtf8 != null) {
            page = new String(pageUtf8, StandardCharsets.UTF_8);
        }
        return page;
    }

    public void setPage(String page) {
        this.page = page;
        this.pageUtf8 = page == null ? null : utf8(page);
    }

    /** The page as UTF-8, as the join state stores it (null when absent). Not to be modified. */
    byte[] pageUtf8() {
        return pageUtf8;
    }

    /** Sets the page from the join state's bytes, decoded only if someone asks. */
    void restorePage(byte[] utf8) {
        this.pageUtf8 = utf8;
        this.page = null;
    }

    public String joinKey() {
        return joinKey(requestId(), itemId);
    }

    static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    public static String joinKey(String requestId, long itemId) {
        return requestId + "/" + itemId;
    }
}
