package io.istream.trainer.dataset;

import io.istream.trainer.testing.SharedData;
import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReviewProtocolTest {

    private static final long DAY = 86_400_000L;
    private static final long DAY_1 = 1_318_896_000_000L;

    private static Interaction review(long user, long item, long time) {
        return Interaction.unrated(user, item, 1 + item % 3, time, BehaviorType.REVIEW);
    }

    /** User 1 reviews 3 items on one day, then one later; user 2 reviews two items; items 10..19 are popular. */
    private static InteractionLog toyLog() {
        List<Interaction> rows = new ArrayList<>();
        rows.add(review(1, 1, DAY_1));
        rows.add(review(1, 2, DAY_1));
        rows.add(review(1, 3, DAY_1));
        rows.add(review(1, 4, DAY_1 + DAY));
        rows.add(review(2, 3, DAY_1));
        rows.add(review(2, 1, DAY_1 + 2 * DAY));
        for (long other = 3; other <= 12; other++) {   // other users make items 10..19 popular
            rows.add(review(other, 10 + other - 3, DAY_1));
            rows.add(review(other, 1, DAY_1 + DAY));
        }
        return InteractionLog.of("toy", rows);
    }

    private static <T> List<T> ofType(EventScript script, Class<T> type) {
        return script.events().stream().map(TimedEvent::event).filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void spreadsSameDayReviewsASecondApartAndEmitsTwoImpressionsAndOneClickPerPositionAfterTheFirst() {
        EventScript script = ReviewProtocol.script(toyLog(), 1);

        List<TimedEvent> user1 = script.events().stream().filter(e -> e.userId() == 1).toList();
        assertThat(user1).extracting(e -> e.event().getClass().getSimpleName() + "@" + (e.eventTimeMs() - DAY_1))
                .containsExactly(
                        "Behavior@0",
                        "Impression@1000", "Impression@1000", "Behavior@1000", "Click@1500",
                        "Impression@2000", "Impression@2000", "Behavior@2000", "Click@2500",
                        "Impression@" + DAY, "Impression@" + DAY, "Behavior@" + DAY, "Click@" + (DAY + 500));
        Impression positive = (Impression) user1.get(1).event();
        Impression negative = (Impression) user1.get(2).event();
        assertThat(positive.getRequestId()).isEqualTo("u1-1");
        assertThat(positive.getItemId()).isEqualTo(2);
        assertThat(negative.getRequestId()).isEqualTo("u1-1");
        assertThat(negative.getItemId()).isBetween(10L, 19L);
        assertThat(((Click) user1.get(4).event()).getItemId()).isEqualTo(2);
        assertThat(((Click) user1.get(4).event()).getRequestId()).isEqualTo("u1-1");
    }

    @Test
    void countsFollowTheProtocolFormula() {
        InteractionLog log = toyLog();

        EventScript script = ReviewProtocol.script(log, 1);

        long positions = log.interactions() - log.users();
        assertThat(script.expectedSamples()).isEqualTo(2 * positions);
        assertThat(script.expectedPositives()).isEqualTo(positions);
        assertThat(ofType(script, Behavior.class)).hasSize(log.interactions());
        assertThat(script.size()).isEqualTo(log.interactions() + 3 * positions);
    }

    @Test
    void historyStrictlyBeforeEachPositiveImpressionIsTheSequencePrefix() {
        InteractionLog log = toyLog();
        EventScript script = ReviewProtocol.script(log, 1);
        Map<Long, List<Interaction>> sequenceOf = new HashMap<>();
        log.sequences().forEach(sequence -> sequenceOf.put(sequence.get(0).userId(), sequence));

        int checked = 0;
        for (TimedEvent e : script.events()) {
            if (e.event() instanceof Impression impression) {
                String request = impression.getRequestId();
                int k = Integer.parseInt(request.substring(request.indexOf('-') + 1));
                List<Interaction> sequence = sequenceOf.get(e.userId());
                if (impression.getItemId() != sequence.get(k).itemId()) {
                    continue;   // the negative
                }
                List<Long> before = script.events().stream()
                        .filter(b -> b.userId() == e.userId() && b.event() instanceof Behavior
                                && b.eventTimeMs() < e.eventTimeMs())
                        .map(b -> ((Behavior) b.event()).getItemId()).toList();
                assertThat(before).as(request)
                        .isEqualTo(sequence.subList(0, k).stream().map(Interaction::itemId).toList());
                checked++;
            }
        }
        assertThat(checked).isEqualTo(log.interactions() - log.users());
    }

    @Test
    void amazonBeautyScriptHasThePublishedSampleCountsAndValidNegatives() {
        InteractionLog log = AmazonReviewsReader.read(SharedData.dataset(SharedData.AMAZON_BEAUTY), ReadOptions.all());

        EventScript script = ReviewProtocol.script(log, 42);

        assertThat(script.expectedSamples()).isEqualTo(2L * (198_502 - 22_363));
        assertThat(script.expectedPositives()).isEqualTo(198_502 - 22_363);

        Map<Long, Set<Long>> reviewed = new HashMap<>();
        for (Interaction row : log.rows()) {
            reviewed.computeIfAbsent(row.userId(), u -> new HashSet<>()).add(row.itemId());
        }
        Map<Long, Long> lastBehaviorTime = new HashMap<>();
        Map<String, Long> clickedItem = new HashMap<>();
        long previousTime = Long.MIN_VALUE;
        long negatives = 0;
        for (TimedEvent e : script.events()) {
            assertThat(e.eventTimeMs()).isGreaterThanOrEqualTo(previousTime);
            previousTime = e.eventTimeMs();
            if (e.event() instanceof Behavior b) {
                Long last = lastBehaviorTime.put(b.getUserId(), b.getEventTimeMs());
                if (last != null && b.getEventTimeMs() <= last) {
                    throw new AssertionError("user " + b.getUserId() + " behaviour times not strictly increasing");
                }
            } else if (e.event() instanceof Click c) {
                clickedItem.put(c.getRequestId(), c.getItemId());
            }
        }
        for (TimedEvent e : script.events()) {
            if (e.event() instanceof Impression i && clickedItem.get(i.getRequestId()) != i.getItemId()) {
                negatives++;
                if (reviewed.get(i.getUserId()).contains(i.getItemId())) {
                    throw new AssertionError("negative " + i.getItemId() + " was reviewed by user " + i.getUserId());
                }
            }
        }
        assertThat(negatives).isEqualTo(198_502 - 22_363);
    }

    @Test
    void isDeterministicForASeed() {
        InteractionLog log = toyLog();

        assertThat(ReviewProtocol.script(log, 9).events()).isEqualTo(ReviewProtocol.script(log, 9).events());
        assertThat(ofType(ReviewProtocol.script(log, 9), Impression.class))
                .isNotEqualTo(ofType(ReviewProtocol.script(log, 10), Impression.class));
    }
}
