package io.istream.ops.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.ModelUpdateKind;
import io.istream.avro.ScoredCandidates;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.ops.cluster.ProcessCluster;
import io.istream.schemas.Topics;
import io.istream.scorer.job.ScorerJob;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.updates.ModelFollower;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs on a Flink cluster of separate processes ({@link ProcessCluster}: a JobManager, two TaskManagers and a
 * broker, each its own JVM, configured by the compose stack's config.yaml), and a TaskManager lost the hard way: the
 * process that runs the trainer is SIGKILLed mid-stream. Nothing tells Flink: its heartbeats find the process gone
 * (their RPCs fail, or they time out, with the short heartbeat settings given here), and the jobs
 * restart from their last checkpoint on the surviving TaskManager. Then every impression is one sample, every sample
 * is trained once (count and checksum), model versions are consecutive, and every score request is answered exactly
 * once (read_committed).
 */
class ProcessClusterITCase {
    private static final int PARTITIONS = 2;

    @Test
    void aSigkilledTaskManagerIsDetectedByHeartbeatAndTheJobsLoseAndDoubleNothing(@TempDir Path dir) throws Exception {
        EventScript script = SyntheticInterests.generate(SyntheticConfig.small().withSize(100, 20).withSeed(29))
                .script();
        PipelineChecks.Halves halves = PipelineChecks.Halves.of(script);
        // the test JVM's classpath holds every module: the TaskManagers load the jobs' classes from it, no jar upload
        Map<String, String> overrides = Map.of(
                "heartbeat.interval", "1000",
                "heartbeat.timeout", "6000",
                "taskmanager.memory.process.size", "2560m",
                "taskmanager.memory.managed.size", "256m",
                "taskmanager.memory.task.off-heap.size", "512m",
                "jobmanager.memory.process.size", "1024m");
        ProcessCluster cluster = ProcessCluster.up(dir, clusterConfigDir(), System.getProperty("java.class.path"),
                2, PARTITIONS, overrides);
        try {
            KafkaConnection kafka = cluster.kafka();
            halves.publishFirst(kafka);
            Configuration config = PipelineTestBase.jobConfig();
            config.setString("restart-strategy.type", "fixed-delay");
            config.setString("restart-strategy.fixed-delay.attempts", "20");
            config.setString("restart-strategy.fixed-delay.delay", "1 s");
            // an option given to the jobs reaches the trainer on the cluster: DIN instead of the default DIEN
            config.setString("model.kind", "DIN");
            JobClient learning = submit(cluster, config, env -> TrainingJob.defineKafkaWorkflow(env, kafka, config,
                    "it-process-learning", StartingPosition.EARLIEST, false), "istream learning");
            JobClient scorer = submit(cluster, config, env -> ScorerJob.defineKafkaWorkflow(env, kafka, config,
                    "it-process-scorer", StartingPosition.EARLIEST, false), "istream scorer");
            ModelFollower before = PipelineChecks.awaitSettledModel(kafka, 1, Duration.ofSeconds(180));
            PipelineChecks.sendRequests(kafka, script, "before", halves.splitMs() - 1);
            PipelineChecks.awaitAnswers(kafka, 20, Duration.ofSeconds(120));

            List<String> trainerOn = cluster.taskManagersRunning("istream learning", "streaming-trainer");
            assertThat(trainerOn).as("the TaskManager that runs the trainer").hasSize(1);
            long killed = cluster.killTaskManager(trainerOn.get(0), true);
            System.out.printf("SIGKILLed %s (pid %d), which ran the trainer, at model version %d (%d samples)%n",
                    trainerOn.get(0), killed, before.version(), before.samplesTrained());
            halves.publishRestAndClock(kafka);
            PipelineChecks.sendRequests(kafka, script, "after", halves.endMs());

            ModelFollower after = PipelineChecks.awaitSettledModel(kafka, script.expectedSamples(),
                    Duration.ofSeconds(240));
            List<ScoredCandidates> answers = PipelineChecks.awaitAnswers(kafka, 40, Duration.ofSeconds(120));
            learning.cancel().get();
            scorer.cancel().get();

            PipelineChecks.assertExactlyOnce(kafka, script, after);
            assertThat(answers.stream().map(ScoredCandidates::getRequestId).distinct().count())
                    .as("every score request answered exactly once").isEqualTo(answers.size()).isEqualTo(40);
            long fulls = KafkaTestSupport.readCommitted(kafka, Topics.MODEL_UPDATES).stream()
                    .filter(u -> u.getKind() == ModelUpdateKind.FULL && u.getChunkIndex() == 0).count();
            assertThat(fulls).as("a FULL at start and one after the restore").isGreaterThanOrEqualTo(2);
            assertThat(after.epoch()).as("the restored trainer runs a later epoch").isGreaterThan(before.epoch());
            assertThat(after.model().config().kind()).as("the model the job options asked for")
                    .isEqualTo(io.istream.trainer.model.ModelKind.DIN);
            // the heartbeat listeners report a target whose heartbeat RPCs fail ("no longer reachable") or that
            // stops answering them ("timed out"): the two ways Flink's heartbeats notice a process that is gone
            String jobManagerLog = Files.readString(dir.resolve("jobmanager.log"));
            String id = trainerOn.get(0);
            assertThat(jobManagerLog.contains("TaskManager with id " + id + " is no longer reachable")
                    || jobManagerLog.toLowerCase(java.util.Locale.ROOT).contains(
                            ("heartbeat of TaskManager with id " + id + " timed out").toLowerCase(java.util.Locale.ROOT)))
                    .as("the JobManager's heartbeats noticed that %s was gone (see %s)", id, dir.resolve("jobmanager.log"))
                    .isTrue();
        } finally {
            cluster.down();
        }
    }

    /** The compose stack's Flink configuration, in the repository. */
    static Path clusterConfigDir() {
        Path dir = Path.of(System.getProperty("maven.multiModuleProjectDirectory",
                Path.of("").toAbsolutePath().getParent().toString())).resolve("ops/cluster/flink");
        return Files.isDirectory(dir) ? dir : Path.of("").toAbsolutePath().resolve("cluster/flink");
    }

    private interface Graph {
        void define(StreamExecutionEnvironment env);
    }

    /** Defines a job here and submits it to the cluster's REST API, as a {@code flink run} client does. */
    private static JobClient submit(ProcessCluster cluster, Configuration config, Graph graph, String name)
            throws Exception {
        StreamExecutionEnvironment env = cluster.environment(config);
        graph.define(env);
        return env.executeAsync(name);
    }
}
