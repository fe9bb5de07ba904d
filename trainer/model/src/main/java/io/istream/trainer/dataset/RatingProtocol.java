package io.istream.trainer.dataset;

import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import java.util.ArrayList;
import java.util.List;

/**
 * The DIN paper's MovieLens protocol, as a stream to replay: every rating is an impression of the movie, and a
 * rating at or above the threshold (4 of 5 in the paper) is a click. A clicked movie also becomes a behaviour, so the
 * user's history is the movies they liked.
 *
 * <p>Per user, times are made strictly increasing as in {@link ReviewProtocol} (t_k = max(t_k, t_{k-1} + 1 s)).
 * Rating k yields its Impression at t_k (request {@code u<userId>-<k>}) and, when liked, a Click and a REVIEW
 * Behavior at t_k + 500 ms: after the impression, so a liked movie enters the history of later impressions only and
 * never leaks its own label.
 */
public final class RatingProtocol {

    /** The DIN paper's threshold: a rating of 4 or 5 is a click. */
    public static final double DEFAULT_CLICK_THRESHOLD = 4.0;

    private RatingProtocol() {
    }

    public static EventScript script(InteractionLog log) {
        return script(log, DEFAULT_CLICK_THRESHOLD);
    }

    public static EventScript script(InteractionLog log, double clickThreshold) {
        List<TimedEvent> events = new ArrayList<>(3 * log.interactions());
        for (List<Interaction> sequence : log.sequences()) {
            long[] times = ReplayTimes.strictlyIncreasing(sequence, ReviewProtocol.SAME_TIME_GAP_MS);
            for (int k = 0; k < sequence.size(); k++) {
                Interaction rating = sequence.get(k);
                if (!rating.hasRating()) {
                    throw new IllegalArgumentException(log.name() + " has no rating for user " + rating.userId()
                            + ", item " + rating.itemId() + ": the rating protocol needs explicit ratings");
                }
                long user = rating.userId();
                String request = RequestIds.forStep(user, k);
                events.add(TimedEvent.of(new Impression(request, user, rating.itemId(), rating.categoryId(),
                        times[k], null)));
                if (rating.rating() >= clickThreshold) {
                    long clickTime = times[k] + ReviewProtocol.CLICK_DELAY_MS;
                    events.add(TimedEvent.of(new Click(request, user, rating.itemId(), clickTime)));
                    events.add(TimedEvent.of(new Behavior(user, rating.itemId(), rating.categoryId(),
                            BehaviorType.REVIEW, clickTime)));
                }
            }
        }
        return new EventScript(log.name() + "/ratings", events);
    }
}
