package io.istream.ingestion.validate;

import io.istream.schemas.DeadLetterReason;

/** Why a decoded event cannot be used. */
public record Violation(DeadLetterReason reason, String message) {
}
