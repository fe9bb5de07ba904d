package io.istream.features.join;

import java.nio.charset.StandardCharsets;

/**
 * A click that arrived before its impression (the two come from different topics and partitions). It waits
 * until the watermark passes its event time; by then an on-time impression must have arrived.
 *
 * <p>Its request id and source topic are kept as UTF-8 bytes, like {@link PendingImpression}'s: while a backlog is
 * read, clicks run ahead of impressions and a user held 2 to 19 orphans in {@code bench ingest}, and decoding both
 * Strings of each on every read of the join state was a tenth of the keyed operator's time.
 */
public class OrphanClick {
    private byte[] requestIdUtf8;
    private String requestId;      // decoded on first use
    public long userId;
    public long itemId;
    public long clickTimeMs;
    private byte[] topicUtf8;
    private String topic;          // decoded on first use
    public int partition;
    public long offset;

    private OrphanClick() {
    }

    public OrphanClick(String requestId, long userId, long itemId, long clickTimeMs, SourceRef source) {
        this.requestId = requestId;
        this.requestIdUtf8 = requestId.getBytes(StandardCharsets.UTF_8);
        this.userId = userId;
        this.itemId = itemId;
        this.clickTimeMs = clickTimeMs;
        this.topic = source.topic();
        this.topicUtf8 = topic == null ? null : topic.getBytes(StandardCharsets.UTF_8);
        this.partition = source.partition();
        this.offset = source.offset();
    }

    /** An orphan read back from state: the strings' bytes as stored, decoded only if someone asks. */
    static OrphanClick restored(byte[] requestIdUtf8, byte[] topicUtf8) {
        OrphanClick c = new OrphanClick();
        c.requestIdUtf8 = requestIdUtf8;
        c.topicUtf8 = topicUtf8;
        return c;
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

    public String topic() {
        if (topic == null && topicUtf8 != null) {
            topic = new String(topicUtf8, StandardCharsets.UTF_8);
        }
        return topic;
    }

    /** The source topic as UTF-8, as the join state stores it. Not to be modified. */
    byte[] topicUtf8() {
        return topicUtf8;
    }

    /** The click as it was received, for its dead letter. */
    public io.istream.avro.Click toClick() {
        return io.istream.avro.Click.newBuilder().setRequestId(requestId()).setUserId(userId).setItemId(itemId)
                .setEventTimeMs(clickTimeMs).build();
    }

    public SourceRef source() {
        return new SourceRef(topic(), partition, offset);
    }
}
