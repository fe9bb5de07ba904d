package io.istream.trainer.dataset;

/**
 * Parameters of {@link SyntheticInterests}; the generative model they drive is described there.
 *
 * @param users                  number of users
 * @param categories             categories on the interest ring (at least 3, so current, next and previous differ)
 * @param itemsPerCategory       items per category; item popularity within a category is Zipf
 * @param eventsPerUser          steps per user; each step is one behaviour and one impression (and maybe a click)
 * @param seed                   everything is a function of the config, seed included
 * @param driftProbability       chance, before each step after the first, that the interest moves one category on
 * @param behaviorNoise          chance that a behaviour's category is uniform instead of the current interest
 * @param zipfExponent           s in P(rank r) ∝ 1 / (r + 1)^s within a category
 * @param currentCandidateShare  share of candidates drawn from the current interest category
 * @param nextCandidateShare     share drawn from the next category in the user's drift direction
 * @param previousCandidateShare share drawn from the category behind (hard negatives: seen in the history, but left)
 * @param baseLogit              b0
 * @param currentInterestLogit   b1, added when the candidate's category is the current interest
 * @param nextInterestLogit      b2, added when it is the next category in the user's direction
 * @param itemLogitStd           standard deviation of the per-item logit bias
 * @param minStepGapMs           least time between two steps of a user (must leave room for impression and click)
 * @param stepJitterMs           a uniform extra 0..jitter is added to each gap
 */
public record SyntheticConfig(
        int users,
        int categories,
        int itemsPerCategory,
        int eventsPerUser,
        long seed,
        double driftProbability,
        double behaviorNoise,
        double zipfExponent,
        double currentCandidateShare,
        double nextCandidateShare,
        double previousCandidateShare,
        double baseLogit,
        double currentInterestLogit,
        double nextInterestLogit,
        double itemLogitStd,
        long minStepGapMs,
        long stepJitterMs) {

    public SyntheticConfig {
        require(users >= 1, "users >= 1");
        require(categories >= 3, "categories >= 3 (current, next and previous must be different categories)");
        require(itemsPerCategory >= 1, "itemsPerCategory >= 1");
        require(eventsPerUser >= 1, "eventsPerUser >= 1");
        require((long) users * eventsPerUser <= Integer.MAX_VALUE - 8, "users * eventsPerUser fits an array");
        require((long) categories * itemsPerCategory <= Integer.MAX_VALUE - 8, "categories * itemsPerCategory fits an array");
        require(isProbability(driftProbability), "driftProbability in [0, 1]");
        require(isProbability(behaviorNoise), "behaviorNoise in [0, 1]");
        require(zipfExponent >= 0, "zipfExponent >= 0");
        require(isProbability(currentCandidateShare) && isProbability(nextCandidateShare)
                        && isProbability(previousCandidateShare)
                        && currentCandidateShare + nextCandidateShare + previousCandidateShare <= 1.0,
                "candidate shares in [0, 1] with a sum <= 1");
        require(Double.isFinite(baseLogit) && Double.isFinite(currentInterestLogit)
                && Double.isFinite(nextInterestLogit), "finite logits");
        require(itemLogitStd >= 0, "itemLogitStd >= 0");
        require(minStepGapMs > SyntheticInterests.IMPRESSION_DELAY_MS + ReviewProtocol.CLICK_DELAY_MS,
                "minStepGapMs > impression delay + click delay, so a click comes before the user's next step");
        require(stepJitterMs >= 0, "stepJitterMs >= 0");
    }

    /** 200 users × 50 steps (10,000 impressions): a test runs it in well under a second. */
    public static SyntheticConfig small() {
        return defaults(200, 20, 50, 50);
    }

    /** 20,000 users × 100 steps: 2 million impressions, about 4.4 million events. */
    public static SyntheticConfig benchmark() {
        return defaults(20_000, 50, 400, 100);
    }

    private static SyntheticConfig defaults(int users, int categories, int itemsPerCategory, int eventsPerUser) {
        return new SyntheticConfig(users, categories, itemsPerCategory, eventsPerUser, 42L,
                0.1, 0.2, 1.0,
                0.3, 0.2, 0.1,
                -3.0, 2.5, 1.5, 0.5,
                120_000L, 240_000L);
    }

    public SyntheticConfig withSeed(long newSeed) {
        return new SyntheticConfig(users, categories, itemsPerCategory, eventsPerUser, newSeed, driftProbability,
                behaviorNoise, zipfExponent, currentCandidateShare, nextCandidateShare, previousCandidateShare,
                baseLogit, currentInterestLogit, nextInterestLogit, itemLogitStd, minStepGapMs, stepJitterMs);
    }

    public SyntheticConfig withSize(int newUsers, int newEventsPerUser) {
        return new SyntheticConfig(newUsers, categories, itemsPerCategory, newEventsPerUser, seed, driftProbability,
                behaviorNoise, zipfExponent, currentCandidateShare, nextCandidateShare, previousCandidateShare,
                baseLogit, currentInterestLogit, nextInterestLogit, itemLogitStd, minStepGapMs, stepJitterMs);
    }

    public int items() {
        return categories * itemsPerCategory;
    }

    private static boolean isProbability(double p) {
        return p >= 0 && p <= 1;
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("invalid SyntheticConfig: need " + what);
        }
    }
}
