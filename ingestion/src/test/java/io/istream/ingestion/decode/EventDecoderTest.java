package io.istream.ingestion.decode;

import static io.istream.ingestion.testing.EventFactory.NOW;
import static io.istream.ingestion.testing.EventFactory.at;
import static io.istream.ingestion.testing.EventFactory.click;
import static io.istream.ingestion.testing.EventFactory.impression;
import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.DeadLetter;
import io.istream.avro.Impression;
import io.istream.avro.IngestedEvent;
import io.istream.ingestion.validate.EventValidator;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.DeadLetterReason;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topics;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EventDecoderTest {
    private final EventDecoder decoder = EventDecoder.forInputTopics(new EventValidator(ValidationLimits.defaults()));

    @Test
    void decodesValidEventsWithTheirSourceCoordinates() {
        Impression imp = impression(7, "r1", 3, at(0));
        IngestedEvent out = decoder.decode("impressions", 2, 41, KeyCodec.userKey(7),
                Topics.IMPRESSIONS.values().encode(imp), NOW);
        assertThat(out.getPayload()).isEqualTo(imp);
        assertThat(out.getSourceTopic()).isEqualTo("impressions");
        assertThat(out.getPartition()).isEqualTo(2);
        assertThat(out.getOffset()).isEqualTo(41);
    }

    @Test
    void invalidEventsBecomeDeadLettersKeepingTheirBytes() {
        byte[] bytes = Topics.IMPRESSIONS.values().encode(impression(-1, "r1", 3, at(0)));
        DeadLetter dead = deadLetter(decoder.decode("impressions", 0, 5, null, bytes, NOW));
        assertThat(dead.getReasonCode()).isEqualTo(DeadLetterReason.INVALID_ID.name());
        assertThat(dead.getRaw().array()).isEqualTo(bytes);
        assertThat(dead.getSourceTopic()).isEqualTo("impressions");
        assertThat(dead.getOffset()).isEqualTo(5);
    }

    @Test
    void aClickOnTheImpressionsTopicIsNotAnImpression() {
        byte[] clickBytes = Topics.CLICKS.values().encode(click(7, "r", 3, at(0)));
        assertThat(deadLetter(decoder.decode("impressions", 0, 0, null, clickBytes, NOW)).getReasonCode())
                .isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA.name());
    }

    @Test
    void aKeyForAnotherUserIsRejected() {
        byte[] bytes = Topics.CLICKS.values().encode(click(7, "r", 3, at(0)));
        assertThat(deadLetter(decoder.decode("clicks", 0, 0, KeyCodec.userKey(8), bytes, NOW)).getReasonCode())
                .isEqualTo(DeadLetterReason.KEY_MISMATCH.name());
        assertThat(deadLetter(decoder.decode("clicks", 0, 0, new byte[3], bytes, NOW)).getReasonCode())
                .isEqualTo(DeadLetterReason.KEY_MISMATCH.name());
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(42);
        byte[] valid = Topics.IMPRESSIONS.values().encode(impression(7, "r1", 3, at(0)));
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
            } else {
                // keep the valid header, corrupt the body: exercises the Avro decoder itself
                bytes = valid.clone();
                for (int k = 0; k < 1 + random.nextInt(4); k++) {
                    bytes[10 + random.nextInt(bytes.length - 10)] = (byte) random.nextInt();
                }
            }
            IngestedEvent out = decoder.decode("impressions", 0, i, null, bytes, NOW);
            assertThat(out.getPayload()).isInstanceOfAny(Impression.class, DeadLetter.class);
        }
    }

    private static DeadLetter deadLetter(IngestedEvent event) {
        assertThat(event.getPayload()).isInstanceOf(DeadLetter.class);
        return (DeadLetter) event.getPayload();
    }
}
