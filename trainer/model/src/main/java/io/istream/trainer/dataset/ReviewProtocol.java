package io.istream.trainer.dataset;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

/**
 * The DIN/DIEN papers' Amazon protocol, as a stream to replay: every review is a behaviour, and every position k >= 1
 * of a user's sequence yields one positive sample (the k-th reviewed item, with the history before k) and one
 * negative (a popularity-sampled item the user never reviewed, with the same history).
 *
 * <p>Per user, times are first made strictly increasing: t_k = max(t_k, t_{k-1} + 1 s), spreading same-day reviews
 * a second apart in file order. Then at each position k the script holds, in this generation order:
 * <ol>
 *   <li>k >= 1: the Impression of the reviewed item and the Impression of the negative, both at t_k with request
 *       {@code u<userId>-<k>};</li>
 *   <li>the Behavior of review k at t_k;</li>
 *   <li>k >= 1: the Click of the reviewed item at t_k + 500 ms (before t_{k+1}, which is at least t_k + 1 s).</li>
 * </ol>
 * Review k shares its impression's timestamp, so "strictly before the impression" leaves it out of its own sample's
 * history, as offline. Generating the impressions first also makes a consumer that trusts arrival order see the same.
 *
 * <p>Negatives come from one {@link PopularitySampler} over the whole log and a {@link SplittableRandom} seeded by the
 * caller, so the script is a pure function of (log, seed). "Never reviewed" is over the user's whole sequence, not
 * only the history so far, as in the papers' preprocessing: a later review of the item would make it a false
 * negative. A user who reviewed every item gets no negatives (not possible on real data).
 */
public final class ReviewProtocol {

    /** Gap that separates equal review times: one second. */
    public static final long SAME_TIME_GAP_MS = 1_000;
    /** A click follows its impression by half a second, well inside any attribution window. */
    public static final long CLICK_DELAY_MS = 500;
    /** Rejection draws before the sampler falls back to its scan; plenty for users with few reviews. */
    static final int NEGATIVE_DRAWS = 64;

    private ReviewProtocol() {
    }

    public static EventScript script(InteractionLog log, long seed) {
        PopularitySampler popularity = PopularitySampler.of(log);
        SplittableRandom random = new SplittableRandom(seed);
        List<TimedEvent> events = new ArrayList<>(4 * log.interactions());
        for (List<Interaction> sequence : log.sequences()) {
            long[] times = ReplayTimes.strictlyIncreasing(sequence, SAME_TIME_GAP_MS);
            long[] reviewed = sequence.stream().mapToLong(Interaction::itemId).sorted().distinct().toArray();
            LongPredicate everReviewed = item -> Arrays.binarySearch(reviewed, item) >= 0;
            for (int k = 0; k < sequence.size(); k++) {
                Interaction review = sequence.get(k);
                long user = review.userId();
                String request = RequestIds.forStep(user, k);
                if (k >= 1) {
                    events.add(TimedEvent.of(new Impression(request, user, review.itemId(), review.categoryId(),
                            times[k], null)));
                    Optional<ItemPopularity> negative = popularity.sampleExcluding(random, everReviewed, NEGATIVE_DRAWS);
                    if (negative.isPresent()) {
                        events.add(TimedEvent.of(new Impression(request, user, negative.get().itemId(),
                                negative.get().categoryId(), times[k], null)));
                    }
                }
                events.add(TimedEvent.of(new Behavior(user, review.itemId(), review.categoryId(), review.type(),
                        times[k])));
                if (k >= 1) {
                    events.add(TimedEvent.of(new Click(request, user, review.itemId(), times[k] + CLICK_DELAY_MS)));
                }
            }
        }
        return new EventScript(log.name() + "/reviews", events);
    }
}
