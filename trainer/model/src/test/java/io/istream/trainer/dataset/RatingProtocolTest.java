package io.istream.trainer.dataset;

import io.istream.trainer.testing.SharedData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import java.util.List;
import org.junit.jupiter.api.Test;

class RatingProtocolTest {

    private static final long T0 = 881_250_949_000L;

    private static Interaction rating(long user, long item, long time, float stars) {
        return new Interaction(user, item, 3, time, BehaviorType.REVIEW, stars);
    }

    @Test
    void everyRatingIsAnImpressionAndLikedOnesAClickAndABehaviourAfterIt() {
        InteractionLog log = InteractionLog.of("toy", List.of(
                rating(196, 242, T0, 3f),
                rating(196, 302, T0, 4f),       // same second: spread to T0 + 1 s
                rating(196, 377, T0 + 60_000, 5f)));

        EventScript script = RatingProtocol.script(log);

        assertThat(script.events()).extracting(e -> e.event().getClass().getSimpleName() + "@" + (e.eventTimeMs() - T0))
                .containsExactly("Impression@0", "Impression@1000", "Click@1500", "Behavior@1500",
                        "Impression@60000", "Click@60500", "Behavior@60500");
        assertThat(script.expectedSamples()).isEqualTo(3);
        assertThat(script.expectedPositives()).isEqualTo(2);
        Impression second = (Impression) script.events().get(1).event();
        assertThat(second.getRequestId()).isEqualTo("u196-1");
        assertThat(second.getItemId()).isEqualTo(302);
        assertThat(((Click) script.events().get(2).event()).getRequestId()).isEqualTo("u196-1");
        Behavior liked = (Behavior) script.events().get(3).event();
        assertThat(liked.getType()).isEqualTo(BehaviorType.REVIEW);
        assertThat(liked.getItemId()).isEqualTo(302);
    }

    @Test
    void thresholdIsInclusiveAndConfigurable() {
        InteractionLog log = InteractionLog.of("toy", List.of(rating(1, 1, T0, 3.5f), rating(1, 2, T0 + 5_000, 2f)));

        assertThat(RatingProtocol.script(log, 3.5).expectedPositives()).isEqualTo(1);
        assertThat(RatingProtocol.script(log, 1.0).expectedPositives()).isEqualTo(2);
        assertThat(RatingProtocol.script(log).expectedPositives()).isZero();
    }

    @Test
    void refusesALogWithoutRatings() {
        InteractionLog log = InteractionLog.of("reviews", List.of(Interaction.unrated(1, 1, 1, T0, BehaviorType.REVIEW)));

        assertThatThrownBy(() -> RatingProtocol.script(log)).hasMessageContaining("needs explicit ratings");
    }

    @Test
    void movieLens100kScriptHasOneSamplePerRatingAndOnePositivePerLikedRating() {
        InteractionLog log = MovieLensReader.read100k(SharedData.dataset(SharedData.MOVIELENS_100K), ReadOptions.all());

        EventScript script = RatingProtocol.script(log);

        assertThat(script.expectedSamples()).isEqualTo(100_000);
        assertThat(script.expectedPositives()).isEqualTo(55_375);
        assertThat(script.size()).isEqualTo(100_000 + 2 * 55_375);
    }
}
