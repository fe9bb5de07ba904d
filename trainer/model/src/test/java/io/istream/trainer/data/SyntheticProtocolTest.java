package io.istream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.istream.avro.Behavior;
import io.istream.trainer.dataset.PlantedImpression;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.dataset.TimedEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SyntheticProtocolTest {

    private static SyntheticInterests interests;
    private static OfflineDataset data;

    @BeforeAll
    static void generate() {
        interests = SyntheticInterests.generate(SyntheticConfig.small());
        data = SyntheticProtocol.build(interests, 100, 9);
    }

    /** Each user's behaviour items in time order, read from the script independently of the protocol. */
    private static Map<Long, List<Long>> behavioursByUser() {
        Map<Long, List<Long>> byUser = new HashMap<>();
        for (TimedEvent event : interests.script().events()) {
            if (event.event() instanceof Behavior behavior) {
                byUser.computeIfAbsent(behavior.getUserId(), u -> new ArrayList<>()).add(behavior.getItemId());
            }
        }
        return byUser;
    }

    @Test
    void holdsOutATenthOfTheUsersForTestAndAnotherTenthForValidationWithAllTheirSteps() {
        // small(): 200 users × 50 steps; 20 test users, 20 validation users, 160 training users
        assertThat(SyntheticProtocol.heldOutUsers(SyntheticConfig.small())).isEqualTo(20);
        assertThat(data.test().size()).isEqualTo(1_000);
        assertThat(data.validation().size()).isEqualTo(1_000);
        assertThat(data.train().size()).isEqualTo(8_000);
        Map<Long, Set<Integer>> stepsByUser = new HashMap<>();
        Map<Long, String> splitOfUser = new HashMap<>();
        for (SampleSet set : List.of(data.train(), data.validation(), data.test())) {
            for (int i = 0; i < set.size(); i++) {
                long user = set.userId(i);
                assertThat(splitOfUser.computeIfAbsent(user, u -> set.name())).as("user %d in one split", user)
                        .isEqualTo(set.name());
                stepsByUser.computeIfAbsent(user, u -> new HashSet<>()).add(set.end(i) - 1);
            }
        }
        assertThat(stepsByUser).hasSize(200);
        assertThat(stepsByUser.values()).allSatisfy(steps -> assertThat(steps).hasSize(50));
        assertThat(data.test().users()).isEqualTo(20);
        assertThat(data.validation().users()).isEqualTo(20);
        // held-out histories stay within the training lengths: 1..50 steps in every split
        assertThat(data.train().longestHistory()).isEqualTo(data.test().longestHistory()).isEqualTo(50);
        // a different seed holds out different users
        OfflineDataset other = SyntheticProtocol.build(interests, 100, 10);
        Set<Long> testUsers = new HashSet<>();
        for (int i = 0; i < data.test().size(); i++) {
            testUsers.add(data.test().userId(i));
        }
        boolean differs = false;
        for (int i = 0; i < other.test().size(); i++) {
            differs |= !testUsers.contains(other.test().userId(i));
        }
        assertThat(differs).isTrue();
    }

    @Test
    void needsThreeUsers() {
        SyntheticInterests two = SyntheticInterests.generate(SyntheticConfig.small().withSize(2, 5));
        assertThatThrownBy(() -> SyntheticProtocol.build(two, 100, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 3 synthetic users");
    }

    @Test
    void eachImpressionsHistoryEndsWithTheBehaviourOfItsOwnStep() {
        Map<Long, List<Long>> behaviours = behavioursByUser();
        int checked = 0;
        for (SampleSet set : List.of(data.train(), data.validation(), data.test())) {
            for (int i = 0; i < set.size(); i++) {
                List<Long> user = behaviours.get(set.userId(i));
                int step = set.end(i) - 1;
                int s = set.sequence(i);
                assertThat(data.sequences().item(s, step)).isEqualTo(user.get(step));
                assertThat(set.historyLength(i)).isEqualTo(Math.min(step + 1, 100));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(interests.impressions());
        // and in a materialised batch: the newest history step is behaviour k
        Batch batch = Batches.inOrder(data.test(), 8).get(0);
        for (int b = 0; b < batch.size; b++) {
            List<Long> user = behaviours.get(batch.userId[b]);
            int step = data.test().end(b) - 1;
            assertThat(batch.historyItem[b * batch.steps + batch.historyLength[b] - 1]).isEqualTo(user.get(step));
        }
    }

    @Test
    void keepsThePlantedCandidateLabelAndProbabilityOfEachImpression() {
        int steps = interests.config().eventsPerUser();
        for (SampleSet set : List.of(data.train(), data.validation(), data.test())) {
            assertThat(set.hasPlantedProbabilities()).isTrue();
            for (int i = 0; i < set.size(); i++) {
                PlantedImpression planted = interests.impression((int) (set.userId(i) - 1) * steps + set.end(i) - 1);
                assertThat(set.targetItem(i)).isEqualTo(planted.itemId());
                assertThat(set.targetCategory(i)).isEqualTo(planted.categoryId());
                assertThat(set.label(i)).isEqualTo(planted.clicked() ? 1f : 0f);
                assertThat(set.plantedProbability(i)).isEqualTo(planted.probability());
            }
        }
    }

    @Test
    void oracleAucOnTheTestSplitIsWellAboveChance() {
        double oracle = SyntheticProtocol.oracleAuc(data.test());

        assertThat(oracle).isGreaterThan(0.6).isLessThanOrEqualTo(1.0);
        // the whole stream's oracle AUC, as the generator reports it, is within noise of the splits'
        double all = interests.oracleAuc();
        assertThat(SyntheticProtocol.oracleAuc(data.train())).isCloseTo(all, within(0.02));
    }

    @Test
    void auxiliaryNegativesPreferEarlierShownButNotClickedImpressionsAndNeverAnItemTheUserActedOn() {
        UserSequences sequences = data.sequences();
        int steps = interests.config().eventsPerUser();
        int fromShown = 0;
        for (int s = 0; s < sequences.size(); s++) {
            long[] actedOn = sequences.items(s);
            for (int t = 0; t < steps; t++) {
                long negative = sequences.negativeItem(s, t);
                assertThat(negative).isPositive().isNotEqualTo(sequences.item(s, t));
                assertThat(actedOn).doesNotContain(negative);
            }
            // behaviour 1 follows impression 0: if it was passed over, it is behaviour 1's negative
            PlantedImpression first = interests.impression(s * steps);
            if (!first.clicked() && !contains(actedOn, first.itemId())) {
                assertThat(sequences.negativeItem(s, 1)).isEqualTo(first.itemId());
                assertThat(sequences.negativeCategory(s, 1)).isEqualTo(first.categoryId());
                fromShown++;
            }
        }
        assertThat(fromShown).as("most first impressions are passed over").isGreaterThan(sequences.size() / 2);
    }

    @Test
    void isAPureFunctionOfTheStreamAndSeed() {
        OfflineDataset again = SyntheticProtocol.build(interests, 100, 9);
        for (int s = 0; s < data.sequences().size(); s++) {
            assertThat(again.sequences().negativeItems(s)).containsExactly(data.sequences().negativeItems(s));
        }
    }

    private static boolean contains(long[] items, long item) {
        for (long i : items) {
            if (i == item) {
                return true;
            }
        }
        return false;
    }
}
