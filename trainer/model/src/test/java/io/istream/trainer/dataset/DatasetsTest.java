package io.istream.trainer.dataset;

import io.istream.trainer.testing.SharedData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @TempDir
    Path root;

    private Path dirWith(String name, String file) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.writeString(dir.resolve(file), "");
        return dir;
    }

    @Test
    void recognisesEachLayoutFromItsFiles() throws IOException {
        assertThat(Datasets.detect(dirWith("amazon", "behaviors.tsv"))).isEqualTo(DatasetFormat.AMAZON_REVIEWS);
        assertThat(Datasets.detect(dirWith("ml100k", "u.data"))).isEqualTo(DatasetFormat.MOVIELENS_100K);
        assertThat(Datasets.detect(dirWith("latest", "ratings.csv"))).isEqualTo(DatasetFormat.MOVIELENS_LATEST);
        assertThat(Datasets.detect(dirWith("taobao", "UserBehavior_prefix.csv"))).isEqualTo(DatasetFormat.TAOBAO_USER_BEHAVIOR);
        assertThat(Datasets.detect(dirWith("file", "sample.csv").resolve("sample.csv")))
                .isEqualTo(DatasetFormat.TAOBAO_USER_BEHAVIOR);
        assertThat(Datasets.detect(root.resolve("ml100k/u.data"))).isEqualTo(DatasetFormat.MOVIELENS_100K);
    }

    @Test
    void unknownOrMissingPathsAreRejected() throws IOException {
        assertThatThrownBy(() -> Datasets.detect(dirWith("other", "notes.txt")))
                .hasMessageContaining("cannot tell the dataset format");
        assertThatThrownBy(() -> Datasets.detect(root.resolve("absent"))).hasMessageContaining("does not exist");
    }

    @Test
    void readsTheSharedDatasetsThroughDetection() {
        Path ml = SharedData.dataset(SharedData.MOVIELENS_100K);
        Path taobao = SharedData.dataset(SharedData.TAOBAO_SAMPLE);

        assertThat(Datasets.read(ml, ReadOptions.firstUsers(10)).users()).isEqualTo(10);
        assertThat(Datasets.detect(taobao)).isEqualTo(DatasetFormat.TAOBAO_USER_BEHAVIOR);
        assertThat(Datasets.read(taobao.resolve("UserBehavior_prefix.csv"), ReadOptions.all()).interactions())
                .isEqualTo(4_321);
    }
}
