package io.istream.trainer.dataset;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.schemas.EventFields;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * One event of an {@link EventScript}: an {@link Impression}, {@link Click} or {@link Behavior}, with its event time
 * and user (the Kafka key) lifted out so that a replay can order and route it without looking inside. Both must agree
 * with the event's own fields.
 */
public record TimedEvent(long eventTimeMs, long userId, SpecificRecord event) {

    public TimedEvent {
        requireScriptEvent(event);
        long ownTime = EventFields.eventTimeMs(event);
        long ownUser = EventFields.userId(event);
        if (ownTime != eventTimeMs || ownUser != userId) {
            throw new IllegalArgumentException("time " + eventTimeMs + " / user " + userId
                    + " disagree with the event's own " + ownTime + " / " + ownUser);
        }
    }

    /** The event with its own time and user. */
    public static TimedEvent of(SpecificRecord event) {
        requireScriptEvent(event);
        return new TimedEvent(EventFields.eventTimeMs(event), EventFields.userId(event), event);
    }

    private static void requireScriptEvent(SpecificRecord event) {
        Objects.requireNonNull(event, "event");
        if (!(event instanceof Impression || event instanceof Click || event instanceof Behavior)) {
            throw notAScriptEvent(event);
        }
    }

    private static IllegalArgumentException notAScriptEvent(SpecificRecord event) {
        return new IllegalArgumentException("a script holds impressions, clicks and behaviours, not "
                + (event == null ? "null" : event.getClass().getName()));
    }
}
