package io.istream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class BatchesTest {

    /**
     * User 10 reviewed items 1..5 (categories 101..105, auxiliary negatives 51..55 / 151..155); user 20 reviewed
     * items 6, 7 (negatives 56, 57).
     */
    private static UserSequences twoUsers() {
        return UserSequences.of(new long[] {10, 20}, new int[] {0, 5, 7},
                new long[] {1, 2, 3, 4, 5, 6, 7},
                new long[] {101, 102, 103, 104, 105, 106, 107},
                new long[] {51, 52, 53, 54, 55, 56, 57},
                new long[] {151, 152, 153, 154, 155, 156, 157});
    }

    /** Five samples with maxHistory 3; sample 4's history (positions 0..4) is cut to its 3 most recent. */
    private static SampleSet fiveSamples() {
        return SampleSet.builder("toy", twoUsers(), 3)
                .add(0, 4, 5, 105, 1f, 10)     // history items 2, 3, 4
                .add(1, 1, 7, 107, 0f, 20)     // history item 6
                .add(0, 2, 3, 103, 1f, 10)     // history items 1, 2
                .add(1, 2, 99, 199, 0f, 20)    // history items 6, 7
                .add(0, 5, 98, 198, 0f, 10)    // history items 3, 4, 5
                .build();
    }

    @Test
    void inOrderBatchesAreLeftAlignedOldestFirstPaddedWithZeroAndAsLongAsTheirLongestHistory() {
        Batches batches = Batches.inOrder(fiveSamples(), 2);

        assertThat(batches.count()).isEqualTo(3);
        List<Batch> all = new ArrayList<>();
        batches.forEach(all::add);
        assertThat(all).extracting(b -> b.size).containsExactly(2, 2, 1);
        assertThat(all).extracting(b -> b.steps).containsExactly(3, 2, 3);

        Batch first = all.get(0);
        assertThat(first.historyLength).containsExactly(3, 1);
        assertThat(first.historyItem).containsExactly(2, 3, 4, 6, 0, 0);
        assertThat(first.historyCategory).containsExactly(102, 103, 104, 106, 0, 0);
        assertThat(first.negativeItem).containsExactly(52, 53, 54, 56, 0, 0);
        assertThat(first.negativeCategory).containsExactly(152, 153, 154, 156, 0, 0);
        assertThat(first.userId).containsExactly(10, 20);
        assertThat(first.sampleKey).containsExactly(10, 20);
        assertThat(first.targetItem).containsExactly(5, 7);
        assertThat(first.targetCategory).containsExactly(105, 107);
        assertThat(first.label).containsExactly(1f, 0f);
        assertThat(first.valid(1, 0)).isTrue();
        assertThat(first.valid(1, 1)).isFalse();

        assertThat(all.get(1).historyItem).containsExactly(1, 2, 6, 7);
        assertThat(all.get(2).historyItem).containsExactly(3, 4, 5);
        assertThat(all.get(2).negativeItem).containsExactly(53, 54, 55);
    }

    @Test
    void aFixedTPadsShortHistoriesAndKeepsTheMostRecentStepsOfLongOnes() {
        Batches two = Batches.inOrder(fiveSamples(), 2).withFixedSteps(2);
        Batch first = two.get(0);
        assertThat(first.steps).isEqualTo(2);
        assertThat(first.historyLength).containsExactly(2, 1);
        assertThat(first.historyItem).containsExactly(3, 4, 6, 0);
        assertThat(first.negativeItem).containsExactly(53, 54, 56, 0);

        Batch last = Batches.inOrder(fiveSamples(), 2).withFixedSteps(5).get(2);
        assertThat(last.steps).isEqualTo(5);
        assertThat(last.historyLength).containsExactly(3);
        assertThat(last.historyItem).containsExactly(3, 4, 5, 0, 0);
        assertThat(last.historyCategory).containsExactly(103, 104, 105, 0, 0);
    }

    private static SampleSet manySamples(int n) {
        SampleSet.Builder builder = SampleSet.builder("many", twoUsers(), 100);
        for (int i = 0; i < n; i++) {
            builder.add(i % 2, 1 + i % 2, i + 1, 1, i % 3 == 0 ? 1f : 0f, 10 + 10 * (i % 2));
        }
        return builder.build();
    }

    private static long[] targetsInBatchOrder(Batches batches) {
        List<Long> targets = new ArrayList<>();
        for (Batch batch : batches) {
            assertThat(batch.size).isLessThanOrEqualTo(32);
            for (long item : batch.targetItem) {
                targets.add(item);
            }
        }
        return targets.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void shuffledOrderIsAPermutationReproducibleBySeedAndEpoch() {
        SampleSet samples = manySamples(1000);

        long[] epoch0 = targetsInBatchOrder(Batches.shuffled(samples, 32, 17, 0));
        long[] again = targetsInBatchOrder(Batches.shuffled(samples, 32, 17, 0));
        long[] epoch1 = targetsInBatchOrder(Batches.shuffled(samples, 32, 17, 1));

        assertThat(epoch0).hasSize(1000).isEqualTo(again);
        assertThat(epoch0).isNotEqualTo(LongStream.rangeClosed(1, 1000).toArray()).isNotEqualTo(epoch1);
        long[] sorted = epoch0.clone();
        Arrays.sort(sorted);
        assertThat(sorted).isEqualTo(LongStream.rangeClosed(1, 1000).toArray());
        long[] sorted1 = epoch1.clone();
        Arrays.sort(sorted1);
        assertThat(sorted1).isEqualTo(sorted);
        // "seed + epoch": the permutation depends on their sum only
        assertThat(Batches.shuffledOrder(1000, 17, 1)).isEqualTo(Batches.shuffledOrder(1000, 18, 0));
        // every sample keeps its own fields wherever it lands
        for (Batch batch : Batches.shuffled(samples, 32, 17, 0)) {
            for (int b = 0; b < batch.size; b++) {
                int i = (int) batch.targetItem[b] - 1;
                assertThat(batch.label[b]).isEqualTo(samples.label(i));
                assertThat(batch.userId[b]).isEqualTo(samples.userId(i));
                assertThat(batch.historyItem[b * batch.steps + batch.historyLength[b] - 1])
                        .isEqualTo(i % 2 == 0 ? 1 : 7);
            }
        }
    }

    @Test
    void inOrderKeepsTheStoredOrder() {
        SampleSet samples = manySamples(100);
        assertThat(targetsInBatchOrder(Batches.inOrder(samples, 32)))
                .isEqualTo(LongStream.rangeClosed(1, 100).toArray());
        assertThat(Batches.inOrder(samples, 32).count()).isEqualTo(4);
        assertThatThrownBy(() -> Batches.inOrder(samples, 32).get(4)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void syntheticBenchmarkBatchHasEveryStepValidAndNoNegativeEqualToItsBehaviour() {
        Batch batch = Batches.synthetic(128, 100, true, 10_000, 50, 3);

        assertThat(batch.size).isEqualTo(128);
        assertThat(batch.steps).isEqualTo(100);
        assertThat(batch.historyLength).containsOnly(100);
        for (int at = 0; at < 128 * 100; at++) {
            assertThat(batch.historyItem[at]).isBetween(1L, 10_000L);
            assertThat(batch.negativeItem[at]).isBetween(1L, 10_000L).isNotEqualTo(batch.historyItem[at]);
            assertThat(batch.historyCategory[at]).isEqualTo((batch.historyItem[at] - 1) % 50 + 1);
            assertThat(batch.negativeCategory[at]).isEqualTo((batch.negativeItem[at] - 1) % 50 + 1);
        }
        assertThat(batch.label).contains(0f, 1f);
        Batch same = Batches.synthetic(128, 100, true, 10_000, 50, 3);
        assertThat(same.historyItem).isEqualTo(batch.historyItem);
        assertThat(same.targetItem).isEqualTo(batch.targetItem);
    }

    @Test
    void syntheticBatchWithRaggedHistoriesPadsWithZero() {
        Batch batch = Batches.synthetic(64, 20, false, 100, 7, 5);

        for (int length : batch.historyLength) {
            assertThat(length).isBetween(1, 20);
        }
        assertThat(Arrays.stream(batch.historyLength).distinct().count()).isGreaterThan(5);
        for (int b = 0; b < batch.size; b++) {
            for (int t = 0; t < batch.steps; t++) {
                int at = b * batch.steps + t;
                assertThat(batch.historyItem[at] == 0).isEqualTo(!batch.valid(b, t));
                assertThat(batch.negativeItem[at] == 0).isEqualTo(!batch.valid(b, t));
            }
        }
    }

    @Test
    void selectCopiesTheChosenSamplesInTheGivenOrder() {
        Batch b = new Batch(3, 2);
        for (int s = 0; s < 3; s++) {
            b.userId[s] = 10 + s;
            b.sampleKey[s] = 20 + s;
            b.targetItem[s] = 30 + s;
            b.targetCategory[s] = 40 + s;
            b.label[s] = s % 2;
            b.historyLength[s] = s;
            for (int t = 0; t < 2; t++) {
                b.historyItem[s * 2 + t] = 100 + 10 * s + t;
                b.historyCategory[s * 2 + t] = 200 + 10 * s + t;
                b.negativeItem[s * 2 + t] = 300 + 10 * s + t;
                b.negativeCategory[s * 2 + t] = 400 + 10 * s + t;
            }
        }
        Batch picked = b.select(new int[] {2, 0});
        assertThat(picked.size).isEqualTo(2);
        assertThat(picked.steps).isEqualTo(2);
        assertThat(picked.userId).containsExactly(12, 10);
        assertThat(picked.sampleKey).containsExactly(22, 20);
        assertThat(picked.targetItem).containsExactly(32, 30);
        assertThat(picked.targetCategory).containsExactly(42, 40);
        assertThat(picked.label).containsExactly(0f, 0f);
        assertThat(picked.historyLength).containsExactly(2, 0);
        assertThat(picked.historyItem).containsExactly(120, 121, 100, 101);
        assertThat(picked.historyCategory).containsExactly(220, 221, 200, 201);
        assertThat(picked.negativeItem).containsExactly(320, 321, 300, 301);
        assertThat(picked.negativeCategory).containsExactly(420, 421, 400, 401);
    }
}
