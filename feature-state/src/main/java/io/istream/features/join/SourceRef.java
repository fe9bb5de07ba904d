package io.istream.features.join;

/** Where an event was read from, so that a dead letter can point back at it. */
public record SourceRef(String topic, int partition, long offset) {
    public static SourceRef none(String topic) {
        return new SourceRef(topic, -1, -1);
    }
}
