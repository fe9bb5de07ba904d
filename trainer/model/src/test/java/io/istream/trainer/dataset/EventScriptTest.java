package io.istream.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.avro.ItemRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventScriptTest {

    @Test
    void sortsByTimeKeepingGenerationOrderOnTiesAndCountsSamples() {
        TimedEvent click = TimedEvent.of(new Click("u1-1", 1L, 5L, 1_500L));
        TimedEvent impression = TimedEvent.of(new Impression("u1-1", 1L, 5L, 2L, 1_000L, null));
        TimedEvent negative = TimedEvent.of(new Impression("u1-1", 1L, 6L, 2L, 1_000L, null));
        TimedEvent behavior = TimedEvent.of(new Behavior(1L, 5L, 2L, BehaviorType.REVIEW, 1_000L));

        EventScript script = new EventScript("toy", List.of(click, impression, negative, behavior));

        assertThat(script.events()).containsExactly(impression, negative, behavior, click);
        assertThat(script.expectedSamples()).isEqualTo(2);
        assertThat(script.expectedPositives()).isEqualTo(1);
        assertThat(script.toString()).isEqualTo("toy: 4 events, 2 samples, 1 positives");
    }

    @Test
    void timedEventsMustAgreeWithTheirEventAndBeImpressionsClicksOrBehaviours() {
        Click click = new Click("r", 1L, 5L, 1_500L);

        assertThat(TimedEvent.of(click)).isEqualTo(new TimedEvent(1_500L, 1L, click));
        assertThatThrownBy(() -> new TimedEvent(1_501L, 1L, click)).hasMessageContaining("disagree");
        assertThatThrownBy(() -> new TimedEvent(1_500L, 2L, click)).hasMessageContaining("disagree");
        assertThatThrownBy(() -> TimedEvent.of(new ItemRef(1L, 1L))).hasMessageContaining("not io.istream.avro.ItemRef");
    }
}
