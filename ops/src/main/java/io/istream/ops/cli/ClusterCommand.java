package io.istream.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.istream.features.job.JobArguments;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ops.cluster.ProcessCluster;
import io.istream.scorer.job.ScorerJob;
import io.istream.trainer.job.TrainingJob;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ops/istream cluster up|submit|status|kill-taskmanager|down}: the jobs on a Flink standalone cluster of
 * separate processes on this machine ({@link ProcessCluster}), configured by the compose stack's config.yaml.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "A Flink standalone cluster (a JobManager, TaskManagers) and a KRaft broker as separate processes "
                + "on 127.0.0.1, configured by ops/cluster/flink/config.yaml, as docker-compose runs it.",
        subcommands = {ClusterCommand.Up.class, ClusterCommand.Submit.class, ClusterCommand.Status.class,
                ClusterCommand.KillTaskManager.class, ClusterCommand.Down.class})
final class ClusterCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    static Path dir() {
        return Defaults.home().resolve(".istream/cluster");
    }

    static ProcessCluster attached() throws Exception {
        return ProcessCluster.attach(dir()).orElseThrow(() -> new IllegalStateException(
                "no cluster is up (ops/istream cluster up starts one)"));
    }

    /**
     * A process cluster in {@code dir} for the launcher's jobs. The processes run Flink, Kafka and the libraries; the
     * jobs' own classes come in the job jar. A Flink distribution's lib/ holds Flink alone and the job jar brings
     * Kafka's client, the connector, Avro and ND4J; this classpath, built by Maven for the launcher, holds those too.
     * Parent-first class loading then takes each library from one place, the processes' classpath, and the jobs'
     * own classes from the jar.
     */
    static ProcessCluster start(Path dir, int taskManagers, int partitions, Map<String, String> conf)
            throws Exception {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("/istream-") && !entry.endsWith("/target/classes"))
                .collect(Collectors.joining(File.pathSeparator));
        Map<String, String> settings = new LinkedHashMap<>(conf);
        settings.putIfAbsent("classloader.resolve-order", "parent-first");
        return ProcessCluster.up(dir, Defaults.home().resolve("ops/cluster/flink"), classpath, taskManagers,
                partitions, settings);
    }

    /** The job jar, or an error that says how to build it. */
    static Path jobJar(Path given) {
        Path jar = given != null ? given : Defaults.home().resolve("ops/target/istream-jobs.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no job jar at " + jar + ": build it with mvn -B -Djobjar -DskipTests "
                    + "package");
        }
        return jar;
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Start the broker, the JobManager and the "
            + "TaskManagers; wait until every TaskManager has registered.")
    static final class Up implements Callable<Integer> {
        @Option(names = "--taskmanagers", defaultValue = "2", description = "TaskManager processes "
                + "(default: ${DEFAULT-VALUE})")
        int taskManagers;

        @Option(names = "--partitions", defaultValue = "2", description = "partitions per topic "
                + "(default: ${DEFAULT-VALUE})")
        int partitions;

        @Option(names = "--conf", description = "a Flink setting for every process, over config.yaml (repeatable)")
        Map<String, String> conf = new LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            System.out.println("starting a broker, a JobManager and " + taskManagers + " TaskManagers in " + dir());
            ProcessCluster cluster = start(dir(), taskManagers, partitions, conf);
            System.out.println("up: " + cluster);
            System.out.println("Flink's web API at " + cluster.rest() + "; logs in " + dir());
            return 0;
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit the learning job and the scorer "
            + "with the job jar (mvn -B -Djobjar -DskipTests package builds it).")
    static final class Submit implements Callable<Integer> {
        @Option(names = "--jar", description = "the job jar (default: ops/target/istream-jobs.jar)")
        Path jar;

        @Option(names = "--conf", description = "a job option, e.g. --conf model.kind=DIN (repeatable); each job "
                + "takes the ones it knows, and a project option that neither knows is an error")
        Map<String, String> conf = new LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            ProcessCluster cluster = attached();
            Path jobJar = jobJar(jar);
            List<String> unknown = new ArrayList<>(conf.keySet());
            unknown.removeIf(k -> TrainingJob.keys().contains(k) || ScorerJob.keys().contains(k)
                    || JobArguments.PROJECT_PREFIXES.stream().noneMatch(k::startsWith));
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown option(s) " + unknown + "; see docs/configuration.md");
            }
            submit(cluster, jobJar, "istream learning", "istream-learning", TrainingJob.keys(),
                    (env, a) -> TrainingJob.defineKafkaWorkflow(env, a.kafka(), a.options(), a.groupId(),
                            StartingPosition.COMMITTED_OR_EARLIEST, false));
            submit(cluster, jobJar, "istream scorer", "istream-scorer", ScorerJob.keys(),
                    (env, a) -> ScorerJob.defineKafkaWorkflow(env, a.kafka(), a.options(), a.groupId(),
                            StartingPosition.COMMITTED_OR_EARLIEST, false));
            return 0;
        }

        private interface Graph {
            void define(StreamExecutionEnvironment env, JobArguments arguments);
        }

        /** Defines the job here and sends it, with the jar, to the JobManager's REST API, as flink run does. */
        private void submit(ProcessCluster cluster, Path jobJar, String name, String group, List<String> keys,
                            Graph graph) throws Exception {
            List<String> args = new ArrayList<>(List.of("--bootstrap", cluster.kafka().bootstrapServers()));
            conf.forEach((k, v) -> {
                if (keys.contains(k) || JobArguments.PROJECT_PREFIXES.stream().noneMatch(k::startsWith)) {
                    args.add("--conf");
                    args.add(k + "=" + v);
                }
            });
            JobArguments given = JobArguments.parse(args.toArray(String[]::new), group, new Configuration(), keys);
            StreamExecutionEnvironment env = cluster.environment(given.options(), jobJar.toString());
            graph.define(env, given);
            JobClient job = env.executeAsync(name);
            System.out.println(name + ": submitted as job " + job.getJobID()
                    + (conf.isEmpty() ? "" : " with " + conf));
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "The processes, the TaskManagers and "
            + "slots Flink sees, and the jobs.")
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            ProcessCluster cluster = attached();
            ObjectMapper json = new ObjectMapper();
            System.out.println(cluster.kafka() + ", Flink REST " + cluster.rest());
            cluster.pids().forEach((role, pid) -> System.out.printf("  %-12s pid %-8d %s%n", role, pid,
                    ProcessCluster.alive(pid) ? "running" : "gone"));
            JsonNode overview = json.readTree(cluster.get("/overview"));
            System.out.printf("Flink: %d TaskManagers, %d of %d slots free%n", overview.path("taskmanagers").asInt(),
                    overview.path("slots-available").asInt(), overview.path("slots-total").asInt());
            for (JsonNode job : json.readTree(cluster.get("/jobs/overview")).path("jobs")) {
                System.out.printf("  job %-20s %-10s %s%n", job.path("name").asText(), job.path("state").asText(),
                        job.path("jid").asText());
            }
            return 0;
        }
    }

    @Command(name = "kill-taskmanager", mixinStandardHelpOptions = true, description = "Kill a TaskManager process: "
            + "by default the one that runs the trainer, with SIGKILL, which Flink notices by its heartbeats only.")
    static final class KillTaskManager implements Callable<Integer> {
        @Option(names = "--id", description = "its resource id (tm-0, tm-1, ...); default: the trainer's")
        String id;

        @Option(names = "--signal", defaultValue = "KILL", description = "KILL or TERM (default: ${DEFAULT-VALUE})")
        String signal;

        @Override
        public Integer call() throws Exception {
            ProcessCluster cluster = attached();
            String target = id;
            if (target == null) {
                List<String> running = cluster.taskManagersRunning("istream learning", "streaming-trainer");
                if (running.isEmpty()) {
                    throw new IllegalStateException("no running trainer found (is the learning job submitted?)");
                }
                target = running.get(0);
            }
            boolean kill = switch (signal.toUpperCase(java.util.Locale.ROOT)) {
                case "KILL", "SIGKILL", "9" -> true;
                case "TERM", "SIGTERM", "15" -> false;
                default -> throw new IllegalArgumentException("--signal is KILL or TERM, not " + signal);
            };
            long pid = cluster.killTaskManager(target, kill);
            System.out.printf("%s (pid %d) got SIG%s; the jobs restart on the other TaskManagers once Flink "
                    + "notices%n", target, pid, kill ? "KILL" : "TERM");
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop every process of the cluster (logs "
            + "and checkpoints stay in .istream/cluster).")
    static final class Down implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            ProcessCluster cluster = attached();
            cluster.down();
            System.out.println("down: " + cluster.pids().keySet() + " stopped; logs in " + dir());
            return 0;
        }
    }
}
