package io.istream.features.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.DeadLetter;
import io.istream.avro.Sample;
import io.istream.trainer.dataset.AmazonReviewsReader;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.Interaction;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ReadOptions;
import io.istream.trainer.dataset.ReviewProtocol;
import io.istream.trainer.dataset.TimedEvent;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * (a) A real slice of amazon-beauty replayed through Kafka under the papers' protocol gives exactly the expected
 * samples, and each history is exactly the user's reviews strictly before the impression: what the offline
 * protocol would give.
 */
class ReplayedSliceITCase extends DataPlaneTestBase {
    private static final int USERS = 400;

    @Test
    void replayedAmazonSliceGivesExactlyTheExpectedLeakFreeSamples() throws Exception {
        Path data = Path.of(System.getProperty("istream.data.dir", "../../shared/data"), "amazon-beauty");
        Assumptions.assumeTrue(Files.exists(data.resolve("behaviors.tsv")),
                "amazon-beauty not found at " + data.toAbsolutePath() + ": skipping the replayed-slice test");
        InteractionLog log = AmazonReviewsReader.read(data, ReadOptions.firstUsers(USERS));
        EventScript script = ReviewProtocol.script(log, 7);
        try (EventPublisher publisher = new EventPublisher(kafka, ValidationLimits.defaults())) {
            for (TimedEvent event : script.events()) {
                publisher.publish(event.event());
            }
            publisher.flush();
        }

        runBounded(jobConfig(Duration.ofMinutes(30)), "replayed-slice");

        List<Sample> samples = KafkaTestSupport.readCommitted(kafka, Topics.SAMPLES);
        List<DeadLetter> dead = KafkaTestSupport.readCommitted(kafka, Topics.DEAD_LETTERS);
        assertThat(dead).as("a clean replay has no dead letters").isEmpty();
        assertThat((long) samples.size()).isEqualTo(script.expectedSamples())
                .isEqualTo(2L * (log.interactions() - log.users()));
        assertThat(samples.stream().filter(s -> s.getLabel() == 1).count()).isEqualTo(script.expectedPositives());
        Set<String> ids = new HashSet<>();
        samples.forEach(s -> assertThat(ids.add(s.getSampleId())).as("duplicate %s", s.getSampleId()).isTrue());

        Map<Long, List<Long>> itemsByUser = new HashMap<>();
        for (Interaction row : log.rows()) {
            itemsByUser.computeIfAbsent(row.userId(), u -> new ArrayList<>()).add(row.itemId());
        }
        for (Sample s : samples) {
            assertThat(s.getHistoryTimesMs()).allSatisfy(t -> assertThat(t).isLessThan(s.getImpressionTimeMs()));
            assertThat(s.getNegativeItems()).hasSameSizeAs(s.getHistoryItems()).doesNotContain(s.getItemId());
            // requestId u<user>-<k>: the impression of the user's k-th review sees reviews 0..k-1 (the last 100)
            int k = Integer.parseInt(s.getRequestId().substring(s.getRequestId().lastIndexOf('-') + 1));
            List<Long> reviewed = itemsByUser.get(s.getUserId());
            assertThat(s.getHistoryItems()).as("history of %s", s).isEqualTo(reviewed.subList(Math.max(0, k - 100), k));
        }
    }
}
