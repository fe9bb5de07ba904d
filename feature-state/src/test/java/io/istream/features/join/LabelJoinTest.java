package io.istream.features.join;

import static io.istream.ingestion.testing.EventFactory.MINUTE;
import static io.istream.ingestion.testing.EventFactory.SECOND;
import static io.istream.ingestion.testing.EventFactory.at;
import static io.istream.ingestion.testing.EventFactory.click;
import static io.istream.ingestion.testing.EventFactory.impression;
import static org.assertj.core.api.Assertions.assertThat;

import io.istream.schemas.DeadLetterReason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LabelJoinTest {
    private static final long USER = 7;
    private static final long WINDOW = 10 * MINUTE;
    private static final SourceRef SRC = new SourceRef("clicks", 0, 1);
    private final LabelJoin join = new LabelJoin(WINDOW, 3);
    private UserJoinState state;
    private JoinEffects out;

    @BeforeEach
    void fresh() {
        state = new UserJoinState();
        out = new JoinEffects();
    }

    @Test
    void aClickWithinTheWindowLabelsItsImpressionPositiveOnceTheHistoryIsComplete() {
        join.onImpression(state, impression(USER, "r1", 5, at(0)), SRC, at(-MINUTE), out);
        assertThat(out.timers).containsExactly(at(0) + WINDOW);
        step();
        // the watermark still trails the impression: behaviours before it may be in flight
        join.onClick(state, click(USER, "r1", 5, at(30 * SECOND)), SRC, at(-SECOND), out);
        assertThat(out.labelled).isEmpty();
        assertThat(out.joinedClicks).isEqualTo(1);
        assertThat(out.timers).containsExactly(at(0) - 1);
        step();
        join.onWatermark(state, at(0) - 1, out);
        assertThat(out.labelled).singleElement().satisfies(l -> {
            assertThat(l.label()).isEqualTo(1);
            assertThat(l.labelTimeMs()).isEqualTo(at(30 * SECOND));
        });
        step();
        join.onWatermark(state, at(0) + WINDOW, out);
        assertThat(out.labelled).as("emitted once").isEmpty();
        assertThat(state.pending).isEmpty();
        assertThat(state.shownNotClickedItems).as("it was clicked").isEmpty();
    }

    @Test
    void aClickAfterTheWatermarkPassedTheImpressionIsEmittedAtOnce() {
        join.onImpression(state, impression(USER, "r1", 5, at(0)), SRC, at(-MINUTE), out);
        step();
        join.onClick(state, click(USER, "r1", 5, at(MINUTE)), SRC, at(30 * SECOND), out);
        assertThat(out.labelled).singleElement().extracting(JoinEffects.Labelled::label).isEqualTo(1);
    }

    @Test
    void anUnclickedImpressionBecomesANegativeWhenTheWindowClosesAndIsRememberedAsShownNotClicked() {
        join.onImpression(state, impression(USER, "r1", 5, at(0)), SRC, at(0), out);
        step();
        join.onWatermark(state, at(0) + WINDOW - 1, out);
        assertThat(out.labelled).isEmpty();
        join.onWatermark(state, at(0) + WINDOW, out);
        assertThat(out.labelled).singleElement().satisfies(l -> {
            assertThat(l.label()).isZero();
            assertThat(l.labelTimeMs()).isEqualTo(at(0) + WINDOW);
        });
        assertThat(state.pending).isEmpty();
        assertThat(state.shownNotClickedItems).containsExactly(5);
    }

    @Test
    void shownNotClickedKeepsTheNewestUpToCapacity() {
        for (int item = 1; item <= 5; item++) {
            join.onImpression(state, impression(USER, "r" + item, item, at(item * SECOND)), SRC, at(0), out);
        }
        join.onWatermark(state, at(MINUTE) + WINDOW, out);
        assertThat(out.labelled).hasSize(5);
        assertThat(state.shownNotClickedItems).containsExactly(3, 4, 5);
    }

    @Test
    void aClickBeforeItsImpressionWaitsForIt() {
        join.onClick(state, click(USER, "r1", 5, at(2 * SECOND)), SRC, at(-MINUTE), out);
        assertThat(out.rejected).isEmpty();
        assertThat(state.orphanClicks).hasSize(1);
        assertThat(out.timers).containsExactly(at(2 * SECOND));
        step();
        join.onImpression(state, impression(USER, "r1", 5, at(0)), SRC, at(-MINUTE), out);
        assertThat(state.orphanClicks).isEmpty();
        assertThat(out.acceptedImpressions).isEqualTo(1);
        assertThat(out.joinedClicks).isEqualTo(1);
        assertThat(state.pending[0].state).isEqualTo(PendingImpression.CLICKED);
    }

    @Test
    void aClickWhoseImpressionNeverComesIsADeadLetterOnceTheWatermarkPassesIt() {
        join.onClick(state, click(USER, "r1", 5, at(0)), SRC, at(-MINUTE), out);
        step();
        join.onWatermark(state, at(0), out);
        assertThat(out.rejected).singleElement().satisfies(r -> {
            assertThat(r.reason()).isEqualTo(DeadLetterReason.CLICK_WITHOUT_IMPRESSION);
            assertThat(r.source()).isEqualTo(SRC);
            assertThat(((io.istream.avro.Click) r.event()).getUserId()).isEqualTo(USER);
        });
        assertThat(state.hasOpenWork()).isFalse();
    }

    @Test
    void aClickArrivingAfterItsWindowClosedIsALateClick() {
        join.onImpression(state, impression(USER, "r1", 5, at(0)), SRC, at(0), out);
        join.onWatermark(state, at(0) + WINDOW, out);
        step();
        join.onClick(state, click(USER, "r1", 5, at(MINUTE)), SRC, at(0) + WINDOW, out);
        assertThat(reasons()).containsExactly(DeadLetterReason.LATE_CLICK);
    }

    @Test
    void duplicateAndOutOfWindowClicksAndDuplicateOrLateImpressionsAreRejected() {
        join.onImpression(state, impression(USER, "r1", 5, at(0)), SRC, at(0), out);
        join.onImpression(state, impression(USER, "r1", 5, at(0)), SRC, at(0), out);
        join.onClick(state, click(USER, "r1", 5, at(-SECOND)), SRC, at(0), out);
        join.onClick(state, click(USER, "r1", 5, at(WINDOW + 1)), SRC, at(0), out);
        join.onClick(state, click(USER, "r1", 5, at(SECOND)), SRC, at(0), out);
        join.onClick(state, click(USER, "r1", 5, at(2 * SECOND)), SRC, at(0), out);
        join.onImpression(state, impression(USER, "r2", 6, at(0)), SRC, at(0) + WINDOW, out);
        assertThat(reasons()).containsExactly(DeadLetterReason.DUPLICATE_IMPRESSION,
                DeadLetterReason.CLICK_BEFORE_IMPRESSION, DeadLetterReason.CLICK_OUTSIDE_WINDOW,
                DeadLetterReason.DUPLICATE_CLICK, DeadLetterReason.LATE_IMPRESSION);
        assertThat(out.acceptedImpressions).isEqualTo(1);
        assertThat(out.joinedClicks).isEqualTo(1);
        assertThat(out.labelled).hasSize(1);
    }

    private java.util.List<DeadLetterReason> reasons() {
        return out.rejected.stream().map(JoinEffects.Rejected::reason).toList();
    }

    @Test
    void theNextDeadlineIsTheEarliestReleaseWindowEndOrOrphanExpiry() {
        assertThat(join.nextDeadline(state)).as("nothing waits").isEqualTo(Long.MAX_VALUE);
        join.onImpression(state, impression(USER, "r1", 5, at(0)), SRC, at(-MINUTE), out);
        join.onImpression(state, impression(USER, "r2", 6, at(MINUTE)), SRC, at(-MINUTE), out);
        assertThat(join.nextDeadline(state)).as("the first window end").isEqualTo(at(0) + WINDOW);
        join.onClick(state, click(USER, "r2", 6, at(MINUTE + SECOND)), SRC, at(-MINUTE), out);
        assertThat(join.nextDeadline(state)).as("the clicked one's release").isEqualTo(at(MINUTE) - 1);
        join.onClick(state, click(USER, "r9", 9, at(-30 * SECOND)), SRC, at(-MINUTE), out);
        assertThat(join.nextDeadline(state)).as("an orphan click's expiry").isEqualTo(at(-30 * SECOND));
        step();
        join.onWatermark(state, at(MINUTE) - 1, out);
        assertThat(join.nextDeadline(state)).as("released and expired: the first window end again")
                .isEqualTo(at(0) + WINDOW);
    }

    private void step() {
        out.clear();
    }
}
