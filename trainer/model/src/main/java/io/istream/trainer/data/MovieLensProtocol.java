package io.istream.trainer.data;

import io.istream.trainer.dataset.Interaction;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ItemPopularity;
import io.istream.trainer.dataset.PopularitySampler;
import io.istream.trainer.dataset.RatingProtocol;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The DIN paper's MovieLens protocol, offline: every rating is a behaviour, in time order per user (equal times in
 * file order), and every position k ≥ 1 is a sample: target = the k-th rated movie, label = rating ≥ 4, history =
 * the movies rated before k (at most the {@code maxHistory} most recent). Position 0 has no history and gives none.
 *
 * <p>Unlike the streamed {@link RatingProtocol}, whose history holds only liked movies (a disliked rating is an
 * impression without a click there), the history here holds every rated movie, as in the DIN paper. The offline and
 * prequential MovieLens figures therefore use different histories.
 *
 * <h2>Splits, by user</h2>
 * Train, validation and test users are disjoint (the paper splits by user id): the users are shuffled with a
 * {@link SplittableRandom} seeded by {@code seed}, and by default the first 70% train, the next 10% validate and the
 * last 20% test (shares rounded to whole users). A user's samples all go to one split.
 *
 * <p>Auxiliary negatives, one per position: a popularity-sampled movie the user never rated (any rating: a disliked
 * movie was still watched), drawn from a stream seeded independently of the split. MovieLens shows no impressions
 * beside a rating, so there is nothing shown-but-not-clicked to prefer.
 */
public final class MovieLensProtocol {

    public static final double DEFAULT_TRAIN_SHARE = 0.7;
    public static final double DEFAULT_VALIDATION_SHARE = 0.1;
    static final int NEGATIVE_DRAWS = 64;
    private static final long AUXILIARY_SALT = 0xBB67AE8584CAA73BL;

    private MovieLensProtocol() {
    }

    /** The default 70% / 10% / 20% user split. */
    public static OfflineDataset build(InteractionLog log, int maxHistory, long seed) {
        return build(log, maxHistory, seed, DEFAULT_TRAIN_SHARE, DEFAULT_VALIDATION_SHARE);
    }

    /** Train and validation take these shares of the users; the test split takes the rest. */
    public static OfflineDataset build(InteractionLog log, int maxHistory, long seed, double trainShare,
                                       double validationShare) {
        if (!(trainShare >= 0 && validationShare >= 0 && trainShare + validationShare <= 1)) {
            throw new IllegalArgumentException("need shares >= 0 with train + validation <= 1, got " + trainShare
                    + " and " + validationShare);
        }
        UserSequences sequences = sequencesWithNegatives(log, seed);
        float[] clicked = labels(log);
        int[] splitOf = splitUsers(log.users(), seed, trainShare, validationShare);
        SampleSet.Builder[] splits = {
                SampleSet.builder("train", sequences, maxHistory),
                SampleSet.builder("validation", sequences, maxHistory),
                SampleSet.builder("test", sequences, maxHistory)};
        for (int s = 0; s < sequences.size(); s++) {
            SampleSet.Builder split = splits[splitOf[s]];
            long user = sequences.userId(s);
            for (int k = 1; k < sequences.length(s); k++) {
                split.add(s, k, sequences.item(s, k), sequences.category(s, k), clicked[sequences.start(s) + k], user);
            }
        }
        return new OfflineDataset(log.name() + "/movielens", splits[0].build(), splits[1].build(), splits[2].build(),
                maxHistory);
    }

    /**
     * Split of each user (0 train, 1 validation, 2 test): a seeded Fisher-Yates shuffle of the users, cut at the
     * rounded shares, so the split is a pure function of (users, seed, shares).
     */
    static int[] splitUsers(int users, long seed, double trainShare, double validationShare) {
        int[] order = new int[users];
        for (int i = 0; i < users; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = users - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int trainUsers = (int) Math.round(trainShare * users);
        int validationUsers = Math.min(users - trainUsers, (int) Math.round(validationShare * users));
        int[] splitOf = new int[users];
        for (int i = 0; i < users; i++) {
            splitOf[order[i]] = i < trainUsers ? 0 : i < trainUsers + validationUsers ? 1 : 2;
        }
        return splitOf;
    }

    /** Label of every position, flat in log order: rating ≥ 4 is a click (the DIN paper's threshold). */
    private static float[] labels(InteractionLog log) {
        List<Interaction> rows = log.rows();
        float[] clicked = new float[rows.size()];
        for (int p = 0; p < clicked.length; p++) {
            Interaction rating = rows.get(p);
            if (!rating.hasRating()) {
                throw new IllegalArgumentException(log.name() + " has no rating for user " + rating.userId()
                        + ", item " + rating.itemId() + ": the MovieLens protocol needs explicit ratings");
            }
            clicked[p] = rating.rating() >= RatingProtocol.DEFAULT_CLICK_THRESHOLD ? 1f : 0f;
        }
        return clicked;
    }

    private static UserSequences sequencesWithNegatives(InteractionLog log, long seed) {
        PopularitySampler popularity = PopularitySampler.of(log);
        SplittableRandom random = new SplittableRandom(seed ^ AUXILIARY_SALT);
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
            ActedOnItems rated = ActedOnItems.of(sequence);
            userIds[u] = sequence.get(0).userId();
            starts[u] = p;
            for (Interaction rating : sequence) {
                items[p] = rating.itemId();
                categories[p] = rating.categoryId();
                Optional<ItemPopularity> negative = popularity.sampleExcluding(random, rated, NEGATIVE_DRAWS);
                if (negative.isPresent()) {
                    negativeItems[p] = negative.get().itemId();
                    negativeCategories[p] = negative.get().categoryId();
                }
                p++;
            }
        }
        starts[users] = p;
        return UserSequences.of(userIds, starts, items, categories, negativeItems, negativeCategories);
    }
}
