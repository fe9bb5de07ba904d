package io.istream.trainer.data;

import io.istream.trainer.testing.SharedData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.trainer.dataset.ReadOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OfflineDatasetTest {

    private static UserSequences oneUser() {
        return UserSequences.of(new long[] {7}, new int[] {0, 2}, new long[] {1, 2}, new long[] {11, 12},
                new long[] {5, 6}, new long[] {15, 16});
    }

    @Test
    void readsADatasetWithItsPapersProtocol() {
        OfflineDataset data = OfflineDataset.read(SharedData.dataset(SharedData.MOVIELENS_100K),
                ReadOptions.firstUsers(50), 20, 1);

        assertThat(data.name()).isEqualTo("movielens-100k/movielens");
        assertThat(data.sequences().size()).isEqualTo(50);
        assertThat(data.maxHistory()).isEqualTo(20);
        assertThat(data.test().longestHistory()).isLessThanOrEqualTo(20);
        assertThat(data.describe()).contains("train: ", "validation: ", "test: ");
    }

    @Test
    void hasNoOfflineProtocolForTaobao() {
        Path taobao = SharedData.dataset(SharedData.TAOBAO_SAMPLE);

        assertThatThrownBy(() -> OfflineDataset.read(taobao, ReadOptions.all(), 100, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Taobao");
    }

    @Test
    void splitsMustShareTheirSequencesAndHistoryCap() {
        UserSequences shared = oneUser();
        SampleSet a = SampleSet.builder("train", shared, 10).build();
        SampleSet other = SampleSet.builder("test", oneUser(), 10).build();
        SampleSet shorter = SampleSet.builder("test", shared, 5).build();

        assertThatThrownBy(() -> new OfflineDataset("x", a, a, other, 10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OfflineDataset("x", a, a, shorter, 10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new OfflineDataset("x", a, a, a, 10).samples()).isZero();
    }
}
