package io.istream.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.ingestion.local.EmbeddedKafkaBroker;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code istream replay --bootstrap} against a real broker it did not start: every event lands, and the figures. */
class ReplayCommandITCase {
    @Test
    void replaysTheSyntheticStreamOntoAnExternalBroker(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            Path json = dir.resolve("replay.json");
            int exit = new CommandLine(new IstreamCli()).execute("replay", "--bootstrap", broker.bootstrapServers(),
                    "--data", dir.resolve("no-such-dataset").toString(), "--seed", "7", "--requests-per-second", "50",
                    "--requests-for", "2", "--json", json.toString());

            assertThat(exit).isZero();
            var script = SyntheticInterests.generate(SyntheticConfig.small().withSeed(7)).script();
            long published = KafkaTestSupport.readCommittedRaw(broker.connection(), Topics.IMPRESSIONS.name()).size()
                    + KafkaTestSupport.readCommittedRaw(broker.connection(), Topics.CLICKS.name()).size()
                    + KafkaTestSupport.readCommittedRaw(broker.connection(), Topics.BEHAVIORS.name()).size();
            assertThat(published).isEqualTo(script.size());
            assertThat(KafkaTestSupport.readCommitted(broker.connection(), Topics.IMPRESSIONS))
                    .hasSize((int) script.expectedSamples());
            assertThat(Files.readString(json)).contains("\"events\" : " + script.size());
            // score requests for replayed users, as rankers would send them: every one sent is on the topic
            var requests = KafkaTestSupport.readCommitted(broker.connection(), Topics.SCORE_REQUESTS);
            assertThat(requests).isNotEmpty();
            assertThat(Files.readString(json)).contains("\"scoreRequestsSent\" : " + requests.size());
            // up to 20 candidates: distinct items the replay had published when the request was sent
            assertThat(requests).allSatisfy(r -> assertThat(r.getCandidates().size()).isBetween(1, 20));
        }
    }
}
