package io.istream.trainer.dataset;

import io.istream.trainer.testing.SharedData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.BehaviorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AmazonReviewsReaderTest {

    private static final long DAY_1 = 1_318_896_000L;
    private static final long DAY_2 = DAY_1 + 86_400;

    @TempDir
    Path dir;

    private Path write(String... rows) throws IOException {
        Files.writeString(dir.resolve("behaviors.tsv"),
                AmazonReviewsReader.HEADER + "\n" + String.join("\n", rows) + "\n");
        return dir;
    }

    @Test
    void readsReviewsWithDenseIdsAndMillisecondTimes() throws IOException {
        write("u1\tB004756YJA\tNail Polish\t" + DAY_1,
              "u1\tB004ZT0SSG\tNail Polish\t" + DAY_1,
              "u1\tB0020YLEYK\tCreams & Moisturizers\t" + DAY_2,
              "u2\tB004ZT0SSG\tNail Polish\t" + DAY_2);

        InteractionLog log = AmazonReviewsReader.read(dir, ReadOptions.all());

        assertThat(log.name()).isEqualTo(dir.getFileName().toString());
        assertThat(log.users()).isEqualTo(2);
        assertThat(log.items()).isEqualTo(3);
        assertThat(log.interactions()).isEqualTo(4);
        assertThat(log.sequence(0)).containsExactly(
                Interaction.unrated(1, 1, 1, DAY_1 * 1000, BehaviorType.REVIEW),
                Interaction.unrated(1, 2, 1, DAY_1 * 1000, BehaviorType.REVIEW),
                Interaction.unrated(1, 3, 2, DAY_2 * 1000, BehaviorType.REVIEW));
        assertThat(log.sequence(1)).containsExactly(Interaction.unrated(2, 2, 1, DAY_2 * 1000, BehaviorType.REVIEW));
        assertThat(log.itemIds().raw(3)).isEqualTo("B0020YLEYK");
        assertThat(log.categoryIds().raw(2)).isEqualTo("Creams & Moisturizers");
        assertThat(log.userIds().raw(2)).isEqualTo("u2");
    }

    @Test
    void maxUsersKeepsTheFirstUsersWhole() throws IOException {
        write("a\ti1\tc\t1", "a\ti2\tc\t2", "b\ti3\tc\t3", "c\ti4\tc\t4", "c\ti5\tc\t5");

        InteractionLog log = AmazonReviewsReader.read(dir, ReadOptions.firstUsers(2));

        assertThat(log.users()).isEqualTo(2);
        assertThat(log.interactions()).isEqualTo(3);
        assertThat(log.itemIds().size()).as("rows after the cut are not even registered").isEqualTo(3);
    }

    @Test
    void malformedRowNamesFileAndLine() throws IOException {
        write("a\ti1\tc\t1", "a\ti2\tc\tyesterday");

        assertThatThrownBy(() -> AmazonReviewsReader.read(dir, ReadOptions.all()))
                .isInstanceOf(IllegalArgumentException.class)
                .isInstanceOf(MalformedRowException.class)
                .hasMessageContaining("behaviors.tsv:3:")
                .hasMessageContaining("not a number")
                .hasMessageContaining("yesterday");
    }

    @Test
    void missingFieldAndWrongHeaderAreRejected() throws IOException {
        write("a\ti1\t1");
        assertThatThrownBy(() -> AmazonReviewsReader.read(dir, ReadOptions.all()))
                .hasMessageContaining("behaviors.tsv:2: expected 4 '\\t'-separated fields, found 3");

        Files.writeString(dir.resolve("behaviors.tsv"), "user\titem\n");
        assertThatThrownBy(() -> AmazonReviewsReader.read(dir, ReadOptions.all()))
                .hasMessageContaining("behaviors.tsv:1: expected the header");
    }

    @Test
    void readsThePublishedAmazonBeautyCounts() {
        Path beauty = SharedData.dataset(SharedData.AMAZON_BEAUTY);

        InteractionLog log = AmazonReviewsReader.read(beauty, ReadOptions.all());

        assertThat(log.users()).isEqualTo(22_363);
        assertThat(log.items()).isEqualTo(12_101);
        assertThat(log.interactions()).isEqualTo(198_502);
        assertThat(log.categories()).isEqualTo(195);
        assertThat(log.userIds().size()).isEqualTo(22_363);
        assertThat(log.sequences()).allSatisfy(sequence -> assertThat(sequence).hasSizeGreaterThanOrEqualTo(5));
        assertThat(log.sequence(0).get(0).timeMs()).isEqualTo(1_318_896_000_000L);
    }

    @Test
    void readsTheFirstUsersOfAmazonBeauty() {
        Path beauty = SharedData.dataset(SharedData.AMAZON_BEAUTY);

        InteractionLog log = AmazonReviewsReader.read(beauty, ReadOptions.firstUsers(100));

        assertThat(log.users()).isEqualTo(100);
        assertThat(log.interactions()).isEqualTo(1_366);
        assertThat(log.items()).isEqualTo(1_100);
    }
}
