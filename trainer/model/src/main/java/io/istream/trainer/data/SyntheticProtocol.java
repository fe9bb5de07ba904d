package io.istream.trainer.data;

import io.istream.avro.Behavior;
import io.istream.trainer.eval.ExactAuc;
import io.istream.trainer.dataset.ItemPopularity;
import io.istream.trainer.dataset.PlantedImpression;
import io.istream.trainer.dataset.PopularitySampler;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.dataset.TimedEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Offline samples of a {@link SyntheticInterests} stream, whose click probabilities are planted and known.
 *
 * <p>Each impression (user u, step k) is one sample: target = the planted candidate, label = the sampled click,
 * and the planted probability kept beside it, so {@link #oracleAuc(SampleSet)} gives the best AUC any model can
 * reach on the same split. Behaviour k happens at t_k and the impression at t_k + 1 s, so the history is the user's
 * behaviours 0..k (behaviour k included: it is the freshest evidence of the current interest), at most the
 * {@code maxHistory} most recent; in {@link SampleSet} terms the history ends at k + 1.
 *
 * <h2>Splits: disjoint users</h2>
 * Users are shuffled with {@code seed}; a tenth of them (at least one) are test users, the next tenth validation
 * users, the rest training users, and every step of a user is a sample of that user's split, as in the DIN MovieLens
 * protocol. A split by time within each user (the last steps held out) made every test history longer than every
 * training history: a model then had to extrapolate to sequence lengths it never saw, and sum pooling and the
 * recurrent layers did so badly (test AUC 0.65 against 0.77 on the training users' own samples). Disjoint users
 * keep the held-out lengths inside the training range, and the planted process is the same for every user, so
 * what is learnt on one set of users carries to another.
 *
 * <h2>Auxiliary negatives</h2>
 * For behaviour t, the newest impression of that user at a step before t that was shown but not clicked and not yet
 * used (impression s, at t_s + 1 s, comes before behaviour t): what the user saw and passed over, as the streaming
 * {@code AuxiliaryNegatives} prefers. Shown items the user ever behaved on are skipped (never the true item). When
 * none is left, an item drawn by behaviour popularity that the user never behaved on, from a stream seeded with
 * {@code seed}.
 */
public final class SyntheticProtocol {

    static final int NEGATIVE_DRAWS = 64;

    private SyntheticProtocol() {
    }

    /** Held-out users per split: a tenth of the users, at least one (the rest, at least one, train). */
    public static int heldOutUsers(SyntheticConfig config) {
        int users = config.users();
        if (users < 3) {
            throw new IllegalArgumentException("need at least 3 synthetic users (train, validation, test), got "
                    + users);
        }
        return Math.max(1, (int) Math.round(users / 10.0));
    }

    public static OfflineDataset build(SyntheticInterests interests, int maxHistory, long seed) {
        SyntheticConfig config = interests.config();
        int users = config.users();
        int heldOut = heldOutUsers(config);
        UserSequences sequences = sequencesWithNegatives(interests, seed);
        // split[u] for user u + 1: 0 = train, 1 = validation, 2 = test
        byte[] split = new byte[users];
        int[] order = Batches.shuffledOrder(users, seed, 0);
        for (int i = 0; i < heldOut; i++) {
            split[order[i]] = 2;
            split[order[heldOut + i]] = 1;
        }
        SampleSet.Builder train = SampleSet.builder("train", sequences, maxHistory);
        SampleSet.Builder validation = SampleSet.builder("validation", sequences, maxHistory);
        SampleSet.Builder test = SampleSet.builder("test", sequences, maxHistory);
        for (int index = 0; index < interests.impressions(); index++) {
            PlantedImpression impression = interests.impression(index);
            int s = (int) (impression.userId() - 1);
            SampleSet.Builder to = split[s] == 2 ? test : split[s] == 1 ? validation : train;
            to.add(s, impression.step() + 1, impression.itemId(), impression.categoryId(),
                    impression.clicked() ? 1f : 0f, impression.userId(), impression.probability());
        }
        return new OfflineDataset("synthetic-interests-" + config.seed(), train.build(), validation.build(),
                test.build(), maxHistory);
    }

    /** AUC of the planted probabilities against the sampled labels of {@code samples}: this split's ceiling. */
    public static double oracleAuc(SampleSet samples) {
        if (!samples.hasPlantedProbabilities()) {
            throw new IllegalArgumentException(samples.name() + " has no planted probabilities");
        }
        double[] planted = new double[samples.size()];
        boolean[] clicked = new boolean[samples.size()];
        for (int i = 0; i < planted.length; i++) {
            planted[i] = samples.plantedProbability(i);
            clicked[i] = samples.label(i) == 1f;
        }
        return ExactAuc.of(planted, clicked);
    }

    /**
     * AUC of E[p | history] ({@link SyntheticInterests#historyPosteriorProbability}) against the labels of
     * {@code samples}, which must come from {@code interests}: the ceiling of a model that sees only the history.
     */
    public static double historyBayesAuc(SampleSet samples, SyntheticInterests interests) {
        int steps = interests.config().eventsPerUser();
        double[] expected = new double[samples.size()];
        boolean[] clicked = new boolean[samples.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = interests.historyPosteriorProbability((int) (samples.userId(i) - 1) * steps
                    + samples.end(i) - 1);
            clicked[i] = samples.label(i) == 1f;
        }
        return ExactAuc.of(expected, clicked);
    }

    /**
     * Sequence u − 1 holds user u's behaviours in step order. They are read back from the script: it is in time
     * order, and a user's steps are strictly increasing in time, so a user's k-th Behavior is step k.
     */
    private static UserSequences sequencesWithNegatives(SyntheticInterests interests, long seed) {
        SyntheticConfig config = interests.config();
        int users = config.users();
        int steps = config.eventsPerUser();
        int positions = users * steps;
        long[] userIds = new long[users];
        int[] starts = new int[users + 1];
        long[] items = new long[positions];
        long[] categories = new long[positions];
        int[] filled = new int[users];
        long[] behaviourCount = new long[config.items() + 1];   // index = item id
        for (TimedEvent event : interests.script().events()) {
            if (event.event() instanceof Behavior behavior) {
                int u = (int) (behavior.getUserId() - 1);
                int p = u * steps + filled[u]++;
                items[p] = behavior.getItemId();
                categories[p] = behavior.getCategoryId();
                behaviourCount[(int) behavior.getItemId()]++;
            }
        }
        for (int u = 0; u < users; u++) {
            if (filled[u] != steps) {
                throw new IllegalStateException("user " + (u + 1) + " has " + filled[u] + " behaviours, expected "
                        + steps);
            }
            userIds[u] = u + 1;
            starts[u] = u * steps;
        }
        starts[users] = positions;

        PopularitySampler popularity = PopularitySampler.of(behaviourPopularity(behaviourCount,
                config.itemsPerCategory()));
        SplittableRandom random = new SplittableRandom(seed);
        long[] negativeItems = new long[positions];
        long[] negativeCategories = new long[positions];
        long[] shownItems = new long[steps];        // [E] one user's candidates, by step
        long[] shownCategories = new long[steps];   // [E]
        boolean[] passedOver = new boolean[steps];  // [E] shown, not clicked, not an item the user acted on
        int[] unused = new int[steps];              // steps of passed-over impressions not yet used, newest on top
        for (int u = 0; u < users; u++) {
            int first = u * steps;   // impression (u + 1, k) is at index first + k, as its sequence position
            ActedOnItems actedOn = ActedOnItems.of(Arrays.copyOfRange(items, first, first + steps));
            for (int k = 0; k < steps; k++) {
                PlantedImpression shown = interests.impression(first + k);
                shownItems[k] = shown.itemId();
                shownCategories[k] = shown.categoryId();
                passedOver[k] = !shown.clicked() && !actedOn.test(shown.itemId());
            }
            int top = 0;
            for (int t = 0; t < steps; t++) {
                if (t >= 1 && passedOver[t - 1]) {
                    unused[top++] = t - 1;
                }
                int p = first + t;
                if (top > 0) {
                    int k = unused[--top];
                    negativeItems[p] = shownItems[k];
                    negativeCategories[p] = shownCategories[k];
                } else {
                    Optional<ItemPopularity> drawn = popularity.sampleExcluding(random, actedOn, NEGATIVE_DRAWS);
                    if (drawn.isPresent()) {
                        negativeItems[p] = drawn.get().itemId();
                        negativeCategories[p] = drawn.get().categoryId();
                    }
                }
            }
        }
        return UserSequences.of(userIds, starts, items, categories, negativeItems, negativeCategories);
    }

    /** Items by how often they were behaved on; category id = item's ring category + 1 (SyntheticInterests' ids). */
    private static List<ItemPopularity> behaviourPopularity(long[] behaviourCount, int itemsPerCategory) {
        List<ItemPopularity> items = new ArrayList<>();
        for (int item = 1; item < behaviourCount.length; item++) {
            if (behaviourCount[item] > 0) {
                items.add(new ItemPopularity(item, (item - 1) / itemsPerCategory + 1, behaviourCount[item]));
            }
        }
        return items;
    }
}
