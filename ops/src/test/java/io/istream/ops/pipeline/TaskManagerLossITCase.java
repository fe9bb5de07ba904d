package io.istream.ops.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.ModelUpdateKind;
import io.istream.features.job.JobEnvironment;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.ingestion.local.EmbeddedKafkaBroker;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.schemas.Topics;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.updates.ModelFollower;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A whole TaskManager goes away mid-stream: the learning job runs at parallelism 2 on a MiniCluster's only
 * TaskManager, a second one joins, and the first (with every task of the job) is terminated. The job restarts from
 * its last checkpoint on the second. The trainer is restored (it publishes a FULL after the restore), every
 * impression is still exactly one sample with its whole history, every sample is trained exactly once, and model
 * versions stay consecutive.
 */
class TaskManagerLossITCase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @Test
    void losingATaskManagerLosesAndDoublesNothing(@InjectMiniCluster MiniCluster cluster) throws Exception {
        EventScript script = SyntheticInterests.generate(SyntheticConfig.small().withSize(100, 20).withSeed(23))
                .script();
        PipelineChecks.Halves halves = PipelineChecks.Halves.of(script);
        try (EmbeddedKafkaBroker broker = PipelineTestBase.brokerWithTopics(PipelineTestBase.PARALLELISM)) {
            KafkaConnection kafka = broker.connection();
            halves.publishFirst(kafka);
            Configuration config = PipelineTestBase.jobConfig();
            config.setString("restart-strategy.type", "fixed-delay");
            config.setString("restart-strategy.fixed-delay.attempts", "20");
            config.setString("restart-strategy.fixed-delay.delay", "1 s");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                    JobEnvironment.defaults(config));
            env.setParallelism(PipelineTestBase.PARALLELISM);
            TrainingJob.defineKafkaWorkflow(env, kafka, config, "it-tm-loss", StartingPosition.EARLIEST, false);
            JobClient learning = env.executeAsync("it-tm-loss");
            ModelFollower before = PipelineChecks.awaitSettledModel(kafka, 1, Duration.ofSeconds(120));

            cluster.startTaskManager();          // room to fail over to
            cluster.terminateTaskManager(0).get();   // the first, which runs every task of the job
            System.out.printf("TaskManager 0 terminated at model version %d (%d samples)%n", before.version(),
                    before.samplesTrained());
            halves.publishRestAndClock(kafka);

            ModelFollower after = PipelineChecks.awaitSettledModel(kafka, script.expectedSamples(),
                    Duration.ofSeconds(180));
            learning.cancel().get();
            PipelineChecks.assertExactlyOnce(kafka, script, after);
            long fulls = KafkaTestSupport.readCommitted(kafka, Topics.MODEL_UPDATES).stream()
                    .filter(u -> u.getKind() == ModelUpdateKind.FULL && u.getChunkIndex() == 0).count();
            assertThat(fulls).as("a FULL at start and one after the restore: the trainer failed over")
                    .isGreaterThanOrEqualTo(2);
            assertThat(after.version()).isGreaterThan(before.version());
        }
    }
}
