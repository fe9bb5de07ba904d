package io.istream.ops.cluster;

import io.istream.features.job.JobEnvironment;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.config.TopicAdmin;
import io.istream.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A Flink standalone session cluster and a KRaft broker as separate JVM processes on 127.0.0.1: one JobManager
 * ({@code StandaloneSessionClusterEntrypoint}), N TaskManagers ({@code TaskManagerRunner}) and a broker
 * ({@link BrokerProcess}), started from the Maven-built classpath with the Flink configuration the compose stack
 * mounts ({@code ops/cluster/flink/config.yaml}). Only what differs on one machine is overridden, each as a dynamic
 * property: addresses and free ports, the checkpoint and RocksDB directories under the cluster's directory, a
 * Prometheus port per process, and a resource id per TaskManager ({@code tm-0}, {@code tm-1}, ...) so that a
 * TaskManager Flink names can be found again as a process. The JVM options are what Flink's own scripts compute
 * from the same configuration: the memory sizes, then {@code env.java.opts.*}.
 *
 * <p>The processes outlive the JVM that started them; {@code cluster.properties} in the directory holds their ids
 * and ports, so {@link #attach} finds them again (docs/operations.md, "A cluster of processes").
 */
public final class ProcessCluster {
    static final String STATE_FILE = "cluster.properties";
    private static final String JOBMANAGER = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    private static final String TASKMANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

    private final Path dir;
    private final Properties state;

    private ProcessCluster(Path dir, Properties state) {
        this.dir = dir;
        this.state = state;
    }

    /**
     * Starts a broker (with every topic, {@code partitions} each), a JobManager and {@code taskManagers}
     * TaskManagers, and waits until the JobManager's REST API counts them all.
     *
     * @param flinkConfigDir the directory of the cluster's config.yaml
     * @param classpath      the processes' classpath
     * @param overrides      further Flink settings (dynamic properties), e.g. heartbeat timeouts
     */
    public static ProcessCluster up(Path dir, Path flinkConfigDir, String classpath, int taskManagers,
                                    int partitions, Map<String, String> overrides) throws Exception {
        if (Files.exists(dir.resolve(STATE_FILE))) {
            throw new IllegalStateException("a cluster is already up in " + dir + " (cluster down stops it)");
        }
        // a new cluster: the data, checkpoints and logs of one that ran here before go
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
        Properties state = new Properties();
        BrokerProcess broker = BrokerProcess.startNew(dir.resolve("kafka"));
        state.setProperty("bootstrap", broker.connection().bootstrapServers());
        state.setProperty("pid.broker", Long.toString(broker.pid()));
        ProcessCluster cluster = new ProcessCluster(dir, state);
        try {
            cluster.start(broker, flinkConfigDir, classpath, taskManagers, partitions, overrides);
            return cluster;
        } catch (Exception | Error e) {
            try {
                cluster.down();   // the processes started so far would outlive this JVM
            } catch (IOException stopping) {
                e.addSuppressed(stopping);
            }
            throw e;
        }
    }

    private void start(BrokerProcess broker, Path flinkConfigDir, String classpath, int taskManagers, int partitions,
                       Map<String, String> overrides) throws Exception {
        TopicAdmin.ensureTopics(broker.connection(), Topics.ALL, partitions, (short) 1);

        int restPort = BrokerProcess.freePort();
        Map<String, String> common = new LinkedHashMap<>();
        common.put("jobmanager.rpc.address", "127.0.0.1");
        common.put("jobmanager.rpc.port", Integer.toString(BrokerProcess.freePort()));
        common.put("jobmanager.bind-host", "127.0.0.1");
        common.put("taskmanager.bind-host", "127.0.0.1");
        common.put("taskmanager.host", "127.0.0.1");
        common.put("rest.address", "127.0.0.1");
        common.put("rest.bind-address", "127.0.0.1");
        common.put("rest.port", Integer.toString(restPort));
        common.put("blob.server.port", Integer.toString(BrokerProcess.freePort()));
        common.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        common.put("execution.checkpointing.savepoint-dir", dir.resolve("checkpoints/savepoints").toUri().toString());
        common.putAll(overrides);
        Configuration config = GlobalConfiguration.loadConfiguration(flinkConfigDir.toString(),
                Configuration.fromMap(common));
        state.setProperty("rest", "http://127.0.0.1:" + restPort);
        state.setProperty("taskmanagers", Integer.toString(taskManagers));

        Map<String, String> jm = new LinkedHashMap<>(common);
        jm.put("metrics.reporter.prom.port", Integer.toString(BrokerProcess.freePort()));
        JobManagerProcessSpec jmSpec = JobManagerProcessUtils.processSpecFromConfig(config);
        List<String> jmJvm = split(JobManagerProcessUtils.generateJvmParametersStr(jmSpec, config));
        jmJvm.addAll(split(config.getString("env.java.opts.all", "")));
        jmJvm.addAll(split(config.getString("env.java.opts.jobmanager", "")));
        long jmPid = launch("jobmanager", jmJvm, JOBMANAGER, flinkConfigDir, jm, classpath);
        state.setProperty("pid.jobmanager", Long.toString(jmPid));
        save();
        awaitRest(Duration.ofSeconds(90));

        TaskExecutorProcessSpec tmSpec = TaskExecutorProcessUtils.processSpecFromConfig(config);
        List<String> tmJvm = split(ProcessMemoryUtils.generateJvmParametersStr(tmSpec));
        tmJvm.addAll(split(config.getString("env.java.opts.all", "")));
        tmJvm.addAll(split(config.getString("env.java.opts.taskmanager", "")));
        for (int i = 0; i < taskManagers; i++) {
            startTaskManager(i, tmJvm, tmSpec, flinkConfigDir, common, classpath);
        }
        save();
        awaitTaskManagers(taskManagers, Duration.ofSeconds(120));
    }

    private void startTaskManager(int index, List<String> jvm, TaskExecutorProcessSpec spec, Path flinkConfigDir,
                                  Map<String, String> common, String classpath) throws IOException {
        Map<String, String> tm = new LinkedHashMap<>(common);
        tm.put("taskmanager.resource-id", "tm-" + index);
        tm.put("state.backend.rocksdb.localdir", dir.resolve("rocksdb-" + index).toString());
        tm.put("io.tmp.dirs", Files.createDirectories(dir.resolve("tmp-" + index)).toString());
        tm.put("metrics.reporter.prom.port", Integer.toString(BrokerProcess.freePort()));
        // the memory sizes Flink's scripts pass a TaskManager along with its JVM options
        List<String> dynamic = split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec));
        for (int k = 0; k + 1 < dynamic.size(); k += 2) {
            String setting = dynamic.get(k + 1);
            int eq = setting.indexOf('=');
            tm.put(setting.substring(0, eq), setting.substring(eq + 1));
        }
        long pid = launch("taskmanager-" + index, jvm, TASKMANAGER, flinkConfigDir, tm, classpath);
        state.setProperty("pid.tm-" + index, Long.toString(pid));
    }

    /** The cluster whose state is in {@code dir}; empty when none is up there. */
    public static Optional<ProcessCluster> attach(Path dir) throws IOException {
        Path file = dir.resolve(STATE_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties state = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            state.load(in);
        }
        return Optional.of(new ProcessCluster(dir, state));
    }

    public KafkaConnection kafka() {
        return KafkaConnection.of(state.getProperty("bootstrap"));
    }

    /** The JobManager's REST address, http://127.0.0.1:port. */
    public String rest() {
        return state.getProperty("rest");
    }

    /**
     * An environment whose jobs go to this cluster's REST API, with {@code jars} for the TaskManagers' class loaders,
     * as a {@code flink run} client sends them; the job defaults ({@link JobEnvironment#defaults}) on {@code options}.
     */
    public StreamExecutionEnvironment environment(Configuration options, String... jars) {
        URI at = URI.create(rest());
        return StreamExecutionEnvironment.createRemoteEnvironment(at.getHost(), at.getPort(),
                JobEnvironment.defaults(options), jars);
    }

    /** Process ids by role: broker, jobmanager, tm-0, tm-1, ... */
    public Map<String, Long> pids() {
        Map<String, Long> out = new LinkedHashMap<>();
        state.stringPropertyNames().stream().filter(k -> k.startsWith("pid.")).sorted()
                .forEach(k -> out.put(k.substring(4), Long.parseLong(state.getProperty(k))));
        return out;
    }

    /** Whether a process of the cluster is alive. */
    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** GET on the JobManager's REST API; the body, or an exception with the status. */
    public String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(rest() + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("GET " + path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    /**
     * Kills the TaskManager process with this resource id: SIGKILL ({@code kill}), which Flink notices only when its
     * heartbeats stop, or SIGTERM, a shutdown it is told about.
     *
     * @return the process id killed
     */
    public long killTaskManager(String resourceId, boolean kill) throws InterruptedException {
        Long pid = resourceId.startsWith("tm-") ? pids().get(resourceId) : null;
        if (pid == null) {
            throw new IllegalArgumentException("no TaskManager " + resourceId + " in " + pids().keySet());
        }
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(() ->
                new IllegalStateException(resourceId + " (pid " + pid + ") is not running"));
        if (kill) {
            handle.destroyForcibly();
        } else {
            handle.destroy();
        }
        handle.onExit().orTimeout(60, TimeUnit.SECONDS).join();
        return pid;
    }

    /**
     * Stops every process (SIGTERM, then SIGKILL after 30 s) and forgets the cluster; its logs and data stay in the
     * directory until the next {@link #up}.
     */
    public void down() throws IOException {
        List<Long> order = new ArrayList<>();
        pids().forEach((role, pid) -> {
            if (role.startsWith("tm-")) {
                order.add(pid);
            }
        });
        Optional.ofNullable(pids().get("jobmanager")).ifPresent(order::add);
        Optional.ofNullable(pids().get("broker")).ifPresent(order::add);
        for (long pid : order) {
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroy();
                try {
                    p.onExit().get(30, TimeUnit.SECONDS);
                } catch (Exception slow) {
                    p.destroyForcibly();
                }
            });
        }
        Files.deleteIfExists(dir.resolve(STATE_FILE));
    }

    private long launch(String name, List<String> jvm, String main, Path flinkConfigDir, Map<String, String> dynamic,
                        String classpath) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvm);
        Path log = dir.resolve(name + ".log");
        command.add("-Dlog.file=" + log);
        command.add("-Dlog4j.configurationFile=" + writeLogConfig());
        command.add("-cp");
        command.add(classpath);
        command.add(main);
        command.add("--configDir");
        command.add(flinkConfigDir.toString());
        dynamic.forEach((k, v) -> command.add("-D" + k + "=" + v));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile()).start();
        return process.pid();
    }

    /** Flink's INFO log to each process's log.file: job and checkpoint events, TaskManagers coming and going. */
    private Path writeLogConfig() throws IOException {
        Path file = dir.resolve("log4j2-cluster.properties");
        if (!Files.exists(file)) {
            Files.writeString(file, String.join("\n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.file.ref = file",
                    "appender.file.type = File",
                    "appender.file.name = file",
                    "appender.file.fileName = ${sys:log.file}",
                    "appender.file.layout.type = PatternLayout",
                    "appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5level %c{1} - %msg%n",
                    "logger.kafka.name = org.apache.kafka",
                    "logger.kafka.level = WARN",
                    ""));
        }
        return file;
    }

    private void save() throws IOException {
        try (OutputStream out = Files.newOutputStream(dir.resolve(STATE_FILE))) {
            state.store(out, "istream process cluster: ids and ports of its processes");
        }
    }

    private void awaitRest(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                get("/overview");
                return;
            } catch (IOException notYet) {
                if (!alive(pids().get("jobmanager"))) {
                    throw new IllegalStateException("the JobManager exited; see " + dir.resolve("jobmanager.out")
                            + " and jobmanager.log");
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the JobManager's REST API did not answer within " + timeout);
                }
                Thread.sleep(500);   // polling: a process gives no notice when its server is up
            }
        }
    }

    /**
     * The resource ids of the TaskManagers that run a task whose name contains {@code taskName}, in the job named
     * {@code jobName} (e.g. "streaming-trainer" of "istream learning"), as the REST API reports them.
     */
    public List<String> taskManagersRunning(String jobName, String taskName) throws IOException, InterruptedException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> out = new ArrayList<>();
        for (var job : json.readTree(get("/jobs/overview")).path("jobs")) {
            if (!job.path("name").asText().equals(jobName) || !job.path("state").asText().equals("RUNNING")) {
                continue;
            }
            String id = job.path("jid").asText();
            for (var vertex : json.readTree(get("/jobs/" + id)).path("vertices")) {
                if (vertex.path("name").asText().contains(taskName)) {
                    var managers = json.readTree(get("/jobs/" + id + "/vertices/" + vertex.path("id").asText()
                            + "/taskmanagers")).path("taskmanagers");
                    for (var tm : managers) {
                        out.add(tm.path("taskmanager-id").asText());
                    }
                }
            }
        }
        return out;
    }

    /** Until the REST API counts {@code count} TaskManagers. */
    private void awaitTaskManagers(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = get("/overview");
            if (body.contains("\"taskmanagers\":" + count + ",")) {
                return;
            }
            Thread.sleep(500);   // polling the REST API: it has no notification
        }
        throw new IllegalStateException(count + " TaskManagers did not register within " + timeout + ": " + body);
    }

    private static List<String> split(String options) {
        return new ArrayList<>(Arrays.stream(options.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
    }

    @Override
    public String toString() {
        return "process cluster in " + dir + ": " + kafka() + ", REST " + rest() + ", processes " + pids();
    }
}
