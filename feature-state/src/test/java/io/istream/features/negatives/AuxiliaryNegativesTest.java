package io.istream.features.negatives;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AuxiliaryNegativesTest {
    @Test
    void shownButNotClickedItemsComeFirstNewestFirstAndNeverOnesTheUserActedOn() {
        RecentItemPool pool = new RecentItemPool(100);
        pool.add(900, 9);
        pool.add(77, 7); // the target: never a negative of its own sample
        long[] history = {1, 2, 3, 4};
        long[] shown = {50, 2, 60};      // 2 is in the history: the user did act on it
        long[] shownCats = {5, 0, 6};
        long[][] negatives = AuxiliaryNegatives.choose(77, history, shown, shownCats, pool, 42);
        assertThat(negatives[0]).containsExactly(60, 50, 900, 900);
        assertThat(negatives[1]).containsExactly(6, 5, 9, 9);
    }

    @Test
    void popularityDrawsFollowRecentFrequencyAndExcludeHistory() {
        RecentItemPool pool = new RecentItemPool(1000);
        for (int i = 0; i < 1000; i++) {
            pool.add(i % 10 < 6 ? 100 : i % 10 < 9 ? 200 : 7, 1); // 60% item 100, 30% item 200, 10% item 7 (history)
        }
        long[] history = new long[2000];
        java.util.Arrays.fill(history, 7);
        Map<Long, Integer> counts = new HashMap<>();
        for (long item : AuxiliaryNegatives.choose(100, history, new long[0], new long[0], pool, 1)[0]) {
            counts.merge(item, 1, Integer::sum);
        }
        assertThat(counts).doesNotContainKey(7L);
        assertThat(counts).doesNotContainKey(100L);
        // what is left is all item 200; and without a target to exclude, 100 and 200 come at 60:30
        assertThat(counts.get(200L)).isEqualTo(2000);
        counts.clear();
        for (long item : AuxiliaryNegatives.choose(1, history, new long[0], new long[0], pool, 1)[0]) {
            counts.merge(item, 1, Integer::sum);
        }
        double share100 = counts.get(100L) / 2000.0;
        assertThat(share100).isBetween(0.6 / 0.9 - 0.04, 0.6 / 0.9 + 0.04);
    }

    @Test
    void deterministicForASeedAndNoneOnlyWhenNothingQualifies() {
        RecentItemPool pool = new RecentItemPool(10);
        long[] history = {1, 2};
        assertThat(AuxiliaryNegatives.choose(99, history, new long[0], new long[0], pool, 3)[0])
                .containsExactly(AuxiliaryNegatives.NONE, AuxiliaryNegatives.NONE);
        for (int i = 0; i < 10; i++) {
            pool.add(10 + i, 1);
        }
        assertThat(AuxiliaryNegatives.choose(99, history, new long[0], new long[0], pool, 3)[0])
                .isEqualTo(AuxiliaryNegatives.choose(99, history, new long[0], new long[0], pool, 3)[0]);
    }

    @Test
    void itemSetAgreesWithAPlainSetOnRandomIds() {
        java.util.Random random = new java.util.Random(5);
        for (int round = 0; round < 200; round++) {
            int n = 1 + random.nextInt(300);
            AuxiliaryNegatives.ItemSet set = new AuxiliaryNegatives.ItemSet(n);
            java.util.Set<Long> reference = new java.util.HashSet<>();
            for (int i = 0; i < n; i++) {
                long item = 1 + random.nextInt(500);
                set.add(item);
                reference.add(item);
            }
            for (long probe = 1; probe <= 520; probe++) {
                assertThat(set.contains(probe)).isEqualTo(reference.contains(probe));
            }
        }
    }

    @Test
    void poolIsARingOfTheMostRecentOccurrences() {
        RecentItemPool pool = new RecentItemPool(3);
        for (int i = 1; i <= 5; i++) {
            pool.add(i, i * 10);
        }
        assertThat(pool.size()).isEqualTo(3);
        assertThat(pool.snapshot()[0]).containsExactly(3, 4, 5);
        assertThat(pool.snapshot()[1]).containsExactly(30, 40, 50);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 100; i++) {
            assertThat(pool.itemAt(pool.drawSlot(random))).isBetween(3L, 5L);
        }
    }
}
