package io.istream.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.BehaviorType;
import java.util.List;
import org.junit.jupiter.api.Test;

class InteractionLogTest {

    private static Interaction review(long user, long item, long time) {
        return Interaction.unrated(user, item, 100 + item % 2, time, BehaviorType.REVIEW);
    }

    @Test
    void groupsUsersInOrderOfFirstAppearanceAndSortsEachByTimeKeepingFileOrderOnTies() {
        List<Interaction> fileOrder = List.of(
                review(7, 1, 300),
                review(3, 2, 100),
                review(7, 3, 100),
                review(7, 4, 300),   // ties with item 1 at 300: stays after it
                review(3, 5, 50),
                review(7, 6, 200));

        InteractionLog log = InteractionLog.of("toy", fileOrder);

        assertThat(log.users()).isEqualTo(2);
        assertThat(log.sequence(0)).extracting(Interaction::itemId).containsExactly(3L, 6L, 1L, 4L);
        assertThat(log.sequence(1)).extracting(Interaction::itemId).containsExactly(5L, 2L);
        assertThat(log.rows()).extracting(Interaction::userId).containsExactly(7L, 7L, 7L, 7L, 3L, 3L);
        assertThat(log.sequences()).hasSize(2);
    }

    @Test
    void countsUsersItemsCategoriesAndInteractions() {
        InteractionLog log = InteractionLog.of("toy", List.of(
                review(1, 10, 1), review(1, 11, 2), review(2, 10, 3), review(2, 12, 4), review(2, 10, 5)));

        assertThat(log.users()).isEqualTo(2);
        assertThat(log.items()).isEqualTo(3);
        assertThat(log.categories()).isEqualTo(2);
        assertThat(log.interactions()).isEqualTo(5);
        assertThat(log.itemPopularity()).containsExactly(
                new ItemPopularity(10, 100, 3), new ItemPopularity(11, 101, 1), new ItemPopularity(12, 100, 1));
        assertThat(log.userIds().size()).isEqualTo(2);
        assertThat(log.toString()).isEqualTo("toy: 2 users, 3 items, 2 categories, 5 interactions");
    }

    @Test
    void interactionsRejectNonPositiveIds() {
        assertThatThrownBy(() -> review(0, 1, 1)).hasMessageContaining("userId must be a positive id, got 0");
        assertThatThrownBy(() -> review(1, -1, 1)).hasMessageContaining("itemId");
        assertThatThrownBy(() -> Interaction.unrated(1, 1, 0, 1, BehaviorType.BUY)).hasMessageContaining("categoryId");
        assertThat(review(1, 1, 1).hasRating()).isFalse();
        assertThat(new Interaction(1, 1, 1, 1, BehaviorType.REVIEW, 4f).hasRating()).isTrue();
    }
}
