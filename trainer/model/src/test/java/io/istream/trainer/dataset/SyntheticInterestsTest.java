package io.istream.trainer.dataset;

import io.istream.trainer.eval.ExactAuc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SyntheticInterestsTest {

    private static SyntheticInterests small;

    @BeforeAll
    static void generateOnce() {
        small = SyntheticInterests.generate(SyntheticConfig.small());
    }

    @Test
    void isDeterministicForASeed() {
        SyntheticInterests again = SyntheticInterests.generate(SyntheticConfig.small());
        SyntheticInterests other = SyntheticInterests.generate(SyntheticConfig.small().withSeed(43));

        assertThat(again.script().events()).isEqualTo(small.script().events());
        assertThat(again.oracleAuc()).isEqualTo(small.oracleAuc());
        assertThat(other.script().events()).isNotEqualTo(small.script().events());
    }

    @Test
    void eachStepIsABehaviourThenAnImpressionAndAClickDrawnFromThePlantedProbability() {
        SyntheticConfig config = small.config();
        int steps = config.users() * config.eventsPerUser();
        EventScript script = small.script();

        assertThat(script.expectedSamples()).isEqualTo(steps);
        assertThat(script.events()).filteredOn(e -> e.event() instanceof Behavior).hasSize(steps);
        long clicked = 0;
        for (int i = 0; i < small.impressions(); i++) {
            clicked += small.impression(i).clicked() ? 1 : 0;
        }
        assertThat(script.expectedPositives()).isEqualTo(clicked);

        Map<String, Long> shownAt = new HashMap<>();
        Set<String> samples = new HashSet<>();
        for (TimedEvent e : script.events()) {
            if (e.event() instanceof Impression impression) {
                String sampleId = RequestIds.sampleId(impression.getRequestId(), impression.getItemId());
                shownAt.put(sampleId, e.eventTimeMs());
                samples.add(sampleId);
                assertThat(small.oracleProbability(sampleId)).isPresent();
            } else if (e.event() instanceof Click click) {
                String sampleId = RequestIds.sampleId(click.getRequestId(), click.getItemId());
                assertThat(e.eventTimeMs()).isEqualTo(shownAt.get(sampleId) + ReviewProtocol.CLICK_DELAY_MS);
            }
        }
        assertThat(samples).hasSize(steps);
        PlantedImpression first = small.impression(0);
        assertThat(first.sampleId()).startsWith("u1-0/");
        assertThat(small.oracleProbability(first.sampleId())).hasValue(first.probability());
        assertThat(small.oracleProbability("u1-0/" + (first.itemId() + 1))).isEmpty();
        assertThat(small.oracleProbability("u999999-0/1")).isEmpty();
        assertThat(small.oracleProbability("garbage")).isEmpty();
    }

    @Test
    void startsAt2024AndInterleavesUsers() {
        List<TimedEvent> events = small.script().events();
        assertThat(events.get(0).eventTimeMs()).isGreaterThanOrEqualTo(SyntheticInterests.START_MS);

        long firstHour = SyntheticInterests.START_MS + 3_600_000L;
        Set<Long> activeInFirstHour = new HashSet<>();
        events.stream().filter(e -> e.eventTimeMs() < firstHour).forEach(e -> activeInFirstHour.add(e.userId()));
        assertThat(activeInFirstHour).hasSize(small.config().users());

        Map<Long, Long> lastBehavior = new HashMap<>();
        for (TimedEvent e : events) {
            if (e.event() instanceof Behavior) {
                Long last = lastBehavior.put(e.userId(), e.eventTimeMs());
                assertThat(last == null || e.eventTimeMs() - last >= small.config().minStepGapMs()).isTrue();
            }
        }
    }

    @Test
    void oracleAucIsWellAboveChance() {
        System.out.printf("synthetic small: %s, oracle AUC %.4f%n", small.script(), small.oracleAuc());

        assertThat(small.oracleAuc()).isGreaterThan(0.75);
    }

    /**
     * The history Bayes ceiling sits between the order heuristic below and the oracle that knows the hidden state,
     * close to the oracle: the history reveals the interest and, once the user has drifted, the direction.
     */
    @Test
    void historyBayesAucIsJustBelowTheOracle() {
        System.out.printf("synthetic small: history Bayes AUC %.4f, oracle AUC %.4f%n", small.historyBayesAuc(),
                small.oracleAuc());

        assertThat(small.historyBayesAuc()).isLessThan(small.oracleAuc())
                .isGreaterThan(small.oracleAuc() - 0.03);
        for (int i = 0; i < small.impressions(); i++) {
            assertThat(small.historyPosteriorProbability(i)).isBetween(0.0, 1.0);
        }
    }

    @Test
    void interestFilterFollowsTheInterestAndLearnsTheDirectionFromTheOrder() {
        int categories = 20;
        SyntheticInterests.InterestFilter filter = new SyntheticInterests.InterestFilter(categories, 0.1, 0.2);
        filter.reset();
        int[] seen = {3, 3, 3, 4, 4, 4};
        for (int t = 0; t < seen.length; t++) {
            filter.observe(seen[t], t > 0);
        }
        // logits: item 0, current +10, next +5; a candidate's expected p shows what the filter believes
        double current = filter.expectedProbability(4, -10, 10, 5);
        double next = filter.expectedProbability(5, -10, 10, 5);
        double previous = filter.expectedProbability(3, -10, 10, 5);
        double unrelated = filter.expectedProbability(12, -10, 10, 5);
        assertThat(current).isGreaterThan(0.4);      // P(c = 4) high: σ(0) = 0.5 when certain
        assertThat(next).isGreaterThan(0.5 * sigmoid(-5));   // moved 3 → 4, so d = +1 and 5 is next
        assertThat(previous).isLessThan(0.1 * next);
        assertThat(unrelated).isLessThan(0.01);
        // one step of the same evidence in the other order flips the direction
        filter.reset();
        int[] backwards = {5, 5, 5, 4, 4, 4};
        for (int t = 0; t < backwards.length; t++) {
            filter.observe(backwards[t], t > 0);
        }
        assertThat(filter.expectedProbability(3, -10, 10, 5)).isGreaterThan(
                10 * filter.expectedProbability(5, -10, 10, 5));
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void thePlantedDirectionMatters() {
        Map<CandidateRelation, double[]> sumAndCount = new EnumMap<>(CandidateRelation.class);
        for (int i = 0; i < small.impressions(); i++) {
            PlantedImpression impression = small.impression(i);
            double[] acc = sumAndCount.computeIfAbsent(impression.relation(), r -> new double[3]);
            acc[0] += impression.probability();
            acc[1] += impression.clicked() ? 1 : 0;
            acc[2]++;
        }
        double meanNext = sumAndCount.get(CandidateRelation.NEXT)[0] / sumAndCount.get(CandidateRelation.NEXT)[2];
        double meanPrevious = sumAndCount.get(CandidateRelation.PREVIOUS)[0] / sumAndCount.get(CandidateRelation.PREVIOUS)[2];
        double clickRateNext = sumAndCount.get(CandidateRelation.NEXT)[1] / sumAndCount.get(CandidateRelation.NEXT)[2];
        double clickRatePrevious = sumAndCount.get(CandidateRelation.PREVIOUS)[1] / sumAndCount.get(CandidateRelation.PREVIOUS)[2];

        assertThat(sumAndCount.get(CandidateRelation.PREVIOUS)[2]).isGreaterThan(500);
        assertThat(meanNext).isGreaterThan(2 * meanPrevious);
        assertThat(clickRateNext).isGreaterThan(clickRatePrevious);
    }

    /**
     * A model-free check that order carries signal: score each impression by "same category as the last behaviour,
     * else one step on in the direction the history moved", once on the true history and once on the same history
     * shuffled. The shuffled (order-blind) version must rank clicks clearly worse.
     */
    @Test
    void orderOfTheHistoryCarriesSignalThatABagOfItsCategoriesLoses() {
        int categories = small.config().categories();
        Map<Long, List<Integer>> history = new HashMap<>();
        SplittableRandom shuffler = new SplittableRandom(1);
        Map<String, Boolean> clicked = new HashMap<>();
        small.script().events().stream().filter(e -> e.event() instanceof Click).forEach(e -> {
            Click c = (Click) e.event();
            clicked.put(RequestIds.sampleId(c.getRequestId(), c.getItemId()), true);
        });
        List<double[]> ordered = new ArrayList<>();
        List<double[]> shuffled = new ArrayList<>();
        List<Boolean> labels = new ArrayList<>();
        for (TimedEvent e : small.script().events()) {
            if (e.event() instanceof Behavior b) {
                history.computeIfAbsent(b.getUserId(), u -> new ArrayList<>()).add((int) b.getCategoryId() - 1);
            } else if (e.event() instanceof Impression impression) {
                List<Integer> seen = history.get(impression.getUserId());
                int candidate = (int) impression.getCategoryId() - 1;
                List<Integer> bag = new ArrayList<>(seen);
                Collections.shuffle(bag, new java.util.Random(shuffler.nextLong()));
                ordered.add(new double[] {orderHeuristic(seen, candidate, categories)});
                shuffled.add(new double[] {orderHeuristic(bag, candidate, categories)});
                labels.add(clicked.containsKey(RequestIds.sampleId(impression.getRequestId(), impression.getItemId())));
            }
        }
        double orderedAuc = auc(ordered, labels);
        double shuffledAuc = auc(shuffled, labels);
        System.out.printf("synthetic small: order heuristic AUC %.4f, same on shuffled history %.4f, oracle %.4f%n",
                orderedAuc, shuffledAuc, small.oracleAuc());

        assertThat(orderedAuc).isGreaterThan(shuffledAuc + 0.05);
        assertThat(orderedAuc).isLessThan(small.oracleAuc());
    }

    private static double orderHeuristic(List<Integer> history, int candidate, int categories) {
        int last = history.get(history.size() - 1);
        int drift = 0;
        for (int t = 1; t < history.size(); t++) {
            int step = Math.floorMod(history.get(t) - history.get(t - 1), categories);
            drift += step == 1 ? 1 : step == categories - 1 ? -1 : 0;
        }
        if (candidate == last) {
            return 2;
        }
        if (drift != 0 && candidate == Math.floorMod(last + Integer.signum(drift), categories)) {
            return 1;
        }
        return 0;
    }

    private static double auc(List<double[]> scores, List<Boolean> labels) {
        double[] s = new double[scores.size()];
        boolean[] y = new boolean[labels.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i)[0];
            y[i] = labels.get(i);
        }
        return ExactAuc.of(s, y);
    }

    @Test
    void cohortsContinueTheWorldWithNewUsersLaterInTime() {
        SyntheticInterests next = small.nextCohort();
        SyntheticInterests third = next.nextCohort();
        int users = small.config().users();
        long lastOfFirst = small.script().events().get(small.script().size() - 1).eventTimeMs();

        assertThat(next.placement().cohort()).isEqualTo(1);
        assertThat(next.script().events()).allSatisfy(e -> assertThat(e.eventTimeMs()).isGreaterThan(lastOfFirst));
        Set<Long> userIds = new HashSet<>();
        Set<Long> items = new HashSet<>();
        for (TimedEvent e : next.script().events()) {
            if (e.event() instanceof Impression i) {
                userIds.add(i.getUserId());
                items.add(i.getItemId());
                assertThat(next.oracleProbability(i.getRequestId() + "/" + i.getItemId())).isPresent();
            }
        }
        assertThat(userIds).allSatisfy(u -> assertThat(u).isBetween((long) users + 1, 2L * users));
        assertThat(items).allSatisfy(i -> assertThat(i).isBetween(1L, (long) small.config().items()));
        // each cohort its own users' draws, the same world: its ceilings are close to the first cohort's
        assertThat(next.script().events()).isNotEqualTo(third.script().events());
        assertThat(next.historyBayesAuc()).isCloseTo(small.historyBayesAuc(), org.assertj.core.data.Offset.offset(0.03));
        // the same items keep their biases: the planted p of the same (relation, item) is the same in both cohorts
        Map<String, Double> firstP = new HashMap<>();
        for (int i = 0; i < small.impressions(); i++) {
            PlantedImpression p = small.impression(i);
            firstP.put(p.relation() + "/" + p.itemId(), p.probability());
        }
        int compared = 0;
        for (int i = 0; i < next.impressions(); i++) {
            PlantedImpression p = next.impression(i);
            Double same = firstP.get(p.relation() + "/" + p.itemId());
            if (same != null) {
                assertThat(p.probability()).isEqualTo(same);
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(1000);
    }

    @Test
    void aPlacementShiftsUserItemAndCategoryIds() {
        var placement = new SyntheticInterests.Placement(0, 1_000, 50_000, 300, SyntheticInterests.START_MS + 5_000);
        SyntheticInterests shifted = SyntheticInterests.generate(SyntheticConfig.small(), placement);
        for (TimedEvent e : shifted.script().events()) {
            if (e.event() instanceof Behavior b) {
                assertThat(b.getUserId()).isGreaterThan(1_000);
                assertThat(b.getItemId()).isGreaterThan(50_000);
                assertThat(b.getCategoryId()).isBetween(301L, 300L + small.config().categories());
                assertThat(b.getEventTimeMs()).isGreaterThan(SyntheticInterests.START_MS + 5_000);
            }
        }
        assertThat(shifted.oracleAuc()).isEqualTo(small.oracleAuc());
        PlantedImpression first = shifted.impression(0);
        assertThat(shifted.oracleProbability(first.sampleId())).hasValue(first.probability());
    }

    @Test
    void benchmarkPresetIsLargeAndConfigsAreValidated() {
        SyntheticConfig benchmark = SyntheticConfig.benchmark();
        assertThat((long) benchmark.users() * benchmark.eventsPerUser()).isGreaterThanOrEqualTo(1_000_000);

        assertThatThrownBy(() -> small.config().withSize(0, 10)).hasMessageContaining("users >= 1");
        assertThatThrownBy(() -> new SyntheticConfig(10, 2, 5, 5, 1, 0.1, 0.2, 1, 0.3, 0.2, 0.1, -3, 2.5, 1.5, 0.5,
                120_000, 0)).hasMessageContaining("categories >= 3");
    }
}
