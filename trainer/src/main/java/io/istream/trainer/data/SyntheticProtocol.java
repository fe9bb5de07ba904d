package io.istream.trainer.data;

import io.istream.avro.Behavior;
import io.istream.ingestion.dataset.ExactAuc;
import io.istream.ingestion.dataset.ItemPopularity;
import io.istream.ingestion.dataset.PlantedImpression;
import io.istream.ingestion.dataset.PopularitySampler;
import io.istream.ingestion.dataset.SyntheticConfig;
import io.istream.ingestion.dataset.SyntheticInterests;
import io.istream.ingestion.dataset.TimedEvent;
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
 * <h2>Splits, by time within each user</h2>
 * Every user has E = eventsPerUser steps. The last h steps are test, the h before them validation, the rest train,
 * with h = {@code heldOutSteps}; by default h = max(1, round(E / 10)): 5 of the small preset's 50 steps and 10 of
 * the benchmark's 100. One step per user (the Amazon choice) would leave the small preset 200 test samples with a
 * few dozen clicks, too few for a stable AUC; a tenth keeps the test later in time than training for every user
 * and gives 1,000. With fewer steps, test is filled first, then validation.
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

    /** Default held-out steps per split: a tenth of each user's steps, at least one. */
    public static int defaultHeldOutSteps(SyntheticConfig config) {
        return Math.max(1, (int) Math.round(config.eventsPerUser() / 10.0));
    }

    public static OfflineDataset build(SyntheticInterests interests, int maxHistory, long seed) {
        return build(interests, maxHistory, seed, defaultHeldOutSteps(interests.config()));
    }

    public static OfflineDataset build(SyntheticInterests interests, int maxHistory, long seed, int heldOutSteps) {
        if (heldOutSteps < 1) {
            throw new IllegalArgumentException("heldOutSteps must be >= 1, got " + heldOutSteps);
        }
        SyntheticConfig config = interests.config();
        int steps = config.eventsPerUser();
        UserSequences sequences = sequencesWithNegatives(interests, seed);
        SampleSet.Builder train = SampleSet.builder("train", sequences, maxHistory);
        SampleSet.Builder validation = SampleSet.builder("validation", sequences, maxHistory);
        SampleSet.Builder test = SampleSet.builder("test", sequences, maxHistory);
        for (int index = 0; index < interests.impressions(); index++) {
            PlantedImpression impression = interests.impression(index);
            int k = impression.step();
            SampleSet.Builder split = k >= steps - heldOutSteps ? test
                    : k >= steps - 2 * heldOutSteps ? validation : train;
            int s = (int) (impression.userId() - 1);
            split.add(s, k + 1, impression.itemId(), impression.categoryId(), impression.clicked() ? 1f : 0f,
                    impression.userId(), impression.probability());
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
