package io.istream.ingestion.validate;

import static io.istream.ingestion.testing.EventFactory.DAY;
import static io.istream.ingestion.testing.EventFactory.HOUR;
import static io.istream.ingestion.testing.EventFactory.NOW;
import static io.istream.ingestion.testing.EventFactory.at;
import static io.istream.ingestion.testing.EventFactory.behavior;
import static io.istream.ingestion.testing.EventFactory.click;
import static io.istream.ingestion.testing.EventFactory.impression;
import static io.istream.ingestion.testing.EventFactory.scoreRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.ItemRef;
import io.istream.avro.ScoreRequest;
import io.istream.schemas.DeadLetterReason;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventValidatorTest {
    private final EventValidator validator = new EventValidator(new ValidationLimits(
            ValidationLimits.defaults().minEventTimeMs(), DAY, 200));

    @Test
    void acceptsWellFormedEvents() {
        assertThat(validator.validate(impression(1, "r", 2, at(0)), NOW)).isEmpty();
        assertThat(validator.validate(click(1, "r", 2, at(0)), NOW)).isEmpty();
        assertThat(validator.validate(behavior(1, 2, at(0)), NOW)).isEmpty();
        assertThat(validator.validate(scoreRequest(1, "r", 200, at(0)), NOW)).isEmpty();
    }

    @Test
    void rejectsMissingOrNonPositiveIds() {
        assertReason(validator.validate(impression(0, "r", 2, at(0)), NOW), DeadLetterReason.INVALID_ID, "userId");
        assertReason(validator.validate(click(1, "r", -5, at(0)), NOW), DeadLetterReason.INVALID_ID, "itemId");
        assertReason(validator.validate(impression(1, "", 2, at(0)), NOW), DeadLetterReason.MISSING_FIELD, "requestId");
        assertReason(validator.validate(impression(1, "x".repeat(300), 2, at(0)), NOW), DeadLetterReason.MISSING_FIELD,
                "requestId");
        ScoreRequest badCandidate = scoreRequest(1, "r", 3, at(0));
        badCandidate.getCandidates().set(1, new ItemRef(5L, 0L));
        assertReason(validator.validate(badCandidate, NOW), DeadLetterReason.INVALID_ID, "candidates[1].categoryId");
    }

    @Test
    void rejectsAbsurdTimestamps() {
        assertReason(validator.validate(behavior(1, 2, 0), NOW), DeadLetterReason.ABSURD_TIMESTAMP, "before");
        // seconds where milliseconds were meant: 1.7e9 ms is January 1970
        assertReason(validator.validate(behavior(1, 2, 1_700_000_000L), NOW), DeadLetterReason.ABSURD_TIMESTAMP, "1970");
        assertReason(validator.validate(behavior(1, 2, NOW + DAY + 1), NOW), DeadLetterReason.ABSURD_TIMESTAMP, "future");
        assertThat(validator.validate(behavior(1, 2, NOW + 23 * HOUR), NOW)).isEmpty();
        assertReason(validator.validate(behavior(1, 2, Long.MAX_VALUE), NOW), DeadLetterReason.ABSURD_TIMESTAMP, "future");
    }

    @Test
    void rejectsOversizedOrEmptyCandidateLists() {
        assertReason(validator.validate(scoreRequest(1, "r", 201, at(0)), NOW), DeadLetterReason.OVERSIZED_CANDIDATES,
                "201 candidates");
        assertReason(validator.validate(scoreRequest(1, "r", 0, at(0)), NOW), DeadLetterReason.MISSING_FIELD,
                "no candidates");
    }

    @Test
    void rejectsThingsThatAreNotInputEvents() {
        assertReason(validator.validate("a string", NOW), DeadLetterReason.WRONG_TOPIC, "String");
    }

    private static void assertReason(Optional<Violation> violation, DeadLetterReason reason, String messagePart) {
        assertThat(violation).isPresent();
        assertThat(violation.get().reason()).isEqualTo(reason);
        assertThat(violation.get().message()).contains(messagePart);
    }
}
