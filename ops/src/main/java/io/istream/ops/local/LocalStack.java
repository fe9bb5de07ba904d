package io.istream.ops.local;

import io.istream.features.job.DataPlaneJob;
import io.istream.features.job.JobEnvironment;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.config.TopicAdmin;
import io.istream.ingestion.local.EmbeddedKafkaBroker;
import io.istream.ingestion.source.StartingPosition;
import io.istream.schemas.Topics;
import io.istream.scorer.job.ScorerJob;
import io.istream.trainer.job.TrainingJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything on one machine: an embedded KRaft broker on 127.0.0.1 and Flink MiniClusters (RocksDB state,
 * exactly-once checkpoints under the work directory) running istream jobs in this JVM.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
    private final EmbeddedKafkaBroker broker;
    private final Path workDir;
    private final int parallelism;
    private final java.util.List<JobClient> jobs = new java.util.ArrayList<>();

    private LocalStack(EmbeddedKafkaBroker broker, Path workDir, int parallelism) {
        this.broker = broker;
        this.workDir = workDir;
        this.parallelism = parallelism;
    }

    public static LocalStack start(Path workDir, int parallelism) {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create work directory " + workDir, e);
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        TopicAdmin.ensureTopics(broker.connection(), Topics.ALL, parallelism, (short) 1);
        LOG.info("embedded Kafka broker on {}, topics {} with {} partitions", broker.bootstrapServers(),
                Topics.ALL.stream().map(t -> t.name()).toList(), parallelism);
        return new LocalStack(broker, workDir, parallelism);
    }

    public KafkaConnection kafka() {
        return broker.connection();
    }

    public Path workDir() {
        return workDir;
    }

    public Path rocksDbDir() {
        return rocksDbDir(workDir);
    }

    private static Path rocksDbDir(Path workDir) {
        return workDir.resolve("rocksdb");
    }

    /** The Flink configuration of local jobs: the production defaults plus local directories and live metrics. */
    public Configuration flinkConfig(Configuration options) {
        return flinkConfig(workDir, options);
    }

    /** As above for a stack whose work directory is {@code workDir} (ClusterFilesTest compares it with the cluster's). */
    public static Configuration flinkConfig(Path workDir, Configuration options) {
        Configuration config = JobEnvironment.defaults(options);
        config.setString("execution.checkpointing.dir", workDir.resolve("checkpoints").toUri().toString());
        config.setString("state.backend.rocksdb.localdir", rocksDbDir(workDir).toString());
        config.setString("metrics.reporter.live.factory.class", io.istream.ops.metrics.LiveMetrics.Factory.class.getName());
        config.setString("restart-strategy.type", "fixed-delay");
        config.setString("restart-strategy.fixed-delay.attempts", "10");
        config.setString("restart-strategy.fixed-delay.delay", "2 s");
        config.setString("rest.bind-port", "0");
        // RocksDB lives in managed memory; the MiniCluster's default leaves it a few MiB of write buffers and cache
        config.setString("taskmanager.memory.managed.size", "768m");
        config.addAll(options);
        return config;
    }

    public static final String DATA_PLANE_JOB = "istream data plane";
    public static final String LEARNING_JOB = "istream learning";
    public static final String SCORER_JOB = "istream scorer";

    public JobClient startDataPlane(Configuration options, StartingPosition start, boolean bounded) throws Exception {
        return submit(DATA_PLANE_JOB, options, env ->
                DataPlaneJob.defineKafkaWorkflow(env, kafka(), options, "istream-data-plane", start, bounded));
    }

    /** The data plane with the streaming trainer on its samples (model updates and metrics to Kafka). */
    public JobClient startLearning(Configuration options, StartingPosition start, boolean bounded) throws Exception {
        return submit(LEARNING_JOB, options, env ->
                TrainingJob.defineKafkaWorkflow(env, kafka(), options, "istream-learning", start, bounded));
    }

    /** The scorer: score requests and behaviours in, model updates broadcast, scored candidates out. */
    public JobClient startScorer(Configuration options, StartingPosition start) throws Exception {
        return submit(SCORER_JOB, options, env ->
                ScorerJob.defineKafkaWorkflow(env, kafka(), options, "istream-scorer", start, false));
    }

    /** Defines a job on a local environment with this stack's configuration and submits it; closed with the stack. */
    public JobClient submit(String name, Configuration options,
                             java.util.function.Consumer<StreamExecutionEnvironment> define) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism,
                flinkConfig(options));
        define.accept(env);
        JobClient job = env.executeAsync(name);
        jobs.add(job);
        LOG.info("job '{}' ({}) submitted to a local MiniCluster, parallelism {}", name, job.getJobID(), parallelism);
        return job;
    }

    @Override
    public void close() {
        for (JobClient job : jobs) {
            try {
                job.cancel().get();
            } catch (Exception e) {
                LOG.debug("job {} already stopped: {}", job.getJobID(), e.getMessage());
            }
        }
        broker.close();
        deleteRecursively(workDir);
    }

    /** Checkpoints and RocksDB files of a local run are large and useless afterwards. */
    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}: {}", path, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot clean up {}: {}", dir, e.getMessage());
        }
    }
}
