package io.istream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SampleSetTest {

    private static UserSequences oneUser() {
        return UserSequences.of(new long[] {7}, new int[] {0, 4}, new long[] {1, 2, 3, 4},
                new long[] {11, 12, 13, 14}, new long[] {5, 6, 0, 8}, new long[] {15, 16, 0, 18});
    }

    @Test
    void aHistoryIsTheLastMaxHistoryPositionsBeforeTheEnd() {
        SampleSet set = SampleSet.builder("s", oneUser(), 2)
                .add(0, 0, 9, 19, 0f, 7)
                .add(0, 1, 9, 19, 1f, 7)
                .add(0, 4, 9, 19, 1f, 7)
                .build();

        assertThat(set.historyStart(0)).isZero();
        assertThat(set.historyLength(0)).isZero();
        assertThat(set.historyLength(1)).isEqualTo(1);
        assertThat(set.historyStart(2)).isEqualTo(2);
        assertThat(set.historyLength(2)).isEqualTo(2);
        assertThat(set.longestHistory()).isEqualTo(2);
        assertThat(set.positives()).isEqualTo(2);
        assertThat(set.users()).isEqualTo(1);
        assertThat(set.userId(2)).isEqualTo(7);
        assertThat(set.hasPlantedProbabilities()).isFalse();
        assertThat(set.plantedProbability(0)).isNaN();
        assertThat(set.describe()).startsWith("s: 3 samples (2 positive");
    }

    @Test
    void plantedProbabilitiesAreKeptAndNaNWhereASampleHasNone() {
        SampleSet.Builder builder = SampleSet.builder("s", oneUser(), 10).add(0, 1, 9, 19, 0f, 7);
        for (int i = 0; i < 40; i++) {   // past the builder's first growth
            builder.add(0, 2, 9, 19, 1f, 7, 0.25);
        }
        SampleSet set = builder.build();

        assertThat(set.hasPlantedProbabilities()).isTrue();
        assertThat(set.plantedProbability(0)).isNaN();
        assertThat(set.plantedProbability(40)).isEqualTo(0.25);
        assertThat(set.size()).isEqualTo(41);
    }

    @Test
    void rejectsAHistoryEndPastTheSequenceAndLabelsOtherThanZeroOrOne() {
        SampleSet.Builder builder = SampleSet.builder("s", oneUser(), 10);

        assertThatThrownBy(() -> builder.add(0, 5, 9, 19, 1f, 7)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.add(0, 1, 9, 19, 0.5f, 7)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.add(1, 1, 9, 19, 1f, 7)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> builder.add(0, 1, 0, 19, 1f, 7)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sequencesRejectAnAuxiliaryNegativeEqualToItsBehaviourAndPaddingIdsAsBehaviours() {
        assertThatThrownBy(() -> UserSequences.of(new long[] {7}, new int[] {0, 2}, new long[] {1, 2},
                new long[] {11, 12}, new long[] {5, 2}, new long[] {15, 12}))
                .hasMessageContaining("the auxiliary negative is the true item 2");
        assertThatThrownBy(() -> UserSequences.of(new long[] {7}, new int[] {0, 2}, new long[] {1, 0},
                new long[] {11, 12}, new long[] {5, 6}, new long[] {15, 16}))
                .hasMessageContaining("behaviour ids must be positive");
        assertThatThrownBy(() -> UserSequences.of(new long[] {7}, new int[] {0, 3}, new long[] {1, 2},
                new long[] {11, 12}, new long[] {5, 6}, new long[] {15, 16}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
