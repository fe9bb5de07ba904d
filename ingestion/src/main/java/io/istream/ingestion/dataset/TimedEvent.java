package io.istream.ingestion.dataset;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * One event of an {@link EventScript}: an {@link Impression}, {@link Click} or {@link Behavior}, with its event time
 * and user (the Kafka key) lifted out so that a replay can order and route it without looking inside. Both must agree
 * with the event's own fields.
 */
public record TimedEvent(long eventTimeMs, long userId, SpecificRecord event) {

    public TimedEvent {
        Objects.requireNonNull(event, "event");
        if (timeOf(event) != eventTimeMs || userOf(event) != userId) {
            throw new IllegalArgumentException("time " + eventTimeMs + " / user " + userId
                    + " disagree with the event's own " + timeOf(event) + " / " + userOf(event));
        }
    }

    /** The event with its own time and user. */
    public static TimedEvent of(SpecificRecord event) {
        return new TimedEvent(timeOf(event), userOf(event), event);
    }

    private static long timeOf(SpecificRecord event) {
        if (event instanceof Impression impression) {
            return impression.getEventTimeMs();
        }
        if (event instanceof Click click) {
            return click.getEventTimeMs();
        }
        if (event instanceof Behavior behavior) {
            return behavior.getEventTimeMs();
        }
        throw notAScriptEvent(event);
    }

    private static long userOf(SpecificRecord event) {
        if (event instanceof Impression impression) {
            return impression.getUserId();
        }
        if (event instanceof Click click) {
            return click.getUserId();
        }
        if (event instanceof Behavior behavior) {
            return behavior.getUserId();
        }
        throw notAScriptEvent(event);
    }

    private static IllegalArgumentException notAScriptEvent(SpecificRecord event) {
        return new IllegalArgumentException("a script holds impressions, clicks and behaviours, not "
                + (event == null ? "null" : event.getClass().getName()));
    }
}
