package io.istream.trainer.dataset;

import io.istream.trainer.eval.ExactAuc;
import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * A synthetic stream with planted, evolving user interests and known click probabilities, so that a model's AUC can
 * be compared with the best achievable one ({@link #oracleAuc()}) and DIEN's claim can be tested: when interests
 * evolve, the ORDER of the behaviour sequence carries signal that an order-blind model (sum pooling, DIN) cannot use.
 *
 * <h2>Generative model</h2>
 * Categories c = 0..C-1 lie on a ring; item (c, r) has category id c + 1 and item id c·M + r + 1 (M items per
 * category, rank r), and a fixed logit bias β_item ~ N(0, itemLogitStd²). Each user u draws
 * <ul>
 *   <li>a drift direction d_u ∈ {+1, −1} and a starting interest c_0 uniformly;</li>
 *   <li>a start time uniform within one step gap after 2024-01-01T00:00:00Z, so users interleave in time.</li>
 * </ul>
 * Then for each step k = 0..E-1, at time t_k (t_k − t_{k−1} = minStepGap + U[0, stepJitter]):
 * <ol>
 *   <li>k ≥ 1: with probability driftProbability the interest moves on, c_k = c_{k−1} + d_u (mod C); otherwise
 *       c_k = c_{k−1}.</li>
 *   <li>Behaviour: a CLICK Behavior at t_k of an item of category c_k (of a uniform category with probability
 *       behaviorNoise), its rank Zipf(zipfExponent).</li>
 *   <li>Impression at t_k + 1 s, request {@code u<user>-<k>}: a candidate of category c_k (share currentCandidate),
 *       c_k + d_u (share nextCandidate), c_k − d_u (share previousCandidate), or a uniform category; its rank
 *       Zipf. Behaviour k is strictly before it, so it is part of the impression's history.</li>
 *   <li>Its true click probability is p = σ(b0 + b1·[cat = c_k] + b2·[cat = c_k + d_u] + β_item), and a Click at
 *       impression time + 500 ms is drawn with probability p.</li>
 * </ol>
 * The history reveals c_k (recent behaviours) and d_u (the order in which categories were visited). The candidate
 * one step ahead is clicked more than the one just left (b2 > 0 for NEXT, nothing for PREVIOUS), yet both sit next
 * to the current interest on the ring; only the order of the history tells them apart.
 *
 * <h2>Two ceilings</h2>
 * {@link #oracleAuc()} scores each impression with its planted p, which uses the hidden interest c_k and direction
 * d_u. A model sees only the behaviours, so {@link #historyBayesAuc()} is the ceiling that matters: each impression
 * scored with E[p | behaviours 0..k], the posterior over (c_k, d_u) from a forward filter over the hidden Markov
 * chain (2C states) with the generator's own parameters and item biases. Learning the item biases from finite data
 * costs a model a little more. The filter runs on first use, not at generation: replay and the benchmarks that
 * generate two million impressions never ask for it.
 *
 * <h2>Cohorts: an endless stream</h2>
 * {@link #nextCohort()} generates the next cohort of the same world: the same items and item biases, new users
 * (ids after the last cohort's) whose steps start after the last cohort's last event. An endless stream is a chain
 * of cohorts; each holds only its own ground truth. A {@link Placement} also shifts user, item and category ids, so
 * a cohort can follow a replayed dataset without reusing its ids.
 *
 * <p>Everything is a function of the {@link SyntheticConfig} and the {@link Placement}, seed included. Ground truth
 * is kept in flat arrays (20 bytes per impression) so the benchmark preset's two million impressions stay cheap.
 */
public final class SyntheticInterests {

    public static final long START_MS = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    /** The impression follows its step's behaviour by one second. */
    public static final long IMPRESSION_DELAY_MS = 1_000;

    /**
     * Where a cohort sits in an endless stream: its number (0 is what {@link #generate(SyntheticConfig)} gives),
     * the offsets added to its user, item and category ids, and the event time its users start after.
     */
    public record Placement(int cohort, long userOffset, long itemOffset, long categoryOffset, long startMs) {
        public static final Placement FIRST = new Placement(0, 0, 0, 0, START_MS);

        public Placement {
            if (cohort < 0 || userOffset < 0 || itemOffset < 0 || categoryOffset < 0) {
                throw new IllegalArgumentException("cohort and id offsets must be >= 0: " + cohort + ", "
                        + userOffset + ", " + itemOffset + ", " + categoryOffset);
            }
        }
    }

    private final SyntheticConfig config;
    private final Placement placement;
    private final EventScript script;
    // I = users × eventsPerUser impressions, in generation order: impression (u, k) is at index (u − 1)·E + k, u
    // counted from 1 within the cohort; item ids here are without the placement's offset
    private final long[] candidateItems;   // [I]
    private final byte[] relations;        // [I] CandidateRelation ordinal
    private final double[] probabilities;  // [I] planted p
    private final int[] behaviorCategories;   // [I] ring category of the behaviour of the impression's step
    private final double[] itemLogits;        // [items] β_item, index itemId − 1
    private final boolean[] clicked;       // [I] sampled labels
    private final double oracleAuc;
    private long lastEventMs;
    private double[] posteriorProbabilities;  // [I] E[p | the user's behaviours up to the step]; on first use
    private double historyBayesAuc;

    private SyntheticInterests(SyntheticConfig config, Placement placement) {
        this.config = config;
        this.placement = placement;
        int impressions = config.users() * config.eventsPerUser();
        candidateItems = new long[impressions];
        relations = new byte[impressions];
        probabilities = new double[impressions];
        behaviorCategories = new int[impressions];
        itemLogits = new double[config.items()];
        clicked = new boolean[impressions];
        this.script = generate();
        this.oracleAuc = ExactAuc.of(probabilities, clicked);
    }

    public static SyntheticInterests generate(SyntheticConfig config) {
        return new SyntheticInterests(config, Placement.FIRST);
    }

    /** The cohort at {@code placement}: cohort 0 at {@link Placement#FIRST} is {@link #generate(SyntheticConfig)}. */
    public static SyntheticInterests generate(SyntheticConfig config, Placement placement) {
        return new SyntheticInterests(config, placement);
    }

    /** The next cohort of this world: same items and item biases, the next users, starting after this one ends. */
    public SyntheticInterests nextCohort() {
        return new SyntheticInterests(config, new Placement(placement.cohort() + 1,
                placement.userOffset() + config.users(), placement.itemOffset(), placement.categoryOffset(),
                lastEventMs + config.minStepGapMs()));
    }

    public Placement placement() {
        return placement;
    }

    private EventScript generate() {
        SplittableRandom random = new SplittableRandom(config.seed());
        int categories = config.categories();
        int perCategory = config.itemsPerCategory();
        ZipfRanks ranks = new ZipfRanks(perCategory, config.zipfExponent());
        for (int i = 0; i < itemLogits.length; i++) {
            itemLogits[i] = config.itemLogitStd() * random.nextGaussian();
        }
        if (placement.cohort() > 0) {
            // the same items as cohort 0, other users: a stream of the cohort's own after the item biases
            random = new SplittableRandom(config.seed() ^ (0x9E3779B97F4A7C15L * placement.cohort()));
        }
        long gapSpread = config.stepJitterMs() + 1;
        List<TimedEvent> events = new ArrayList<>((int) Math.min(Integer.MAX_VALUE - 8,
                (long) candidateItems.length * 2 + candidateItems.length / 2));
        int index = 0;
        long itemOffset = placement.itemOffset();
        long categoryOffset = placement.categoryOffset();
        for (long user = placement.userOffset() + 1; user <= placement.userOffset() + config.users(); user++) {
            int direction = random.nextBoolean() ? 1 : -1;
            int interest = random.nextInt(categories);
            long time = placement.startMs() + random.nextLong(config.minStepGapMs() + gapSpread);
            for (int step = 0; step < config.eventsPerUser(); step++, index++) {
                if (step > 0) {
                    time += config.minStepGapMs() + random.nextLong(gapSpread);
                    if (random.nextDouble() < config.driftProbability()) {
                        interest = ring(interest + direction, categories);
                    }
                }
                int behaviorCategory = random.nextDouble() < config.behaviorNoise()
                        ? random.nextInt(categories) : interest;
                long behaviorItem = itemId(behaviorCategory, ranks.sample(random), perCategory);
                events.add(TimedEvent.of(new Behavior(user, itemOffset + behaviorItem,
                        categoryOffset + behaviorCategory + 1, BehaviorType.CLICK, time)));
                behaviorCategories[index] = behaviorCategory;

                int candidateCategory = candidateCategory(random, interest, direction);
                long candidate = itemId(candidateCategory, ranks.sample(random), perCategory);
                CandidateRelation relation = relationOf(candidateCategory, interest, direction, categories);
                double logit = config.baseLogit() + itemLogits[(int) (candidate - 1)]
                        + (relation == CandidateRelation.CURRENT ? config.currentInterestLogit() : 0)
                        + (relation == CandidateRelation.NEXT ? config.nextInterestLogit() : 0);
                double p = 1.0 / (1.0 + Math.exp(-logit));
                boolean click = random.nextDouble() < p;
                candidateItems[index] = candidate;
                relations[index] = (byte) relation.ordinal();
                probabilities[index] = p;
                clicked[index] = click;

                String request = RequestIds.forStep(user, step);
                long shownAt = time + IMPRESSION_DELAY_MS;
                events.add(TimedEvent.of(new Impression(request, user, itemOffset + candidate,
                        categoryOffset + candidateCategory + 1, shownAt, null)));
                if (click) {
                    events.add(TimedEvent.of(new Click(request, user, itemOffset + candidate,
                            shownAt + ReviewProtocol.CLICK_DELAY_MS)));
                }
                lastEventMs = Math.max(lastEventMs, shownAt + ReviewProtocol.CLICK_DELAY_MS);
            }
        }
        return new EventScript("synthetic-interests-" + config.seed()
                + (placement.cohort() > 0 ? "-cohort-" + placement.cohort() : ""), events);
    }

    private int candidateCategory(SplittableRandom random, int interest, int direction) {
        double r = random.nextDouble();
        int categories = config.categories();
        if (r < config.currentCandidateShare()) {
            return interest;
        }
        r -= config.currentCandidateShare();
        if (r < config.nextCandidateShare()) {
            return ring(interest + direction, categories);
        }
        r -= config.nextCandidateShare();
        if (r < config.previousCandidateShare()) {
            return ring(interest - direction, categories);
        }
        return random.nextInt(categories);
    }

    /** Relation by category equality, however the candidate was drawn: a uniform draw can land on the interest. */
    static CandidateRelation relationOf(int category, int interest, int direction, int categories) {
        if (category == interest) {
            return CandidateRelation.CURRENT;
        }
        if (category == ring(interest + direction, categories)) {
            return CandidateRelation.NEXT;
        }
        if (category == ring(interest - direction, categories)) {
            return CandidateRelation.PREVIOUS;
        }
        return CandidateRelation.OTHER;
    }

    private static int ring(int category, int categories) {
        return Math.floorMod(category, categories);
    }

    private static long itemId(int category, int rank, int perCategory) {
        return (long) category * perCategory + rank + 1;
    }

    public SyntheticConfig config() {
        return config;
    }

    /** Behaviours, impressions and clicks, in event-time order. */
    public EventScript script() {
        return script;
    }

    /** The true click probability of the impression {@code requestId/itemId}; empty for an id it did not generate. */
    public OptionalDouble oracleProbability(String sampleId) {
        int index = indexOf(sampleId);
        return index < 0 ? OptionalDouble.empty() : OptionalDouble.of(probabilities[index]);
    }

    /** AUC of the planted p against the sampled clicks: the ceiling for one who knows the hidden interests. */
    public double oracleAuc() {
        return oracleAuc;
    }

    /** AUC of E[p | behaviours so far] (see the class comment): the ceiling for a model that sees the history. */
    public synchronized double historyBayesAuc() {
        posteriors();
        return historyBayesAuc;
    }

    /** E[p | behaviours 0..k] of the {@code index}-th impression in generation order. */
    public double historyPosteriorProbability(int index) {
        return posteriors()[index];
    }

    /** Runs the forward filter over every user's behaviours once: E[p | behaviours 0..k] for each impression. */
    private synchronized double[] posteriors() {
        if (posteriorProbabilities == null) {
            int steps = config.eventsPerUser();
            int perCategory = config.itemsPerCategory();
            double[] expected = new double[candidateItems.length];
            InterestFilter filter = new InterestFilter(config.categories(), config.driftProbability(),
                    config.behaviorNoise());
            for (int index = 0; index < expected.length; index++) {
                int step = index % steps;
                if (step == 0) {
                    filter.reset();
                }
                filter.observe(behaviorCategories[index], step > 0);
                long candidate = candidateItems[index];
                expected[index] = filter.expectedProbability((int) ((candidate - 1) / perCategory),
                        config.baseLogit() + itemLogits[(int) (candidate - 1)], config.currentInterestLogit(),
                        config.nextInterestLogit());
            }
            historyBayesAuc = ExactAuc.of(expected, clicked);
            posteriorProbabilities = expected;
        }
        return posteriorProbabilities;
    }

    public int impressions() {
        return candidateItems.length;
    }

    /** Ground truth of the {@code index}-th impression in generation order (user by user, step by step). */
    public PlantedImpression impression(int index) {
        long user = placement.userOffset() + index / config.eventsPerUser() + 1;
        int step = index % config.eventsPerUser();
        long item = placement.itemOffset() + candidateItems[index];
        long category = placement.categoryOffset() + (candidateItems[index] - 1) / config.itemsPerCategory() + 1;
        return new PlantedImpression(RequestIds.sampleId(RequestIds.forStep(user, step), item), user, step, item,
                category, CandidateRelation.values()[relations[index]], probabilities[index], clicked[index]);
    }

    /** Parses {@code u<user>-<step>/<item>}; −1 when malformed, out of range, or not the item shown. */
    private int indexOf(String sampleId) {
        int dash = sampleId.indexOf('-');
        int slash = sampleId.indexOf('/');
        if (!sampleId.startsWith("u") || dash < 0 || slash < dash) {
            return -1;
        }
        try {
            long user = Long.parseLong(sampleId, 1, dash, 10) - placement.userOffset();
            long step = Long.parseLong(sampleId, dash + 1, slash, 10);
            long item = Long.parseLong(sampleId, slash + 1, sampleId.length(), 10) - placement.itemOffset();
            if (user < 1 || user > config.users() || step < 0 || step >= config.eventsPerUser()) {
                return -1;
            }
            int index = (int) ((user - 1) * config.eventsPerUser() + step);
            return candidateItems[index] == item ? index : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Forward filter over the hidden (interest c, direction d) of one user: P(c_k, d | behaviour categories 0..k).
     * State index = (d == +1 ? 0 : C) + c. The prior is uniform; before each step after the first, c moves by d
     * with the drift probability; a behaviour of category b has likelihood (1 − noise)·[b = c] + noise / C.
     */
    static final class InterestFilter {
        private final int categories;
        private final double drift;
        private final double noise;
        private double[] posterior;   // [2C]
        private double[] moved;       // [2C] scratch

        InterestFilter(int categories, double drift, double noise) {
            this.categories = categories;
            this.drift = drift;
            this.noise = noise;
            this.posterior = new double[2 * categories];
            this.moved = new double[2 * categories];
        }

        void reset() {
            Arrays.fill(posterior, 1.0 / posterior.length);
        }

        void observe(int behaviorCategory, boolean afterDrift) {
            if (afterDrift) {
                Arrays.fill(moved, 0);
                for (int state = 0; state < posterior.length; state++) {
                    int offset = state < categories ? 0 : categories;
                    int c = state - offset;
                    int direction = offset == 0 ? 1 : -1;
                    moved[state] += posterior[state] * (1 - drift);
                    moved[offset + ring(c + direction, categories)] += posterior[state] * drift;
                }
                double[] swap = posterior;
                posterior = moved;
                moved = swap;
            }
            double total = 0;
            for (int state = 0; state < posterior.length; state++) {
                int c = state % categories;
                posterior[state] *= (1 - noise) * (c == behaviorCategory ? 1 : 0) + noise / categories;
                total += posterior[state];
            }
            for (int state = 0; state < posterior.length; state++) {
                posterior[state] /= total;
            }
        }

        /** Σ_{c,d} P(c, d | history) · σ(itemLogit + currentLogit·[cat = c] + nextLogit·[cat = c + d]). */
        double expectedProbability(int category, double itemLogit, double currentLogit, double nextLogit) {
            double expected = 0;
            for (int state = 0; state < posterior.length; state++) {
                int c = state % categories;
                int direction = state < categories ? 1 : -1;
                double logit = itemLogit + (category == c ? currentLogit : 0)
                        + (category == ring(c + direction, categories) ? nextLogit : 0);
                expected += posterior[state] / (1.0 + Math.exp(-logit));
            }
            return expected;
        }
    }
}
