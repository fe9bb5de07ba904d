package io.istream.ingestion.producer;

import io.istream.ingestion.validate.Violation;

/** Thrown by {@link EventPublisher} for an event that ingestion would send to dead letters anyway. */
public final class InvalidEventException extends IllegalArgumentException {
    private final transient Violation violation;

    public InvalidEventException(Violation violation) {
        super(violation.reason() + ": " + violation.message());
        this.violation = violation;
    }

    public Violation violation() {
        return violation;
    }
}
