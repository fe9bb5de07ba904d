package io.istream.features.job;

import static io.istream.ingestion.testing.EventFactory.MINUTE;
import static io.istream.ingestion.testing.EventFactory.SECOND;
import static io.istream.ingestion.testing.EventFactory.at;
import static io.istream.ingestion.testing.EventFactory.behavior;
import static io.istream.ingestion.testing.EventFactory.click;
import static io.istream.ingestion.testing.EventFactory.impression;
import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.DeadLetter;
import io.istream.avro.Sample;
import io.istream.ingestion.corpus.CorruptCorpus;
import io.istream.schemas.EventFields;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.schemas.DeadLetterReason;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * (b) A corpus of bad records on every input topic the data plane reads (built here, plus the committed corpus of
 * {@code CorruptCorpus}) lands in dead letters with the right reasons, the job survives, the good records still
 * become samples, and the counts reconcile: records in = records processed + dead letters.
 */
class CorruptInputITCase extends DataPlaneTestBase {
    private final Map<String, List<byte[][]>> recordsByTopic = new HashMap<>();
    private final Map<DeadLetterReason, Integer> expectedReasons = new HashMap<>();
    private int processed;

    @Test
    void badRecordsBecomeDeadLettersWithReasonsAndGoodRecordsStillFlow() throws Exception {
        // ---- good traffic: 20 users, each 3 behaviours, 2 impressions, a click on the first ----
        int expectedSamples = 0;
        for (long user = 1; user <= 20; user++) {
            for (int b = 0; b < 3; b++) {
                good(behavior(user, 100 + b, at(b * SECOND)));
            }
            good(impression(user, "r" + user, 200, at(5 * SECOND)));
            good(impression(user, "r" + user, 201, at(5 * SECOND)));
            good(click(user, "r" + user, 200, at(8 * SECOND)));
            expectedSamples += 2;
        }
        // ---- undecodable ----
        Random random = new Random(3);
        byte[] validImpression = Topics.IMPRESSIONS.values().encode(impression(1, "x", 5, at(0)));
        for (String topic : List.of("impressions", "clicks", "behaviors")) {
            byte[] garbage = new byte[40];
            random.nextBytes(garbage);
            bad(topic, null, garbage, DeadLetterReason.BAD_HEADER);
            bad(topic, null, new byte[0], DeadLetterReason.EMPTY_RECORD);
        }
        bad("impressions", null, Arrays.copyOf(validImpression, validImpression.length - 4),
                DeadLetterReason.MALFORMED_AVRO);
        bad("clicks", null, validImpression, DeadLetterReason.UNKNOWN_SCHEMA); // an impression on the clicks topic
        byte[] hugeArrayPrefix = Arrays.copyOf(validImpression, 12);
        hugeArrayPrefix[10] = (byte) 0xFE; // a string length prefix that is a huge varint run
        bad("impressions", null, hugeArrayPrefix, DeadLetterReason.MALFORMED_AVRO);
        // ---- decodable but invalid ----
        bad("behaviors", behavior(-4, 100, at(0)), DeadLetterReason.INVALID_ID);
        bad("impressions", impression(1, "", 5, at(0)), DeadLetterReason.MISSING_FIELD);
        bad("clicks", click(1, "r1", 200, 1_000L), DeadLetterReason.ABSURD_TIMESTAMP);
        bad("behaviors", behavior(1, 100, System.currentTimeMillis() + 400L * 24 * 3600 * 1000),
                DeadLetterReason.ABSURD_TIMESTAMP);
        byte[] wrongKey = Topics.BEHAVIORS.values().encode(behavior(1, 100, at(0)));
        recordsByTopic.computeIfAbsent("behaviors", t -> new ArrayList<>()).add(new byte[][] {KeyCodec.userKey(2), wrongKey});
        expectedReasons.merge(DeadLetterReason.KEY_MISMATCH, 1, Integer::sum);
        // ---- valid records the label join cannot use ----
        bad("clicks", click(3, "never-shown", 999, at(6 * SECOND)), DeadLetterReason.CLICK_WITHOUT_IMPRESSION);
        bad("impressions", impression(4, "r4", 200, at(5 * SECOND)), DeadLetterReason.DUPLICATE_IMPRESSION);
        bad("clicks", click(5, "r5", 200, at(9 * SECOND)), DeadLetterReason.DUPLICATE_CLICK);
        bad("clicks", click(6, "r6", 201, at(5 * SECOND + 31 * MINUTE)), DeadLetterReason.CLICK_OUTSIDE_WINDOW);

        // ---- the committed corpus (ingestion's test resources), for the topics the data plane reads ----
        int fromCorpus = 0;
        for (CorruptCorpus.Entry e : CorruptCorpus.load()) {
            if (!e.topic().equals("score-requests")) {
                bad(e.topic(), e.key(), e.value(), e.reason());
                fromCorpus++;
            }
        }
        assertThat(fromCorpus).as("corpus records for impressions, clicks and behaviors").isGreaterThan(30);

        int recordsIn = 0;
        for (var entry : recordsByTopic.entrySet()) {
            KafkaTestSupport.sendRaw(kafka, entry.getKey(), entry.getValue());
            recordsIn += entry.getValue().size();
        }

        runBounded(jobConfig(Duration.ofMinutes(30)), "corrupt-input");

        List<Sample> samples = KafkaTestSupport.readCommitted(kafka, Topics.SAMPLES);
        List<DeadLetter> dead = KafkaTestSupport.readCommitted(kafka, Topics.DEAD_LETTERS);
        Map<DeadLetterReason, Integer> reasons = new HashMap<>();
        for (DeadLetter d : dead) {
            reasons.merge(DeadLetterReason.valueOf(d.getReasonCode()), 1, Integer::sum);
            assertThat(d.getReasonMessage()).isNotBlank();
            assertThat(d.getSourceTopic()).isIn("impressions", "clicks", "behaviors");
            assertThat(d.getOffset()).isNotNegative();
        }
        assertThat(reasons).isEqualTo(expectedReasons);
        assertThat(samples).hasSize(expectedSamples);
        assertThat(samples.stream().filter(s -> s.getLabel() == 1)).hasSize(20);
        assertThat(recordsIn).as("records in = processed + dead letters").isEqualTo(processed + dead.size());
    }

    private void good(SpecificRecord event) {
        String topic = topicOf(event);
        long user = EventFields.userId(event);
        recordsByTopic.computeIfAbsent(topic, t -> new ArrayList<>())
                .add(new byte[][] {KeyCodec.userKey(user), encode(event)});
        processed++;
    }

    private void bad(String topic, SpecificRecord event, DeadLetterReason reason) {
        long user = EventFields.userId(event);
        bad(topic, user > 0 ? KeyCodec.userKey(user) : null, encode(event), reason);
    }

    private void bad(String topic, byte[] key, byte[] value, DeadLetterReason reason) {
        recordsByTopic.computeIfAbsent(topic, t -> new ArrayList<>()).add(new byte[][] {key, value});
        expectedReasons.merge(reason, 1, Integer::sum);
    }

    private static String topicOf(SpecificRecord event) {
        return EventFields.topicOf(event).name();
    }

    private static byte[] encode(SpecificRecord event) {
        return EventFields.encode(event);
    }
}
