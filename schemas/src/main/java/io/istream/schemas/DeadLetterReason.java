package io.istream.schemas;

/**
 * Why a record went to the dead-letter topic. The name is the {@code reasonCode} written in
 * {@link io.istream.avro.DeadLetter}; dashboards and alerts key on it, so names never change meaning.
 */
public enum DeadLetterReason {
    // ---- decoding (ingestion) ----
    EMPTY_RECORD("the record has no value bytes"),
    BAD_HEADER("not Avro single-object encoding: the 2-byte marker C3 01 is missing"),
    UNKNOWN_SCHEMA("the writer-schema fingerprint is not a known version of the topic's schema"),
    MALFORMED_AVRO("the Avro body could not be decoded (truncated, corrupt or oversized length prefix)"),
    TRAILING_BYTES("bytes are left over after the Avro body"),
    WRONG_TOPIC("the record decoded, but it is not the type this topic carries"),
    // ---- validation (ingestion) ----
    MISSING_FIELD("a required field is empty"),
    INVALID_ID("an id is zero or negative"),
    ABSURD_TIMESTAMP("the event time is implausibly far in the past or the future"),
    OVERSIZED_CANDIDATES("the score request has more candidates than allowed, or none"),
    KEY_MISMATCH("the Kafka key is not the record's user id"),
    // ---- feature state (label join) ----
    LATE_CLICK("the click arrived after its impression's attribution window had closed"),
    CLICK_WITHOUT_IMPRESSION("no impression with this request id and item was seen for the user"),
    CLICK_BEFORE_IMPRESSION("the click's event time is earlier than its impression's"),
    CLICK_OUTSIDE_WINDOW("the click came later than the attribution window after its impression"),
    DUPLICATE_CLICK("the impression was already clicked"),
    DUPLICATE_IMPRESSION("an impression with the same request id and item is already pending"),
    LATE_IMPRESSION("the impression arrived after its own attribution window had closed");

    private final String description;

    DeadLetterReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
