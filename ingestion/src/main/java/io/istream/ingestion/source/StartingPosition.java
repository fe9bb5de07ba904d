package io.istream.ingestion.source;

/** Where a new consumer group starts; a restored job always resumes from its checkpointed offsets. */
public enum StartingPosition {
    EARLIEST, LATEST, COMMITTED_OR_EARLIEST
}
