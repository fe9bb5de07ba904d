package io.istream.features.join;

/**
 * A click that arrived before its impression (the two come from different topics and partitions). It waits
 * until the watermark passes its event time; by then an on-time impression must have arrived.
 */
public class OrphanClick {
    public String requestId;
    public long userId;
    public long itemId;
    public long clickTimeMs;
    public String topic;
    public int partition;
    public long offset;

    public OrphanClick() {
    }

    public OrphanClick(String requestId, long userId, long itemId, long clickTimeMs, SourceRef source) {
        this.requestId = requestId;
        this.userId = userId;
        this.itemId = itemId;
        this.clickTimeMs = clickTimeMs;
        this.topic = source.topic();
        this.partition = source.partition();
        this.offset = source.offset();
    }

    /** The click as it was received, for its dead letter. */
    public io.istream.avro.Click toClick() {
        return io.istream.avro.Click.newBuilder().setRequestId(requestId).setUserId(userId).setItemId(itemId)
                .setEventTimeMs(clickTimeMs).build();
    }

    public SourceRef source() {
        return new SourceRef(topic, partition, offset);
    }
}
