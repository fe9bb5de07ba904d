package io.istream.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PopularitySamplerTest {

    /** Items 1..10 with counts 1..10: item i has probability i / 55. */
    private static PopularitySampler oneToTen() {
        List<ItemPopularity> items = new ArrayList<>();
        for (long i = 10; i >= 1; i--) {   // deliberately not in id order
            items.add(new ItemPopularity(i, 100 + i % 3, i));
        }
        return PopularitySampler.of(items);
    }

    @Test
    void drawsInProportionToCount() {
        PopularitySampler sampler = oneToTen();
        SplittableRandom random = new SplittableRandom(7);
        int draws = 110_000;
        long[] observed = new long[11];
        for (int d = 0; d < draws; d++) {
            ItemPopularity item = sampler.sample(random);
            observed[(int) item.itemId()]++;
            assertThat(item.categoryId()).isEqualTo(100 + item.itemId() % 3);
        }
        double chiSquare = 0;
        for (int i = 1; i <= 10; i++) {
            double expected = draws * i / 55.0;
            chiSquare += Math.pow(observed[i] - expected, 2) / expected;
        }
        // 9 degrees of freedom: P(chi2 > 27.9) = 0.001
        assertThat(chiSquare).isLessThan(27.9);
        assertThat(sampler.totalCount()).isEqualTo(55);
        assertThat(sampler.probability(10)).isEqualTo(10 / 55.0);
        assertThat(sampler.probability(11)).isZero();
    }

    @Test
    void sampleExcludingNeverReturnsAnExcludedItemAndKeepsTheRestProportional() {
        PopularitySampler sampler = oneToTen();
        SplittableRandom random = new SplittableRandom(11);
        Set<Long> excluded = Set.of(10L, 9L, 8L);
        long[] observed = new long[11];
        int draws = 28_000;   // the remaining items 1..7 sum to 28
        for (int d = 0; d < draws; d++) {
            long item = sampler.sampleExcluding(random, excluded::contains, 32).orElseThrow().itemId();
            observed[(int) item]++;
        }
        assertThat(observed[8] + observed[9] + observed[10]).isZero();
        for (int i = 1; i <= 7; i++) {
            assertThat((double) observed[i]).isCloseTo(draws * i / 28.0, org.assertj.core.data.Percentage.withPercentage(10));
        }
    }

    @Test
    void fallsBackToAScanWhenDrawsRunOutAndIsEmptyWhenEverythingIsExcluded() {
        PopularitySampler sampler = oneToTen();
        SplittableRandom random = new SplittableRandom(3);

        for (int d = 0; d < 100; d++) {
            assertThat(sampler.sampleExcluding(random, item -> item != 1, 0))
                    .as("zero tries: straight to the scan").map(ItemPopularity::itemId).contains(1L);
        }
        assertThat(sampler.sampleExcluding(random, item -> true, 5)).isEmpty();
        assertThat(PopularitySampler.of(List.of()).sampleExcluding(random, item -> false, 5)).isEqualTo(Optional.empty());
        assertThatThrownBy(() -> PopularitySampler.of(List.of()).sample(random)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void isDeterministicForASeedWhateverTheInputOrder() {
        List<ItemPopularity> items = new ArrayList<>();
        for (long i = 1; i <= 50; i++) {
            items.add(new ItemPopularity(i, 1, 1 + i % 7));
        }
        List<ItemPopularity> reversed = new ArrayList<>(items);
        java.util.Collections.reverse(reversed);
        SplittableRandom a = new SplittableRandom(5);
        SplittableRandom b = new SplittableRandom(5);
        PopularitySampler forward = PopularitySampler.of(items);
        PopularitySampler backward = PopularitySampler.of(reversed);
        for (int d = 0; d < 1_000; d++) {
            assertThat(forward.sample(a)).isEqualTo(backward.sample(b));
        }
    }

    @Test
    void rejectsDuplicateItemsAndNonPositiveCounts() {
        assertThatThrownBy(() -> PopularitySampler.of(List.of(new ItemPopularity(1, 1, 1), new ItemPopularity(1, 2, 1))))
                .hasMessageContaining("item 1 is listed twice");
        assertThatThrownBy(() -> new ItemPopularity(1, 1, 0)).hasMessageContaining("at least once");
    }
}
