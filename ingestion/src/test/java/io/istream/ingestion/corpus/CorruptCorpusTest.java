package io.istream.ingestion.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.DeadLetter;
import io.istream.avro.IngestedEvent;
import io.istream.ingestion.corpus.CorruptCorpus.Entry;
import io.istream.ingestion.decode.EventDecoder;
import io.istream.ingestion.validate.EventValidator;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.DeadLetterReason;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The committed corpus of bad records: every one becomes a dead letter with its expected reason (and its raw bytes),
 * and it covers each kind of damage on every input topic. The data-plane job sends the same files through Kafka in
 * {@code CorruptInputITCase}.
 */
class CorruptCorpusTest {
    private static final List<String> INPUT_TOPICS = List.of("impressions", "clicks", "behaviors", "score-requests");

    @Test
    void theCommittedFilesAreWhatTheGeneratorWrites() {
        List<Entry> committed = CorruptCorpus.load();
        List<Entry> generated = CorruptCorpus.generate();
        assertThat(committed).hasSameSizeAs(generated);
        for (int i = 0; i < committed.size(); i++) {
            Entry c = committed.get(i);
            Entry g = generated.get(i);
            assertThat(c.file()).isEqualTo(g.file());
            assertThat(c.key()).as(c.file()).isEqualTo(g.key());
            assertThat(c.value()).as(c.file()).isEqualTo(g.value());
            assertThat(c.reason()).as(c.file()).isEqualTo(g.reason());
        }
    }

    @Test
    void everyRecordBecomesADeadLetterWithItsReason() {
        EventDecoder decoder = EventDecoder.forInputTopics(new EventValidator(ValidationLimits.defaults()));
        long offset = 0;
        for (Entry e : CorruptCorpus.load()) {
            IngestedEvent out = decoder.decode(e.topic(), 0, offset++, e.key(), e.value(), System.currentTimeMillis());
            assertThat(out.getPayload()).as(e.file()).isInstanceOf(DeadLetter.class);
            DeadLetter dead = (DeadLetter) out.getPayload();
            assertThat(dead.getReasonCode()).as(e.file() + ": " + dead.getReasonMessage()).isEqualTo(e.reason().name());
            assertThat(dead.getReasonMessage()).isNotBlank();
            assertThat(bytesOf(dead.getRaw())).as("raw bytes kept").isEqualTo(e.value());
        }
    }

    @Test
    void itCoversEveryKindOfDamageOnEveryInputTopic() {
        Map<String, Set<DeadLetterReason>> reasons = CorruptCorpus.load().stream().collect(Collectors.groupingBy(
                Entry::topic, Collectors.mapping(Entry::reason, Collectors.toSet())));
        assertThat(reasons).containsOnlyKeys(INPUT_TOPICS);
        for (String topic : INPUT_TOPICS) {
            assertThat(reasons.get(topic)).as(topic).contains(DeadLetterReason.BAD_HEADER, DeadLetterReason.EMPTY_RECORD,
                    DeadLetterReason.MALFORMED_AVRO, DeadLetterReason.TRAILING_BYTES, DeadLetterReason.UNKNOWN_SCHEMA,
                    DeadLetterReason.KEY_MISMATCH, DeadLetterReason.ABSURD_TIMESTAMP, DeadLetterReason.INVALID_ID);
        }
        assertThat(reasons.get("score-requests")).contains(DeadLetterReason.OVERSIZED_CANDIDATES,
                DeadLetterReason.MISSING_FIELD);
        assertThat(CorruptCorpus.load()).extracting(Entry::name)
                .contains("huge-string-length", "huge-array-length", "huge-enum-index", "unknown-fingerprint",
                        "random-bytes", "truncated");
    }

    private static byte[] bytesOf(java.nio.ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
