package io.istream.ingestion.decode;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.DeadLetter;
import io.istream.avro.Impression;
import io.istream.avro.ScoreRequest;

/** The fields every input event has, read off the union payload of an IngestedEvent. */
public final class EventFields {
    private EventFields() {
    }

    public static long userId(Object event) {
        if (event instanceof Impression i) {
            return i.getUserId();
        } else if (event instanceof Click c) {
            return c.getUserId();
        } else if (event instanceof Behavior b) {
            return b.getUserId();
        } else if (event instanceof ScoreRequest r) {
            return r.getUserId();
        }
        throw new IllegalArgumentException("no user id on " + describe(event));
    }

    public static long eventTimeMs(Object event) {
        if (event instanceof Impression i) {
            return i.getEventTimeMs();
        } else if (event instanceof Click c) {
            return c.getEventTimeMs();
        } else if (event instanceof Behavior b) {
            return b.getEventTimeMs();
        } else if (event instanceof ScoreRequest r) {
            return r.getEventTimeMs();
        } else if (event instanceof DeadLetter d) {
            return d.getTimeMs();
        }
        throw new IllegalArgumentException("no event time on " + describe(event));
    }

    private static String describe(Object event) {
        return event == null ? "null" : event.getClass().getName();
    }
}
