package io.istream.features.join;

import io.istream.schemas.DeadLetterReason;
import java.util.ArrayList;
import java.util.List;

/** What a {@link LabelJoin} step decided; the Flink function carries it out. */
public final class JoinEffects {
    /** An impression whose label is known and whose history is complete: emit it as a sample. */
    public record Labelled(PendingImpression impression, int label, long labelTimeMs) {
    }

    /** An event the join cannot use: a dead letter. {@code click} or {@code impression} says what it was. */
    public record Rejected(DeadLetterReason reason, String message, SourceRef source, Object event) {
    }

    public final List<Labelled> labelled = new ArrayList<>(2);
    public final List<Rejected> rejected = new ArrayList<>(1);
    /** Event-time timers to register. */
    public final List<Long> timers = new ArrayList<>(2);
    /** Impressions and clicks this step accepted: for reconciling records in = processed + dead letters. */
    public int acceptedImpressions;
    public int joinedClicks;

    public void clear() {
        labelled.clear();
        rejected.clear();
        timers.clear();
        acceptedImpressions = 0;
        joinedClicks = 0;
    }
}
