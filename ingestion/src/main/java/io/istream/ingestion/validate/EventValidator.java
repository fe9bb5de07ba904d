package io.istream.ingestion.validate;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.avro.ItemRef;
import io.istream.avro.ScoreRequest;
import io.istream.schemas.DeadLetterReason;
import java.io.Serializable;
import java.time.Instant;
import java.util.Optional;

/**
 * Checks that decoded events make sense. Pure: the clock is a parameter. Used by ingestion (bad records become
 * dead letters) and by the producer API (bad records are refused before they reach Kafka), so both agree.
 */
public final class EventValidator implements Serializable {
    private static final int MAX_REQUEST_ID_LENGTH = 256;
    private final ValidationLimits limits;

    public EventValidator(ValidationLimits limits) {
        this.limits = limits;
    }

    public ValidationLimits limits() {
        return limits;
    }

    /** Dispatches on the event's type; anything that is not an input event is a violation. */
    public Optional<Violation> validate(Object event, long nowMs) {
        if (event instanceof Impression i) {
            return validate(i, nowMs);
        } else if (event instanceof Click c) {
            return validate(c, nowMs);
        } else if (event instanceof Behavior b) {
            return validate(b, nowMs);
        } else if (event instanceof ScoreRequest r) {
            return validate(r, nowMs);
        }
        return Optional.of(new Violation(DeadLetterReason.WRONG_TOPIC,
                "not an input event: " + (event == null ? "null" : event.getClass().getSimpleName())));
    }

    public Optional<Violation> validate(Impression e, long nowMs) {
        return first(requestId(e.getRequestId()), id("userId", e.getUserId()), id("itemId", e.getItemId()),
                id("categoryId", e.getCategoryId()), time(e.getEventTimeMs(), nowMs));
    }

    public Optional<Violation> validate(Click e, long nowMs) {
        return first(requestId(e.getRequestId()), id("userId", e.getUserId()), id("itemId", e.getItemId()),
                time(e.getEventTimeMs(), nowMs));
    }

    public Optional<Violation> validate(Behavior e, long nowMs) {
        return first(id("userId", e.getUserId()), id("itemId", e.getItemId()), id("categoryId", e.getCategoryId()),
                time(e.getEventTimeMs(), nowMs));
    }

    public Optional<Violation> validate(ScoreRequest e, long nowMs) {
        Optional<Violation> header = first(requestId(e.getRequestId()), id("userId", e.getUserId()),
                time(e.getEventTimeMs(), nowMs));
        if (header.isPresent()) {
            return header;
        }
        int n = e.getCandidates().size();
        if (n == 0) {
            return Optional.of(new Violation(DeadLetterReason.MISSING_FIELD, "score request has no candidates"));
        }
        if (n > limits.maxCandidates()) {
            return Optional.of(new Violation(DeadLetterReason.OVERSIZED_CANDIDATES,
                    "score request has " + n + " candidates; the limit is " + limits.maxCandidates()));
        }
        for (int k = 0; k < n; k++) {
            ItemRef c = e.getCandidates().get(k);
            Optional<Violation> bad = first(id("candidates[" + k + "].itemId", c.getItemId()),
                    id("candidates[" + k + "].categoryId", c.getCategoryId()));
            if (bad.isPresent()) {
                return bad;
            }
        }
        return Optional.empty();
    }

    private static Violation requestId(String requestId) {
        if (requestId == null || requestId.isBlank()) {
            return new Violation(DeadLetterReason.MISSING_FIELD, "requestId is empty");
        }
        if (requestId.length() > MAX_REQUEST_ID_LENGTH) {
            return new Violation(DeadLetterReason.MISSING_FIELD,
                    "requestId is " + requestId.length() + " characters; at most " + MAX_REQUEST_ID_LENGTH + " allowed");
        }
        return null;
    }

    private static Violation id(String field, long value) {
        return value > 0 ? null : new Violation(DeadLetterReason.INVALID_ID, field + " is " + value + "; ids are positive");
    }

    private Violation time(long eventTimeMs, long nowMs) {
        if (eventTimeMs < limits.minEventTimeMs()) {
            return new Violation(DeadLetterReason.ABSURD_TIMESTAMP, "eventTimeMs " + eventTimeMs + " ("
                    + describe(eventTimeMs) + ") is before the earliest accepted " + describe(limits.minEventTimeMs()));
        }
        if (eventTimeMs > nowMs + limits.maxFutureSkewMs()) {
            return new Violation(DeadLetterReason.ABSURD_TIMESTAMP, "eventTimeMs " + eventTimeMs + " ("
                    + describe(eventTimeMs) + ") is more than " + limits.maxFutureSkewMs() + " ms in the future");
        }
        return null;
    }

    private static String describe(long epochMs) {
        try {
            return Instant.ofEpochMilli(epochMs).toString();
        } catch (RuntimeException e) {
            return "out of range";
        }
    }

    private static Optional<Violation> first(Violation... checks) {
        for (Violation v : checks) {
            if (v != null) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
