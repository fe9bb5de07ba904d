package io.istream.ops.pipeline;

import io.istream.avro.ScoredCandidates;
import io.istream.features.job.JobEnvironment;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.config.TopicAdmin;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ops.cluster.BrokerProcess;
import io.istream.schemas.Topics;
import io.istream.scorer.job.ScorerJob;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.updates.ModelFollower;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker goes away for {@value #OUTAGE_SECONDS} s mid-stream: a real KRaft broker in a child process is stopped
 * (SIGTERM) while the learning job and the scorer run, and started again on the same ports and log directory. The
 * jobs ride it out (Kafka clients retry; a task that fails restarts from the last checkpoint); then nothing is lost or
 * doubled: every impression is one sample with its whole history, every sample was trained exactly once, versions
 * are consecutive, and every score request is answered exactly once on read_committed.
 */
class BrokerOutageITCase {
    private static final int OUTAGE_SECONDS = 30;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    @TempDir
    Path dir;

    @Test
    void theJobsRideOutABrokerOutageWithNothingLostOrDoubled() throws Exception {
        EventScript script = SyntheticInterests.generate(SyntheticConfig.small().withSize(100, 20).withSeed(13))
                .script();
        PipelineChecks.Halves halves = PipelineChecks.Halves.of(script);
        try (BrokerProcess broker = BrokerProcess.startNew(dir.resolve("broker"))) {
            KafkaConnection kafka = broker.connection();
            TopicAdmin.ensureTopics(kafka, Topics.ALL, 2, (short) 1);
            halves.publishFirst(kafka);

            Configuration config = PipelineTestBase.jobConfig();
            // ride out the outage: restart (from the last checkpoint) for as long as the broker is away
            config.setString("restart-strategy.type", "fixed-delay");
            config.setString("restart-strategy.fixed-delay.attempts", "1000");
            config.setString("restart-strategy.fixed-delay.delay", "1 s");
            JobClient learning = start(config, env -> TrainingJob.defineKafkaWorkflow(env, kafka, config,
                    "it-outage", StartingPosition.EARLIEST, false), "it-outage-learning");
            JobClient scorer = start(config, env -> ScorerJob.defineKafkaWorkflow(env, kafka, config,
                    "it-outage-scorer", StartingPosition.EARLIEST, false), "it-outage-scorer");
            ModelFollower before = PipelineChecks.awaitSettledModel(kafka, 1, Duration.ofSeconds(120));
            PipelineChecks.sendRequests(kafka, script, "before", halves.splitMs() - 1);
            PipelineChecks.awaitAnswers(kafka, 20, Duration.ofSeconds(60));

            broker.stop();
            System.out.printf("broker stopped at model version %d (%d samples); away for %d s%n", before.version(),
                    before.samplesTrained(), OUTAGE_SECONDS);
            Thread.sleep(OUTAGE_SECONDS * 1000L);   // the outage itself: nothing to wait for but time
            broker.start();
            // the same topics: returns once every partition's leader serves again
            TopicAdmin.ensureTopics(kafka, Topics.ALL, 2, (short) 1);
            System.out.println("broker back on " + kafka.bootstrapServers());

            halves.publishRestAndClock(kafka);
            ModelFollower after = PipelineChecks.awaitSettledModel(kafka, script.expectedSamples(),
                    Duration.ofSeconds(180));
            PipelineChecks.sendRequests(kafka, script, "after", halves.endMs());
            // the "after" requests come last in every partition: once they are answered and committed, so is any
            // answer the scorer produced again for an earlier request (it sat before them in the same checkpoint)
            List<ScoredCandidates> answers = PipelineChecks.awaitAnswers(kafka, 40, Duration.ofSeconds(90));
            learning.cancel().get();
            scorer.cancel().get();

            PipelineChecks.assertExactlyOnce(kafka, script, after);
            assertThat(after.version()).isGreaterThan(before.version());
            assertThat(answers.stream().collect(Collectors.groupingBy(ScoredCandidates::getRequestId,
                    Collectors.counting()))).as("each request answered exactly once").hasSize(40)
                    .allSatisfy((request, count) -> assertThat(count).isEqualTo(1L));
        }
    }

    private static JobClient start(Configuration config,
                                   java.util.function.Consumer<StreamExecutionEnvironment> define, String name)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(PipelineTestBase.PARALLELISM);
        define.accept(env);
        return env.executeAsync(name);
    }
}
