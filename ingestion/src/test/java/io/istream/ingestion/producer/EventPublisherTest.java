package io.istream.ingestion.producer;

import static io.istream.ingestion.testing.EventFactory.NOW;
import static io.istream.ingestion.testing.EventFactory.at;
import static io.istream.ingestion.testing.EventFactory.behavior;
import static io.istream.ingestion.testing.EventFactory.impression;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.DeadLetterReason;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topics;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The publisher's own decisions; delivery through a real broker is covered by the ITCases that replay data. */
class EventPublisherTest {
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final EventPublisher publisher = new EventPublisher(producer, ValidationLimits.defaults(), () -> NOW);

    @Test
    void keysByUserStampsEventTimeAndEncodesWithTheCatalogueCodec() throws Exception {
        publisher.publish(impression(7, "r1", 3, at(0)));
        producer.completeNext();
        var sent = producer.history().get(0);
        assertThat(sent.topic()).isEqualTo(Topics.IMPRESSIONS.name());
        assertThat(KeyCodec.userIdOf(sent.key())).isEqualTo(7L);
        assertThat(sent.timestamp()).isEqualTo(at(0));
        assertThat(Topics.IMPRESSIONS.values().decode(sent.value())).isEqualTo(impression(7, "r1", 3, at(0)));
    }

    @Test
    void refusesWhatIngestionWouldDeadLetter() {
        assertThatThrownBy(() -> publisher.publish(behavior(-1, 3, at(0)))).isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).violation().reason())
                        .isEqualTo(DeadLetterReason.INVALID_ID));
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void flushReportsEventsThatCouldNotBeDelivered() {
        publisher.publish(behavior(1, 3, at(0)));
        publisher.publish(behavior(1, 4, at(1)));
        producer.completeNext();
        producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker gone"));
        assertThat(publisher.failedSends()).isEqualTo(1);
        assertThatThrownBy(publisher::flush).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 events could not be delivered").hasMessageContaining("broker gone");
    }
}
