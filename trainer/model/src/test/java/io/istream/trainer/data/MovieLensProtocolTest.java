package io.istream.trainer.data;

import io.istream.trainer.testing.SharedData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.BehaviorType;
import io.istream.trainer.dataset.Interaction;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.MovieLensReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MovieLensProtocolTest {

    private static final long T0 = 881_250_000_000L;

    private static Interaction rating(long user, long movie, float stars, long second) {
        return new Interaction(user, movie, 1 + movie % 5, T0 + second * 1000, BehaviorType.REVIEW, stars);
    }

    /** Twenty users, each rating movies (user + j) % 30 + 1 for j = 0..5 with stars 1..5 in turn. */
    private static InteractionLog toyLog() {
        List<Interaction> rows = new ArrayList<>();
        for (long user = 1; user <= 20; user++) {
            for (int j = 0; j < 6; j++) {
                rows.add(rating(user, (user + j) % 30 + 1, 1 + (user + j) % 5, j));
            }
        }
        return InteractionLog.of("toy-movielens", rows);
    }

    private static Set<Long> users(SampleSet set) {
        Set<Long> users = new HashSet<>();
        for (int i = 0; i < set.size(); i++) {
            users.add(set.userId(i));
        }
        return users;
    }

    @Test
    void everyPositionAfterTheFirstIsASampleLabelledByRatingAtLeastFour() {
        InteractionLog log = toyLog();
        OfflineDataset data = MovieLensProtocol.build(log, 100, 3);

        assertThat(data.samples()).isEqualTo(20 * 5);
        for (SampleSet set : List.of(data.train(), data.validation(), data.test())) {
            for (int i = 0; i < set.size(); i++) {
                Interaction target = log.sequence(set.sequence(i)).get(set.end(i));
                assertThat(set.targetItem(i)).isEqualTo(target.itemId());
                assertThat(set.targetCategory(i)).isEqualTo(target.categoryId());
                assertThat(set.label(i)).isEqualTo(target.rating() >= 4 ? 1f : 0f);
                assertThat(set.historyLength(i)).isEqualTo(set.end(i));
                assertThat(set.groupKey(i)).isEqualTo(target.userId());
            }
        }
    }

    @Test
    void splitsDisjointUsersSeventyTenTwentyReproduciblyBySeed() {
        OfflineDataset data = MovieLensProtocol.build(toyLog(), 100, 3);

        assertThat(users(data.train())).hasSize(14);
        assertThat(users(data.validation())).hasSize(2);
        assertThat(users(data.test())).hasSize(4);
        assertThat(users(data.train())).doesNotContainAnyElementsOf(users(data.validation()))
                .doesNotContainAnyElementsOf(users(data.test()));
        assertThat(users(data.validation())).doesNotContainAnyElementsOf(users(data.test()));
        assertThat(users(MovieLensProtocol.build(toyLog(), 100, 3).test())).isEqualTo(users(data.test()));
        assertThat(users(MovieLensProtocol.build(toyLog(), 100, 4).test())).isNotEqualTo(users(data.test()));
    }

    @Test
    void auxiliaryNegativesAreNeverAMovieTheUserRated() {
        OfflineDataset data = MovieLensProtocol.build(toyLog(), 100, 3);
        UserSequences sequences = data.sequences();

        for (int s = 0; s < sequences.size(); s++) {
            long[] rated = sequences.items(s);
            for (long negative : sequences.negativeItems(s)) {
                assertThat(negative).isPositive();
                assertThat(rated).doesNotContain(negative);
            }
        }
    }

    @Test
    void refusesALogWithoutRatings() {
        InteractionLog reviews = InteractionLog.of("reviews", List.of(
                Interaction.unrated(1, 1, 1, T0, BehaviorType.REVIEW),
                Interaction.unrated(1, 2, 1, T0 + 1000, BehaviorType.REVIEW)));

        assertThatThrownBy(() -> MovieLensProtocol.build(reviews, 100, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("explicit ratings");
    }

    @Test
    void movieLens100kSplitsItsUsersDisjointlyWithLabelsFromRatings() {
        InteractionLog log = MovieLensReader.read100k(SharedData.dataset(SharedData.MOVIELENS_100K));
        OfflineDataset data = MovieLensProtocol.build(log, 100, 1);

        assertThat(log.users()).isEqualTo(943);
        assertThat(data.samples()).isEqualTo(100_000 - 943);
        assertThat(users(data.train())).hasSize(660);
        assertThat(users(data.validation())).hasSize(94);
        assertThat(users(data.test())).hasSize(189);
        assertThat(users(data.train())).doesNotContainAnyElementsOf(users(data.test()))
                .doesNotContainAnyElementsOf(users(data.validation()));
        assertThat(users(data.validation())).doesNotContainAnyElementsOf(users(data.test()));
        UserSequences sequences = data.sequences();
        for (SampleSet set : List.of(data.train(), data.validation(), data.test())) {
            for (int i = 0; i < set.size(); i++) {
                Interaction target = log.sequence(set.sequence(i)).get(set.end(i));
                assertThat(set.label(i)).isEqualTo(target.rating() >= 4 ? 1f : 0f);
                assertThat(set.targetItem(i)).isEqualTo(target.itemId());
                assertThat(set.historyLength(i)).isEqualTo(Math.min(set.end(i), 100));
            }
        }
        for (int s = 0; s < sequences.size(); s++) {
            long[] rated = sequences.items(s);
            Arrays.sort(rated);
            for (long negative : sequences.negativeItems(s)) {
                assertThat(Arrays.binarySearch(rated, negative)).isNegative();
            }
        }
    }

    @Test
    void movieLensLatestSmallHasOneSamplePerRatingAfterEachUsersFirst() {
        InteractionLog log = MovieLensReader.readLatestSmall(SharedData.dataset(SharedData.MOVIELENS_LATEST_SMALL));
        OfflineDataset data = MovieLensProtocol.build(log, 100, 1);

        assertThat(data.samples()).isEqualTo(100_836 - 610);
        assertThat(users(data.train()).size() + users(data.validation()).size() + users(data.test()).size())
                .isEqualTo(610);
    }
}
