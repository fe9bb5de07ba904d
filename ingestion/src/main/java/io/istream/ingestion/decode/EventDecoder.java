package io.istream.ingestion.decode;

import io.istream.schemas.EventFields;
import io.istream.avro.DeadLetter;
import io.istream.avro.IngestedEvent;
import io.istream.ingestion.validate.EventValidator;
import io.istream.ingestion.validate.Violation;
import io.istream.schemas.AvroCodec;
import io.istream.schemas.DecodeException;
import io.istream.schemas.DeadLetterReason;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topic;
import io.istream.schemas.Topics;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * Turns one Kafka record of an input topic into an {@link IngestedEvent} whose payload is either the decoded,
 * valid event or a {@link DeadLetter} saying why not. Pure (the clock is a parameter) and total: it never
 * throws, whatever the bytes.
 */
public final class EventDecoder implements Serializable {
    private final Map<String, AvroCodec<? extends SpecificRecord>> codecsByTopic = new HashMap<>();
    private final EventValidator validator;

    public EventDecoder(List<Topic<?>> topics, EventValidator validator) {
        for (Topic<?> topic : topics) {
            codecsByTopic.put(topic.name(), topic.values());
        }
        this.validator = validator;
    }

    public static EventDecoder forInputTopics(EventValidator validator) {
        return new EventDecoder(Topics.INPUT_EVENTS, validator);
    }

    public IngestedEvent decode(String topic, int partition, long offset, byte[] key, byte[] value, long nowMs) {
        Object payload;
        try {
            payload = decodeValid(topic, key, value, nowMs);
        } catch (DecodeException e) {
            payload = DeadLetters.of(topic, partition, offset, value, e.reason(), e.getMessage(), nowMs);
        } catch (RuntimeException e) {
            // Defence in depth: a bug in a check must cost one record, not the job.
            payload = DeadLetters.of(topic, partition, offset, value, DeadLetterReason.MALFORMED_AVRO,
                    "unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage(), nowMs);
        }
        return IngestedEvent.newBuilder().setPayload(payload).setSourceTopic(topic).setPartition(partition)
                .setOffset(offset).build();
    }

    private Object decodeValid(String topic, byte[] key, byte[] value, long nowMs) throws DecodeException {
        AvroCodec<? extends SpecificRecord> codec = codecsByTopic.get(topic);
        if (codec == null) {
            throw new DecodeException(DeadLetterReason.WRONG_TOPIC, "topic " + topic + " is not an input topic");
        }
        Object event = codec.decode(value);
        Optional<Violation> violation = validator.validate(event, nowMs);
        if (violation.isPresent()) {
            throw new DecodeException(violation.get().reason(), violation.get().message());
        }
        Long keyUser = KeyCodec.userIdOf(key);
        long userId = EventFields.userId(event);
        if (key != null && (keyUser == null || keyUser != userId)) {
            throw new DecodeException(DeadLetterReason.KEY_MISMATCH, "Kafka key " + (keyUser == null
                    ? key.length + " bytes (expected 8)" : "user " + keyUser) + " but the record is for user " + userId);
        }
        return event;
    }
}
