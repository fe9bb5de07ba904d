package io.istream.trainer.data;

import io.istream.trainer.dataset.Interaction;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ItemPopularity;
import io.istream.trainer.dataset.PopularitySampler;
import io.istream.trainer.dataset.ReviewProtocol;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The DIN/DIEN papers' Amazon protocol, offline: reviews are behaviours in time order per user (same-day reviews in
 * file order, as {@link InteractionLog} keeps them), and every position k ≥ 1 of a user's sequence yields
 * <ul>
 *   <li>a positive: target = the k-th reviewed item, label 1;</li>
 *   <li>a negative: target = a popularity-sampled item the user NEVER reviewed (over the whole sequence, not only
 *       the history so far: a later review would make it a false negative), label 0;</li>
 * </ul>
 * both with the history of positions before k, at most the {@code maxHistory} most recent (T = 100 in the papers).
 *
 * <h2>Splits, by time within each user</h2>
 * A user with n reviews has n − 1 sample positions. The last (k = n − 1) is test, the one before (k = n − 2) is
 * validation, and k = 1..n − 3 are train. A user with fewer positions fills test first, then validation: with two
 * reviews a user gives only a test pair, with three a validation and a test pair, and only from four reviews on does
 * a user add training pairs. A single review gives nothing (no history). The 5-core Amazon sets give every user all
 * three. Validation is later in time than each user's training data, as model selection needs (docs/model.md,
 * "Metrics").
 *
 * <h2>Negatives, and why they match the replay</h2>
 * The sample negatives are drawn exactly as {@link ReviewProtocol} draws the negative impressions: one
 * {@link PopularitySampler} over the whole log, a {@link SplittableRandom} seeded with {@code seed}, users in log
 * order, k ascending, the same rejection budget. With the same seed the offline samples therefore hold the same
 * negatives as a streamed replay, and the offline and prequential figures compare like with like.
 *
 * <p>Auxiliary negative of history position t (DIEN's auxiliary loss): the negative shown at position t, i.e. an
 * item shown beside the one the user reviewed and not picked (t ≥ 1); position 0 has no impression, so it gets a
 * popularity-sampled never-reviewed item from a second random stream (so that it does not shift the sample
 * negatives). Never the true item, never any item the user reviewed. A user who reviewed every item gets no negatives
 * (not possible on real data): no negative sample, and auxiliary negative 0.
 */
public final class AmazonProtocol {

    /** Rejection draws before the sampler's scan; ReviewProtocol's budget, so that the draws coincide. */
    static final int NEGATIVE_DRAWS = 64;
    /** Mixed into the seed for the position-0 auxiliary negatives, which the replay does not have. */
    private static final long AUXILIARY_SALT = 0x6A09E667F3BCC909L;

    private AmazonProtocol() {
    }

    /** The protocol with the papers' T = 100. */
    public static OfflineDataset build(InteractionLog log, long seed) {
        return build(log, OfflineDataset.DEFAULT_MAX_HISTORY, seed);
    }

    public static OfflineDataset build(InteractionLog log, int maxHistory, long seed) {
        UserSequences sequences = sequencesWithNegatives(log, seed);
        SampleSet.Builder train = SampleSet.builder("train", sequences, maxHistory);
        SampleSet.Builder validation = SampleSet.builder("validation", sequences, maxHistory);
        SampleSet.Builder test = SampleSet.builder("test", sequences, maxHistory);
        for (int s = 0; s < sequences.size(); s++) {
            int n = sequences.length(s);
            for (int k = 1; k < n; k++) {
                SampleSet.Builder split = k == n - 1 ? test : k == n - 2 ? validation : train;
                addPair(split, sequences, s, k);
            }
        }
        return new OfflineDataset(log.name() + "/amazon", train.build(), validation.build(), test.build(),
                maxHistory);
    }

    /** The positive and (when one exists) the negative of position k; the negative shown at k is stored there. */
    private static void addPair(SampleSet.Builder split, UserSequences sequences, int s, int k) {
        long user = sequences.userId(s);
        split.add(s, k, sequences.item(s, k), sequences.category(s, k), 1f, user);
        long negative = sequences.negativeItem(s, k);
        if (negative != 0) {
            split.add(s, k, negative, sequences.negativeCategory(s, k), 0f, user);
        }
    }

    /**
     * Each user's reviews, with the negative of position k stored as position k's auxiliary negative: it is both
     * the target of k's negative sample and the shown-but-not-picked item beside behaviour k.
     */
    static UserSequences sequencesWithNegatives(InteractionLog log, long seed) {
        PopularitySampler popularity = PopularitySampler.of(log);
        SplittableRandom random = new SplittableRandom(seed);   // ReviewProtocol's stream
        SplittableRandom auxiliary = new SplittableRandom(seed ^ AUXILIARY_SALT);
        int users = log.users();
        int positions = log.interactions();
        long[] userIds = new long[users];
        int[] starts = new int[users + 1];
        long[] items = new long[positions];
        long[] categories = new long[positions];
        long[] negativeItems = new long[positions];
        long[] negativeCategories = new long[positions];
        int p = 0;
        for (int u = 0; u < users; u++) {
            List<Interaction> sequence = log.sequence(u);
            ActedOnItems reviewed = ActedOnItems.of(sequence);
            userIds[u] = sequence.get(0).userId();
            starts[u] = p;
            for (int k = 0; k < sequence.size(); k++, p++) {
                Interaction review = sequence.get(k);
                items[p] = review.itemId();
                categories[p] = review.categoryId();
                Optional<ItemPopularity> negative = popularity.sampleExcluding(k == 0 ? auxiliary : random,
                        reviewed, NEGATIVE_DRAWS);
                if (negative.isPresent()) {
                    negativeItems[p] = negative.get().itemId();
                    negativeCategories[p] = negative.get().categoryId();
                }
            }
        }
        starts[users] = p;
        return UserSequences.of(userIds, starts, items, categories, negativeItems, negativeCategories);
    }
}
