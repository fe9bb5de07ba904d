package io.istream.trainer.dataset;

import io.istream.trainer.testing.SharedData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.BehaviorType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovieLensReaderTest {

    @TempDir
    Path dir;

    private static String flags(int... set) {
        int[] f = new int[MovieLensReader.ML_100K_GENRE_FLAGS];
        for (int g : set) {
            f[g] = 1;
        }
        StringBuilder s = new StringBuilder();
        for (int v : f) {
            s.append('|').append(v);
        }
        return s.toString();
    }

    private void write100k(String uData) throws IOException {
        // latin-1 title: u.item is not UTF-8
        Files.writeString(dir.resolve("u.item"), String.join("\n",
                "1|Toy Story (1995)|01-Jan-1995||http://x" + flags(3, 4, 5),
                "2|GoldenEye (1995)|01-Jan-1995||http://x" + flags(1, 2, 16),
                "3|Cit\u00e9 des enfants perdus (1995)|01-Jan-1995||http://x" + flags()) + "\n",
                StandardCharsets.ISO_8859_1);
        Files.writeString(dir.resolve("u.data"), uData);
    }

    @Test
    void reads100kWithRawIdsFirstGenreCategoriesAndPerUserTimeOrder() throws IOException {
        write100k("196\t2\t3\t881250949\n"
                + "22\t1\t5\t878887116\n"
                + "196\t1\t4\t881250000\n"
                + "196\t3\t1\t881250949\n");

        InteractionLog log = MovieLensReader.read100k(dir, ReadOptions.all());

        assertThat(log.users()).isEqualTo(2);
        assertThat(log.sequence(0)).containsExactly(
                new Interaction(196, 1, 4, 881_250_000_000L, BehaviorType.REVIEW, 4f),
                new Interaction(196, 2, 2, 881_250_949_000L, BehaviorType.REVIEW, 3f),
                new Interaction(196, 3, 1, 881_250_949_000L, BehaviorType.REVIEW, 1f));
        assertThat(log.sequence(1)).containsExactly(new Interaction(22, 1, 4, 878_887_116_000L, BehaviorType.REVIEW, 5f));
        assertThat(log.categoryIds().raw(4)).as("no u.genre: generic names").isEqualTo("genre-3");
    }

    @Test
    void maxUsersKeepsTheFirstDistinctUsersOfAnUnsortedFile() throws IOException {
        write100k("5\t1\t3\t10\n6\t1\t3\t11\n7\t1\t3\t12\n5\t2\t3\t13\n6\t3\t3\t14\n");

        InteractionLog log = MovieLensReader.read100k(dir, ReadOptions.firstUsers(2));

        assertThat(log.sequences()).extracting(s -> s.get(0).userId()).containsExactly(5L, 6L);
        assertThat(log.interactions()).isEqualTo(4);
    }

    @Test
    void unknownMovieAndMalformedRatingNameTheLine() throws IOException {
        write100k("1\t1\t3\t10\n1\t99\t3\t11\n");
        assertThatThrownBy(() -> MovieLensReader.read100k(dir, ReadOptions.all()))
                .isInstanceOf(MalformedRowException.class)
                .hasMessageContaining("u.data:2: movie 99 is not in u.item");

        Files.writeString(dir.resolve("u.data"), "1\t1\tthree\t10\n");
        assertThatThrownBy(() -> MovieLensReader.read100k(dir, ReadOptions.all()))
                .hasMessageContaining("u.data:1:").hasMessageContaining("three");

        Files.writeString(dir.resolve("u.data"), "0\t1\t3\t10\n");
        assertThatThrownBy(() -> MovieLensReader.read100k(dir, ReadOptions.all()))
                .hasMessageContaining("u.data:1: user id must be a positive integer, got '0'");
    }

    private void writeLatest(String ratings) throws IOException {
        Files.writeString(dir.resolve("movies.csv"), String.join("\n",
                "movieId,title,genres",
                "1,Toy Story (1995),Adventure|Animation|Children",
                "11,\"American President, The (1995)\",Comedy|Drama|Romance",
                "7789,\"11'09\"\"01 - September 11 (2002)\",Drama") + "\n");
        Files.writeString(dir.resolve("ratings.csv"), "userId,movieId,rating,timestamp\n" + ratings);
    }

    @Test
    void readsLatestSmallWithQuotedTitlesAndFirstGenreCategories() throws IOException {
        writeLatest("1,11,4.0,964982703\n1,1,3.5,964981247\n2,7789,5.0,964982224\n");

        InteractionLog log = MovieLensReader.readLatestSmall(dir, ReadOptions.all());

        assertThat(log.sequence(0)).containsExactly(
                new Interaction(1, 1, 2, 964_981_247_000L, BehaviorType.REVIEW, 3.5f),
                new Interaction(1, 11, 1, 964_982_703_000L, BehaviorType.REVIEW, 4f));
        assertThat(log.sequence(1)).containsExactly(new Interaction(2, 7789, 3, 964_982_224_000L, BehaviorType.REVIEW, 5f));
        assertThat(log.categoryIds().raw(1)).as("dense in order of first appearance among ratings").isEqualTo("Comedy");
        assertThat(log.categoryIds().raw(2)).isEqualTo("Adventure");
        assertThat(log.categoryIds().raw(3)).isEqualTo("Drama");
    }

    @Test
    void latestSmallMalformedRowNamesFileAndLine() throws IOException {
        writeLatest("1,11,4.0,964982703\n1,1,4.0\n");

        assertThatThrownBy(() -> MovieLensReader.readLatestSmall(dir, ReadOptions.all()))
                .isInstanceOf(MalformedRowException.class)
                .hasMessageContaining("ratings.csv:3: expected 4 ','-separated fields, found 3");
    }

    @Test
    void readsThePublishedMovieLens100kCounts() {
        Path ml = SharedData.dataset(SharedData.MOVIELENS_100K);

        InteractionLog log = MovieLensReader.read100k(ml, ReadOptions.all());

        assertThat(log.interactions()).isEqualTo(100_000);
        assertThat(log.users()).isEqualTo(943);
        assertThat(log.items()).isEqualTo(1_682);
        assertThat(log.categoryIds().raw(1)).isEqualTo("unknown");
        assertThat(log.categoryIds().raw(5)).isEqualTo("Children's");
        assertThat(log.rows()).filteredOn(r -> r.rating() >= 4).hasSize(55_375);
        assertThat(log.sequence(0).get(0).userId()).as("first user of u.data").isEqualTo(196);
        assertThat(log.rows()).filteredOn(r -> r.itemId() == 1).allSatisfy(r -> assertThat(r.categoryId())
                .as("Toy Story: first genre Animation, flag 3").isEqualTo(4));
    }

    @Test
    void readsThePublishedMovieLensLatestSmallCounts() {
        Path ml = SharedData.dataset(SharedData.MOVIELENS_LATEST_SMALL);

        InteractionLog log = MovieLensReader.readLatestSmall(ml, ReadOptions.all());

        assertThat(log.interactions()).isEqualTo(100_836);
        assertThat(log.users()).isEqualTo(610);
        assertThat(log.items()).isEqualTo(9_724);
        assertThat(log.categories()).isEqualTo(19);
        assertThat(log.rows()).filteredOn(r -> r.rating() >= 4).hasSize(48_580);
    }
}
