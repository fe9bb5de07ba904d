package io.istream.schemas;

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

    /** The catalogue topic that carries this kind of input event. */
    public static io.istream.schemas.Topic<?> topicOf(Object event) {
        if (event instanceof Impression) {
            return io.istream.schemas.Topics.IMPRESSIONS;
        } else if (event instanceof Click) {
            return io.istream.schemas.Topics.CLICKS;
        } else if (event instanceof Behavior) {
            return io.istream.schemas.Topics.BEHAVIORS;
        } else if (event instanceof ScoreRequest) {
            return io.istream.schemas.Topics.SCORE_REQUESTS;
        }
        throw new IllegalArgumentException("not an input event: " + describe(event));
    }

    /** The event's bytes as its topic carries them. */
    @SuppressWarnings("unchecked")
    public static byte[] encode(Object event) {
        var codec = (io.istream.schemas.AvroCodec<org.apache.avro.specific.SpecificRecord>) topicOf(event).values();
        return codec.encode((org.apache.avro.specific.SpecificRecord) event);
    }

    private static String describe(Object event) {
        return event == null ? "null" : event.getClass().getName();
    }
}
