package io.istream.trainer.data;

import io.istream.trainer.testing.SharedData;
import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.BehaviorType;
import io.istream.avro.Impression;
import io.istream.trainer.dataset.AmazonReviewsReader;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.Interaction;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ReadOptions;
import io.istream.trainer.dataset.ReviewProtocol;
import io.istream.trainer.dataset.TimedEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AmazonProtocolTest {

    private static final long DAY = 86_400_000L;
    private static final long DAY_1 = 1_318_896_000_000L;
    private static final int BEAUTY_USERS = 22_363;
    private static final int BEAUTY_REVIEWS = 198_502;

    private static OfflineDataset beauty;

    private static Interaction review(long user, long item, long time) {
        return Interaction.unrated(user, item, 100 + item, time, BehaviorType.REVIEW);
    }

    /**
     * User 1 reviews items 1, 2, 3 on one day and 4 later (three sample positions); user 2 reviews 3 then 1 (one
     * position); user 3 reviews 5, 6, 7 (two positions). Users 4..13 make items 10..19 popular.
     */
    private static InteractionLog toyLog() {
        List<Interaction> rows = new ArrayList<>();
        rows.add(review(1, 1, DAY_1));
        rows.add(review(1, 2, DAY_1));
        rows.add(review(1, 3, DAY_1));
        rows.add(review(1, 4, DAY_1 + DAY));
        rows.add(review(2, 3, DAY_1));
        rows.add(review(2, 1, DAY_1 + 2 * DAY));
        rows.add(review(3, 5, DAY_1));
        rows.add(review(3, 6, DAY_1 + DAY));
        rows.add(review(3, 7, DAY_1 + 2 * DAY));
        for (long other = 4; other <= 13; other++) {
            rows.add(review(other, 10 + other - 4, DAY_1));
        }
        return InteractionLog.of("toy", rows);
    }

    private static synchronized OfflineDataset beauty() {
        Path dir = SharedData.dataset(SharedData.AMAZON_BEAUTY);
        if (beauty == null) {
            beauty = AmazonProtocol.build(AmazonReviewsReader.read(dir, ReadOptions.all()),
                    OfflineDataset.DEFAULT_MAX_HISTORY, 7);
        }
        return beauty;
    }

    /** Sample i as "user:end:target:label", for exact comparisons. */
    private static List<String> rows(SampleSet set) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            rows.add(set.userId(i) + ":" + set.end(i) + ":" + (set.label(i) == 1f ? set.targetItem(i) : "neg"));
        }
        return rows;
    }

    @Test
    void splitsEachUsersLastPositionToTestTheOneBeforeToValidationAndFillsTestFirstForShortUsers() {
        OfflineDataset data = AmazonProtocol.build(toyLog(), 100, 1);

        assertThat(rows(data.test())).containsExactly("1:3:4", "1:3:neg", "2:1:1", "2:1:neg", "3:2:7", "3:2:neg");
        assertThat(rows(data.validation())).containsExactly("1:2:3", "1:2:neg", "3:1:6", "3:1:neg");
        assertThat(rows(data.train())).containsExactly("1:1:2", "1:1:neg");
        // users 4..13 have one review each: no history, no sample
        assertThat(data.samples()).isEqualTo(12);
        assertThat(data.sequences().size()).isEqualTo(13);
    }

    @Test
    void negativesAreNeverReviewedByTheUserAndTheShownNegativeIsTheAuxiliaryNegativeOfItsPosition() {
        OfflineDataset data = AmazonProtocol.build(toyLog(), 100, 3);
        UserSequences sequences = data.sequences();

        for (SampleSet set : List.of(data.train(), data.validation(), data.test())) {
            for (int i = 0; i < set.size(); i++) {
                long[] reviewed = sequences.items(set.sequence(i));
                if (set.label(i) == 0f) {
                    assertThat(reviewed).doesNotContain(set.targetItem(i));
                    assertThat(set.targetCategory(i)).isEqualTo(100 + set.targetItem(i));
                    assertThat(set.targetItem(i))
                            .isEqualTo(sequences.negativeItem(set.sequence(i), set.end(i)));
                } else {
                    assertThat(set.targetItem(i)).isEqualTo(sequences.item(set.sequence(i), set.end(i)));
                }
            }
        }
        for (int s = 0; s < sequences.size(); s++) {
            long[] reviewed = sequences.items(s);
            for (long negative : sequences.negativeItems(s)) {
                assertThat(negative).isPositive();
                assertThat(reviewed).doesNotContain(negative);
            }
        }
    }

    @Test
    void keepsTheMostRecentMaxHistoryPositionsStrictlyBeforeTheTarget() {
        OfflineDataset data = AmazonProtocol.build(toyLog(), 2, 1);
        SampleSet test = data.test();

        // user 1's test sample predicts position 3 (item 4): history = positions 1 and 2 (items 2, 3)
        Batch batch = Batches.of(test, new int[] {0}, 0);
        assertThat(batch.steps).isEqualTo(2);
        assertThat(batch.historyLength[0]).isEqualTo(2);
        assertThat(batch.historyItem).containsExactly(2, 3);
        assertThat(batch.targetItem[0]).isEqualTo(4);
    }

    @Test
    void isAPureFunctionOfLogAndSeed() {
        OfflineDataset a = AmazonProtocol.build(toyLog(), 100, 5);
        OfflineDataset b = AmazonProtocol.build(toyLog(), 100, 5);

        for (int s = 0; s < a.sequences().size(); s++) {
            assertThat(a.sequences().negativeItems(s)).containsExactly(b.sequences().negativeItems(s));
        }
        assertThat(rows(a.test())).isEqualTo(rows(b.test()));
    }

    @Test
    void drawsTheSameNegativesAsTheStreamingReplayWithTheSameSeed() {
        InteractionLog log = toyLog();
        assertSameNegativesAsReplay(log, AmazonProtocol.build(log, 100, 11), 11);
    }

    @Test
    void beautyHasOnePositiveAndOneNegativeTestSampleForEveryUser() {
        OfflineDataset data = beauty();
        int samplePositions = BEAUTY_REVIEWS - BEAUTY_USERS;

        assertThat(data.sequences().size()).isEqualTo(BEAUTY_USERS);
        assertThat(data.sequences().positions()).isEqualTo(BEAUTY_REVIEWS);
        assertThat(data.test().size()).isEqualTo(2 * BEAUTY_USERS);
        assertThat(data.test().users()).isEqualTo(BEAUTY_USERS);
        assertThat(data.test().positives()).isEqualTo(BEAUTY_USERS);
        // 5-core: every user has at least 5 reviews, so every user also has a validation pair
        assertThat(data.validation().size()).isEqualTo(2 * BEAUTY_USERS);
        assertThat(data.samples()).isEqualTo(2L * samplePositions);
        assertThat(data.train().size()).isEqualTo(2 * samplePositions - 4 * BEAUTY_USERS);
        assertThat(data.train().positives() * 2).isEqualTo(data.train().size());
        for (int i = 0; i < data.test().size(); i++) {
            int s = data.test().sequence(i);
            assertThat(data.test().end(i)).isEqualTo(data.sequences().length(s) - 1);
            assertThat(data.test().groupKey(i)).isEqualTo(data.test().userId(i));
        }
    }

    @Test
    void beautyHistoriesEndStrictlyBeforeTheTargetAndHoldAtMostOneHundredBehaviours() {
        OfflineDataset data = beauty();
        UserSequences sequences = data.sequences();

        for (SampleSet set : List.of(data.train(), data.validation(), data.test())) {
            for (int i = 0; i < set.size(); i++) {
                int s = set.sequence(i);
                int end = set.end(i);
                assertThat(end).isBetween(1, sequences.length(s) - 1);
                assertThat(set.historyLength(i)).isBetween(1, 100).isEqualTo(Math.min(end, 100));
                assertThat(set.historyStart(i) + set.historyLength(i)).isEqualTo(end);
                if (set.label(i) == 1f) {
                    assertThat(set.targetItem(i)).isEqualTo(sequences.item(s, end));
                }
            }
        }
        assertThat(data.train().longestHistory()).isEqualTo(100);   // the longest user has 204 reviews
        // the materialised histories too: the last history step is the behaviour just before the target
        int i = 0;
        for (Batch batch : Batches.inOrder(data.test(), 4096)) {
            for (int b = 0; b < batch.size; b++, i++) {
                int s = data.test().sequence(i);
                int length = batch.historyLength[b];
                int target = sequences.length(s) - 1;
                assertThat(batch.userId[b]).isEqualTo(sequences.userId(s));
                assertThat(length).isBetween(1, 100).isEqualTo(Math.min(target, 100));
                assertThat(batch.historyItem[b * batch.steps + length - 1]).isEqualTo(sequences.item(s, target - 1));
                assertThat(batch.historyItem[b * batch.steps]).isEqualTo(sequences.item(s, target - length));
            }
        }
        assertThat(i).isEqualTo(data.test().size());
    }

    @Test
    void beautyNegativesAndAuxiliaryNegativesAreNeverReviewedByTheUser() {
        OfflineDataset data = beauty();
        UserSequences sequences = data.sequences();

        for (int s = 0; s < sequences.size(); s++) {
            long[] reviewed = sequences.items(s);
            Arrays.sort(reviewed);
            for (int t = 0; t < sequences.length(s); t++) {
                long negative = sequences.negativeItem(s, t);
                assertThat(negative).isPositive().isNotEqualTo(sequences.item(s, t));
                assertThat(Arrays.binarySearch(reviewed, negative)).isNegative();
                assertThat(sequences.negativeCategory(s, t)).isPositive();
            }
        }
        for (SampleSet set : List.of(data.train(), data.validation(), data.test())) {
            for (int i = 0; i < set.size(); i++) {
                if (set.label(i) == 0f) {
                    long[] reviewed = sequences.items(set.sequence(i));
                    assertThat(reviewed).doesNotContain(set.targetItem(i));
                }
            }
        }
    }

    @Test
    void beautyNegativesMatchTheReplayOfTheFirstUsers() {
        InteractionLog log = AmazonReviewsReader.read(SharedData.dataset(SharedData.AMAZON_BEAUTY),
                ReadOptions.firstUsers(500));
        assertSameNegativesAsReplay(log, AmazonProtocol.build(log, 100, 42), 42);
    }

    /** Each offline negative at (user, k) is the second impression of request u<user>-<k> in the replay. */
    private static void assertSameNegativesAsReplay(InteractionLog log, OfflineDataset data, long seed) {
        EventScript script = ReviewProtocol.script(log, seed);
        Map<String, List<Long>> shownByRequest = new HashMap<>();
        for (TimedEvent event : script.events()) {
            if (event.event() instanceof Impression impression) {
                shownByRequest.computeIfAbsent(impression.getRequestId(), r -> new ArrayList<>())
                        .add(impression.getItemId());
            }
        }
        UserSequences sequences = data.sequences();
        int compared = 0;
        for (int s = 0; s < sequences.size(); s++) {
            for (int k = 1; k < sequences.length(s); k++) {
                List<Long> shown = shownByRequest.get("u" + sequences.userId(s) + "-" + k);
                assertThat(shown).containsExactly(sequences.item(s, k), sequences.negativeItem(s, k));
                compared++;
            }
        }
        assertThat(compared).isEqualTo(log.interactions() - log.users());
    }
}
