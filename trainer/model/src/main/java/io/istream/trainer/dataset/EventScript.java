package io.istream.trainer.dataset;

import io.istream.avro.Click;
import io.istream.avro.Impression;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * A dataset turned into the event stream a replay producer sends: impressions, clicks and behaviours in event-time
 * order. Equal times keep the order in which the protocol generated them (a stable sort), so a protocol decides
 * what a consumer that trusts arrival order sees first.
 *
 * <p>{@link #expectedSamples()} (one per impression) and {@link #expectedPositives()} (one per click) are what the
 * label join downstream should emit once every attribution window has closed: an end-to-end check of the pipeline.
 */
public final class EventScript {

    private final String name;
    private final List<TimedEvent> events;
    private final long expectedSamples;
    private final long expectedPositives;

    /** Sorts {@code eventsInGenerationOrder} by event time, stably. */
    public EventScript(String name, List<TimedEvent> eventsInGenerationOrder) {
        this.name = name;
        List<TimedEvent> sorted = new ArrayList<>(eventsInGenerationOrder);
        sorted.sort(Comparator.comparingLong(TimedEvent::eventTimeMs));
        this.events = Collections.unmodifiableList(sorted);
        long impressions = 0;
        long clicks = 0;
        for (TimedEvent e : sorted) {
            if (e.event() instanceof Impression) {
                impressions++;
            } else if (e.event() instanceof Click) {
                clicks++;
            }
        }
        this.expectedSamples = impressions;
        this.expectedPositives = clicks;
    }

    public String name() {
        return name;
    }

    /** Every event, by (event time, generation order). */
    public List<TimedEvent> events() {
        return events;
    }

    public int size() {
        return events.size();
    }

    /** Labelled samples the pipeline should produce: one per impression. */
    public long expectedSamples() {
        return expectedSamples;
    }

    /** Samples with label 1: one per click. */
    public long expectedPositives() {
        return expectedPositives;
    }

    @Override
    public String toString() {
        return name + ": " + events.size() + " events, " + expectedSamples + " samples, "
                + expectedPositives + " positives";
    }
}
