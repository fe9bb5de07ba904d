package io.istream.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.istream.features.job.JobEnvironment;
import io.istream.ops.cli.IstreamCli;
import io.istream.ops.local.LocalStack;
import io.istream.schemas.Topic;
import io.istream.schemas.Topics;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.metrics.MetricNames;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The cluster files (docker-compose.yml and ops/cluster/) checked against the build, the code and each other. No
 * Docker engine runs here: these tests check what can be checked without one: images, versions, mounted paths and
 * jars, the Flink configuration, the topics, Prometheus' targets and the Grafana dashboard's metric names.
 */
class ClusterFilesTest {
    /** Surefire runs in the module directory (ops/); the repository is its parent. */
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path CLUSTER = REPO.resolve("ops/cluster");

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Set<String> OFFICIAL_IMAGES = Set.of("apache/kafka", "flink", "eclipse-temurin",
            "prom/prometheus", "grafana/grafana");
    private static final Set<String> JOB_JARS = Set.of("istream-jobs.jar", "istream-jobs-cuda.jar");
    private static final Set<String> NAMED_VOLUMES = Set.of("kafka-data", "checkpoints", "prometheus-data",
            "grafana-data");
    private static final String DATASET_TARGET = "/data";

    /** Keys LocalStack#flinkConfig sets for its in-JVM MiniCluster only: directories, its own reporter, a free port. */
    private static final Set<String> LOCAL_ONLY_KEYS = Set.of("execution.checkpointing.dir",
            "state.backend.rocksdb.localdir", "metrics.reporter.live.factory.class", "rest.bind-port");

    /**
     * The metrics our operators register, as Flink's Prometheus reporter names them. The name is "flink_", the
     * group's logical scope joined by "_" (an operator's is taskmanager_job_task_operator), then the metric's name
     * (AbstractPrometheusReporter#getScopedName); user groups are part of the logical scope. A key/value group,
     * addGroup("reason", r), puts its key into the name and its value into the label `reason`
     * (GenericValueMetricGroup#createLogicalScope). The Kafka source opens a record deserializer with its reader's
     * group plus a group "deserializer" (flink-connector-kafka KafkaSource#createReader). Counters and gauges become
     * Prometheus gauges; a histogram becomes a summary (label `quantile`) plus NAME_count.
     *
     * <p>Registered in EventDeserializer, UserFeatureFunction, TrainerOperator and ScorerFunction:
     * {@link #ourMetricListMatchesWhatTheOperatorsRegister()} checks this list against those sources.
     */
    private static final List<Registration> OUR_METRICS = List.of(
            new Registration("ingestion/src/main/java/io/istream/ingestion/source/EventDeserializer.java",
                    "addGroup(\"istream\").addGroup(\"ingestion\")",
                    "flink_taskmanager_job_task_operator_deserializer_istream_ingestion_",
                    List.of("recordsIn", "recordsPassed", "deadLetters", "reason_deadLetters")),
            new Registration("feature-state/src/main/java/io/istream/features/job/UserFeatureFunction.java",
                    "addGroup(\"istream\").addGroup(\"features\")",
                    "flink_taskmanager_job_task_operator_istream_features_",
                    List.of("impressionsAccepted", "clicksJoined", "behaviorsAccepted", "samplesOut", "positives",
                            "negatives", "deadLetters", "reason_deadLetters", "lateBehaviors", "sequenceOverflow")),
            new Registration("trainer/job/src/main/java/io/istream/trainer/job/TrainerOperator.java",
                    "addGroup(\"istream\").addGroup(\"trainer\")",
                    "flink_taskmanager_job_task_operator_istream_trainer_",
                    List.of("samplesIn", "modelUpdateRecords", "samplesTrained", "skippedBatches", "modelVersion",
                            "gpuDevice", "unpublishableModels", "replicaDeltaChunksApplied",
                            "replicaDeltaChunksDropped", "replicaDeltaLagMs", "expiredIds", "embeddingRows", "onlineAuc", "onlineGauc",
                            "onlineLogloss", "samplesPerSecond")),
            new Registration("scorer/src/main/java/io/istream/scorer/job/ScorerFunction.java",
                    "addGroup(\"istream\").addGroup(\"scorer\")",
                    "flink_taskmanager_job_task_operator_istream_scorer_",
                    List.of("interestCacheHits", "interestCacheMisses", "requestsAnswered", "requestsWithoutModel",
                            "scoringLatencyMicros", "scoringLatencyMicros_count", "modelVersion", "modelAgeMs")));

    /** What the issue asks the dashboard to show, by the metric that shows it. */
    private static final List<String> DASHBOARD_MUST_SHOW = List.of(
            "flink_taskmanager_job_task_operator_istream_trainer_onlineAuc",
            "flink_taskmanager_job_task_operator_istream_trainer_onlineGauc",
            "flink_taskmanager_job_task_operator_istream_trainer_onlineLogloss",
            "flink_taskmanager_job_task_operator_istream_trainer_samplesPerSecond",
            "flink_taskmanager_job_task_operator_deserializer_istream_ingestion_recordsIn",
            "flink_taskmanager_job_task_operator_deserializer_istream_ingestion_reason_deadLetters",
            "flink_taskmanager_job_task_operator_istream_scorer_modelVersion",
            "flink_taskmanager_job_task_operator_istream_scorer_modelAgeMs",
            "flink_taskmanager_job_task_operator_istream_scorer_scoringLatencyMicros",
            "flink_jobmanager_job_lastCheckpointDuration",
            "flink_jobmanager_job_lastCheckpointSize",
            "flink_taskmanager_job_task_operator_pendingRecords");

    private record Registration(String source, String groups, String prefix, List<String> names) {
    }

    /** A volume of a compose service: source as written (interpolation defaults applied), target, bind options. */
    private record Mount(String service, String source, String target, JsonNode longSyntax) {
        boolean isHostPath() {
            return source.startsWith("./") || source.startsWith("../") || source.startsWith("/");
        }

        Path hostPath() {
            return REPO.resolve(source).normalize();
        }
    }

    // ---- docker-compose.yml ----------------------------------------------------------------------------------------

    @Test
    void composeUsesOnlyPinnedOfficialImagesOfTheBuildsVersions() throws IOException {
        String kafkaVersion = pomProperty(REPO.resolve("pom.xml"), "kafka.version");
        String flinkVersion = pomProperty(REPO.resolve("pom.xml"), "flink.version");
        String javaRelease = pomProperty(REPO.resolve("pom.xml"), "maven.compiler.release");
        Map<String, JsonNode> services = services();
        assertThat(services).containsKeys("kafka", "topics", "jobmanager", "taskmanager", "taskmanager-gpu", "submit",
                "replay", "prometheus", "grafana");
        for (Map.Entry<String, JsonNode> service : services.entrySet()) {
            assertThat(service.getValue().has("build")).as("%s builds no image of its own", service.getKey())
                    .isFalse();
            String image = text(service.getValue(), "image");
            assertThat(image).as("image of %s", service.getKey()).isNotBlank().doesNotContain("$").doesNotContain("@");
            int colon = image.lastIndexOf(':');
            assertThat(colon).as("%s: image %s has a tag", service.getKey(), image).isPositive();
            String repository = image.substring(0, colon);
            String tag = image.substring(colon + 1);
            assertThat(OFFICIAL_IMAGES).as("%s: %s is an official image", service.getKey(), image)
                    .contains(repository);
            assertThat(tag).as("%s: pinned tag", service.getKey()).isNotBlank().isNotEqualTo("latest");
            switch (repository) {
                case "apache/kafka" -> assertThat(tag).as("Kafka image = kafka.version").isEqualTo(kafkaVersion);
                case "flink" -> assertThat(tag).as("Flink image = flink.version, Java of the build")
                        .startsWith(flinkVersion + "-").contains("java" + javaRelease);
                case "eclipse-temurin" -> assertThat(tag).as("Java of the build").startsWith(javaRelease + "-");
                default -> assertThat(tag).as("%s: a version tag", image).matches("v?\\d+(\\.\\d+)+");
            }
        }
    }

    @Test
    void everyInterpolationHasADefault() throws IOException {
        String compose = Files.readString(REPO.resolve("docker-compose.yml"));
        Matcher m = Pattern.compile("\\$\\{([^}]*)}").matcher(compose);
        int found = 0;
        while (m.find()) {
            found++;
            assertThat(m.group(1)).as("${%s} works without an .env file", m.group(1))
                    .matches("[A-Z][A-Z0-9_]*:-[^}]*");
        }
        assertThat(found).isPositive();
    }

    @Test
    void mountedHostPathsExistAndMountedJarsAreTheOnesTheBuildProduces() throws IOException {
        String opsPom = Files.readString(REPO.resolve("ops/pom.xml"));
        Map<String, JsonNode> services = services();
        Set<String> declaredVolumes = fieldNames(compose().get("volumes"));
        assertThat(declaredVolumes).containsExactlyInAnyOrderElementsOf(NAMED_VOLUMES);
        Set<String> usedVolumes = new TreeSet<>();
        int jars = 0;
        for (String name : services.keySet()) {
            for (Mount mount : mounts(name)) {
                if (!mount.isHostPath()) {
                    assertThat(declaredVolumes).as("%s: named volume %s is declared", name, mount.source())
                            .contains(mount.source());
                    usedVolumes.add(mount.source());
                    continue;
                }
                if (mount.target().equals(DATASET_TARGET)) {
                    // the datasets live beside the checkout (../shared/data) or where ISTREAM_DATA says; the replay
                    // falls back to its synthetic generator where none is present
                    assertThat(mount.source()).isEqualTo("../shared/data");
                    assertThat(name).isEqualTo("replay");
                    continue;
                }
                String relative = REPO.relativize(mount.hostPath()).toString().replace('\\', '/');
                assertThat(mount.hostPath()).as("%s mounts %s from inside the repository", name, mount.source())
                        .startsWithRaw(REPO);
                if (relative.startsWith("ops/target/")) {
                    jars++;
                    String file = mount.hostPath().getFileName().toString();
                    assertThat(JOB_JARS).as("%s mounts %s, a jar the build produces", name, relative).contains(file);
                    assertThat(opsPom).as("ops/pom.xml names the jar %s", file)
                            .contains(file.substring(0, file.length() - ".jar".length()));
                    assertThat(mount.longSyntax()).as("%s: %s is a long-syntax bind mount", name, relative)
                            .isNotNull();
                    assertThat(mount.longSyntax().path("read_only").asBoolean()).as("%s read-only", relative)
                            .isTrue();
                    // a missing jar must stop `up`, not become a root-owned directory in ops/target
                    assertThat(mount.longSyntax().path("bind").path("create_host_path").asText())
                            .as("%s: create_host_path false for %s", name, relative).isEqualTo("false");
                    if (file.equals("istream-jobs-cuda.jar")) {
                        assertThat(profiles(name)).as("only the gpu profile needs the CUDA build of %s", name)
                                .contains("gpu");
                    }
                } else {
                    assertThat(mount.hostPath()).as("%s mounts %s", name, relative).exists();
                }
            }
        }
        assertThat(jars).isPositive();
        assertThat(usedVolumes).containsExactlyInAnyOrderElementsOf(NAMED_VOLUMES);
    }

    @Test
    void everyFileAContainerRunsIsInTheRepository() throws IOException {
        int checked = 0;
        for (String name : services().keySet()) {
            List<String> words = new ArrayList<>(strings(services().get(name).get("entrypoint")));
            words.addAll(strings(services().get(name).get("command")));
            for (String word : words) {
                for (Mount mount : mounts(name)) {
                    if (!mount.isHostPath() || mount.target().equals(DATASET_TARGET)
                            || !word.startsWith(mount.target() + "/")) {
                        continue;
                    }
                    Path host = mount.hostPath().resolve(word.substring(mount.target().length() + 1)).normalize();
                    assertThat(host).as("%s runs %s", name, word).isRegularFile();
                    checked++;
                }
            }
        }
        assertThat(checked).as("entrypoint.sh, create-topics.sh, submit-jobs.sh").isGreaterThanOrEqualTo(3);
    }

    @Test
    void flinkContainersShareTheCheckpointVolumeAndFindTheJobManager() throws IOException {
        Map<String, String> config = flinkConfig("config.yaml");
        assertThat(config.get("execution.checkpointing.dir")).isEqualTo("file:///checkpoints");
        assertThat(config.get("execution.checkpointing.savepoint-dir")).startsWith("file:///checkpoints/");
        assertThat(config.get("state.backend.type")).isEqualTo("rocksdb");
        String jobManager = config.get("jobmanager.rpc.address");
        assertThat(services()).containsKey(jobManager);
        assertThat(ports(jobManager)).contains(config.get("rest.port") + ":" + config.get("rest.port"));
        for (String name : flinkDaemons()) {
            assertThat(mounts(name)).as("%s writes checkpoints to the shared volume", name)
                    .anyMatch(m -> m.source().equals("checkpoints") && m.target().equals("/checkpoints"));
            assertThat(environment(name)).as("%s: the image's entrypoint takes the JobManager address from here", name)
                    .containsEntry("JOB_MANAGER_RPC_ADDRESS", jobManager);
        }
        assertThat(flinkDaemons()).contains("jobmanager", "taskmanager", "taskmanager-gpu");
        assertThat(environment("submit")).containsEntry("ISTREAM_FLINK_REST",
                jobManager + ":" + config.get("rest.port"));
    }

    // ---- ops/cluster/flink/config.yaml ----------------------------------------------------------------------------

    @Test
    void flinkConfigCarriesEveryJobDefault() throws IOException {
        Map<String, String> defaults = JobEnvironment.defaults(new Configuration()).toMap();
        assertThat(defaults).isNotEmpty();
        Map<String, String> config = flinkConfig("config.yaml");
        for (Map.Entry<String, String> setting : defaults.entrySet()) {
            assertThat(config).as("config.yaml sets %s", setting.getKey()).containsKey(setting.getKey());
            assertSameValue(setting.getKey(), setting.getValue(), config.get(setting.getKey()));
        }
    }

    @Test
    void flinkLoadsTheConfigurationAndTheTaskManagerMemoryAddsUp(@TempDir Path gpuConf) throws IOException {
        // Flink's own loader and memory model: a key it cannot parse or a budget that does not fit fails here
        Configuration loaded = GlobalConfiguration.loadConfiguration(CLUSTER.resolve("flink").toString());
        Map<String, String> asFlinkReadsIt = loaded.toMap();
        JobEnvironment.defaults(new Configuration()).toMap().forEach((key, value) ->
                assertSameValue(key, value, asFlinkReadsIt.get(key)));
        TaskExecutorProcessSpec taskManager = TaskExecutorProcessUtils.processSpecFromConfig(loaded);
        assertThat(taskManager.getNumSlots()).isEqualTo(2);
        assertThat(taskManager.getManagedMemorySize()).isEqualTo(MemorySize.parse("768m"));
        assertThat(taskManager.getTaskHeapSize().getMebiBytes()).as("task heap MiB").isGreaterThanOrEqualTo(512);
        assertThat(taskManager.getExtendedResources()).isEmpty();

        // the GPU TaskManager's file, as ops/cluster/flink/entrypoint.sh writes it
        Files.writeString(gpuConf.resolve("config.yaml"), Files.readString(CLUSTER.resolve("flink/config.yaml"))
                + "\n" + Files.readString(CLUSTER.resolve("flink/config-gpu.yaml")));
        TaskExecutorProcessSpec gpuTaskManager = TaskExecutorProcessUtils.processSpecFromConfig(
                GlobalConfiguration.loadConfiguration(gpuConf.toString()));
        assertThat(gpuTaskManager.getExtendedResources()).containsOnlyKeys("gpu");
        assertThat(gpuTaskManager.getExtendedResources().get("gpu").getValue().intValue()).isEqualTo(1);
    }

    @Test
    void flinkConfigIsTheOneTheLocalStackUses(@TempDir Path workDir) throws Exception {
        Map<String, String> local = LocalStack.flinkConfig(workDir, new Configuration()).toMap();
        Map<String, String> config = flinkConfig("config.yaml");
        assertThat(local).containsKeys(LOCAL_ONLY_KEYS.toArray(String[]::new));
        for (Map.Entry<String, String> setting : local.entrySet()) {
            if (LOCAL_ONLY_KEYS.contains(setting.getKey())) {
                continue;
            }
            assertThat(config).as("config.yaml sets %s as the local stack does", setting.getKey())
                    .containsKey(setting.getKey());
            assertSameValue(setting.getKey(), setting.getValue(), config.get(setting.getKey()));
        }
    }

    @Test
    void flinkJvmOptionsCarryTheBuildsOpensAndAvroSettings() throws IOException {
        Path pom = REPO.resolve("pom.xml");
        Set<String> options = new HashSet<>(Arrays.asList(flinkConfig("config.yaml").get("env.java.opts.all")
                .trim().split("\\s+")));
        List<String> opens = Arrays.asList(pomProperty(pom, "istream.jvm.opens").trim().split("\\s+"));
        assertThat(opens).isNotEmpty().allMatch(o -> o.startsWith("--add-opens="));
        assertThat(options).containsAll(opens)
                .contains("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=" + pomProperty(pom, "avro.serializable.packages"))
                .contains("-Dorg.apache.avro.specific.use_custom_coders=true");
    }

    // ---- topics ----------------------------------------------------------------------------------------------------

    @Test
    void topicsScriptCreatesExactlyTheCatalogue() throws IOException {
        String script = Files.readString(CLUSTER.resolve("create-topics.sh"));
        List<String> created = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*create_topic\\s+([A-Za-z0-9._-]+)\\s").matcher(script);
        while (m.find()) {
            created.add(m.group(1));
        }
        List<String> catalogue = Topics.ALL.stream().map(Topic::name).toList();
        assertThat(created).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(catalogue);
        assertThat(script).contains("--if-not-exists")
                // as TopicAdmin: event time is in the payload; a replay's old timestamps must not expire the data
                .contains("message.timestamp.type=LogAppendTime")
                // model updates are rebuilt from a FULL plus the DELTAs after it, all under one key
                .doesNotContain("cleanup.policy=compact");
        assertThat(strings(services().get("topics").get("entrypoint")))
                .contains("/opt/istream/cluster/create-topics.sh");
    }

    // ---- jobs and replay -------------------------------------------------------------------------------------------

    @Test
    void submitScriptSubmitsBothJobsFromTheMountedJars() throws Exception {
        String script = Files.readString(CLUSTER.resolve("submit-jobs.sh"));
        for (String main : List.of("io.istream.trainer.job.TrainingJob", "io.istream.scorer.job.ScorerJob")) {
            assertThat(script).contains(main);
            Class<?> job = Class.forName(main, false, getClass().getClassLoader());
            assertThat(job.getMethod("main", String[].class)).isNotNull();
        }
        assertThat(script).contains("--bootstrap").contains("flink").contains("--detached");
        Map<String, String> env = environment("submit");
        Set<String> targets = new HashSet<>();
        mounts("submit").forEach(m -> targets.add(m.target()));
        assertThat(targets).contains(env.get("ISTREAM_JOBS_JAR"), env.get("ISTREAM_TRAINER_JAR"));
        assertThat(env.get("ISTREAM_BOOTSTRAP")).isEqualTo("kafka:9092");
        assertThat(environment("kafka").get("KAFKA_ADVERTISED_LISTENERS")).contains("://kafka:9092");
    }

    @Test
    void replayRunsTheCliWithOptionsItHas() throws Exception {
        List<String> entrypoint = strings(services().get("replay").get("entrypoint"));
        int main = entrypoint.indexOf(IstreamCli.class.getName());
        assertThat(main).as("replay runs %s", IstreamCli.class.getName()).isPositive();
        List<String> args = new ArrayList<>(entrypoint.subList(main + 1, entrypoint.size()));
        strings(services().get("replay").get("command")).forEach(a -> args.add(withDefaults(a)));
        assertThat(args).startsWith("replay").contains("--bootstrap", "kafka:9092");
        // the job jar leaves Flink out (the cluster provides it); the CLI needs it: the Flink image's lib/
        assertThat(text(services().get("replay"), "image")).startsWith("flink:");
        assertThat(entrypoint.get(entrypoint.indexOf("-cp") + 1).split(":"))
                .contains("/opt/istream/istream-jobs.jar", "/opt/flink/lib/*");
        // picocli refuses options the command does not have
        CommandLine.ParseResult parsed = new CommandLine(new IstreamCli()).parseArgs(args.toArray(String[]::new));
        assertThat(parsed.subcommand()).isNotNull();
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("replay");
        assertThat(parsed.subcommand().matchedOptionValue("--data", (Path) null))
                .isEqualTo(Path.of("/data/amazon-beauty"));
        assertThat(mounts("replay")).anyMatch(m -> m.target().equals(DATASET_TARGET));
    }

    // ---- Prometheus ------------------------------------------------------------------------------------------------

    @Test
    void prometheusScrapesEveryFlinkProcessOnTheReportersPort() throws IOException {
        Map<String, String> config = flinkConfig("config.yaml");
        assertThat(config.get("metrics.reporter.prom.factory.class"))
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        String port = config.get("metrics.reporter.prom.port");
        assertThat(port).isEqualTo("9249");
        JsonNode prometheus = YAML.readTree(CLUSTER.resolve("prometheus/prometheus.yml").toFile());
        assertThat(prometheus.path("global").path("scrape_interval").asText()).isEqualTo("5s");
        Set<String> targets = new TreeSet<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            for (JsonNode statics : job.path("static_configs")) {
                statics.path("targets").forEach(t -> targets.add(t.asText()));
            }
            for (JsonNode dns : job.path("dns_sd_configs")) {
                dns.path("names").forEach(n -> targets.add(n.asText() + ":" + dns.path("port").asText()));
            }
        }
        for (String daemon : flinkDaemons()) {
            assertThat(targets).as("Prometheus scrapes %s", daemon).contains(daemon + ":" + port);
            assertThat(strings(services().get(daemon).get("expose"))).as("%s exposes the reporter", daemon)
                    .contains(port);
        }
        assertThat(mounts("prometheus")).anyMatch(m -> m.source().equals("./ops/cluster/prometheus/prometheus.yml")
                && m.target().equals("/etc/prometheus/prometheus.yml"));
    }

    // ---- Grafana ---------------------------------------------------------------------------------------------------

    @Test
    void ourMetricListMatchesWhatTheOperatorsRegister() throws IOException {
        Pattern registered = Pattern.compile("\\.(counter|gauge|histogram|meter)\\(\\s*\"([A-Za-z0-9_]+)\"");
        for (Registration r : OUR_METRICS) {
            String source = Files.readString(REPO.resolve(r.source()));
            assertThat(source).as(r.source()).contains(r.groups());
            Set<String> inSource = new TreeSet<>();
            Matcher m = registered.matcher(source);
            while (m.find()) {
                inSource.add(m.group(2));
                if (m.group(1).equals("histogram")) {
                    inSource.add(m.group(2) + "_count");
                }
            }
            if (source.contains("addGroup(\"reason\"")) {
                inSource.add("reason_deadLetters");
            }
            assertThat(r.names()).as("metrics registered in %s", r.source())
                    .containsExactlyInAnyOrderElementsOf(inSource);
        }
    }

    @Test
    void dashboardShowsWhatTheIssueAsksWithMetricsThatExist() throws Exception {
        JsonNode dashboard = JSON.readTree(CLUSTER.resolve("grafana/dashboards/istream.json").toFile());
        assertThat(dashboard.path("uid").asText()).isEqualTo("istream");
        assertThat(dashboard.path("title").asText()).isEqualTo("Interest Stream");
        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);

        Set<String> known = new TreeSet<>(flinkBuiltInMetrics());
        OUR_METRICS.forEach(r -> r.names().forEach(n -> known.add(r.prefix() + n)));
        String datasource = datasourceUid();

        Set<String> used = new TreeSet<>();
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertThat(expr).as("panel %s", panel.path("title").asText()).isNotBlank();
                expressions.add(expr);
                Matcher m = Pattern.compile("\\bflink_[A-Za-z0-9_:]+").matcher(expr);
                while (m.find()) {
                    used.add(m.group());
                }
                assertThat(target.path("datasource").path("uid").asText()).isEqualTo(datasource);
            }
            if (!panel.path("type").asText().equals("row")) {
                assertThat(panel.path("datasource").path("uid").asText()).isEqualTo(datasource);
            }
        }
        assertThat(used).as("every metric of the dashboard is one our jobs or Flink register").isSubsetOf(known);
        assertThat(used).containsAll(DASHBOARD_MUST_SHOW);
        assertThat(expressions).anyMatch(e -> e.contains("quantile=\"0.5\""))
                .anyMatch(e -> e.contains("quantile=\"0.99\""))
                .anyMatch(e -> e.contains("by (reason)"));
    }

    @Test
    void grafanaIsProvisionedWithTheDataSourceAndTheDashboard() throws IOException {
        JsonNode sources = YAML.readTree(CLUSTER.resolve("grafana/provisioning/datasources/prometheus.yml").toFile());
        JsonNode source = sources.path("datasources").get(0);
        assertThat(source.path("type").asText()).isEqualTo("prometheus");
        assertThat(source.path("url").asText()).isEqualTo("http://prometheus:9090");
        assertThat(services()).containsKey("prometheus");
        assertThat(ports("prometheus")).contains("9090:9090");

        JsonNode providers = YAML.readTree(CLUSTER.resolve("grafana/provisioning/dashboards/istream.yml").toFile());
        String path = providers.path("providers").get(0).path("options").path("path").asText();
        assertThat(mounts("grafana")).anyMatch(m -> m.source().equals("./ops/cluster/grafana/dashboards")
                && m.target().equals(path));
        assertThat(mounts("grafana")).anyMatch(m -> m.source().equals("./ops/cluster/grafana/provisioning")
                && m.target().equals("/etc/grafana/provisioning"));
        assertThat(environment("grafana")).containsEntry("GF_AUTH_ANONYMOUS_ENABLED", "true")
                .containsEntry("GF_AUTH_ANONYMOUS_ORG_ROLE", "Viewer")
                .containsEntry("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", path + "/istream.json");
    }

    // ---- GPU TaskManager -------------------------------------------------------------------------------------------

    @Test
    void gpuTaskManagerIsOptionalReservesAGpuAndEnablesFlinksGpuResource() throws IOException {
        JsonNode gpu = services().get("taskmanager-gpu");
        assertThat(profiles("taskmanager-gpu")).containsExactly("gpu");
        List<JsonNode> devices = new ArrayList<>();
        gpu.path("deploy").path("resources").path("reservations").path("devices").forEach(devices::add);
        assertThat(devices).anyMatch(d -> d.path("driver").asText().equals("nvidia")
                && strings(d.path("capabilities")).contains("gpu"));
        for (String name : services().keySet()) {
            if (!name.equals("taskmanager-gpu")) {
                assertThat(services().get(name).path("deploy").path("resources").path("reservations")
                        .has("devices")).as("%s reserves no GPU", name).isFalse();
            }
        }

        // entrypoint.sh appends the files of ISTREAM_FLINK_CONF_EXTRA to config.yaml
        String extra = environment("taskmanager-gpu").get("ISTREAM_FLINK_CONF_EXTRA");
        assertThat(extra).isEqualTo("config-gpu.yaml");
        assertThat(Files.readString(CLUSTER.resolve("flink/entrypoint.sh"))).contains("ISTREAM_FLINK_CONF_EXTRA")
                .contains("/docker-entrypoint.sh")
                // the OpenBLAS kernel choice of ops/istream, from the mounted ops/cluster (BlasCoreScriptTest)
                .contains("source \"$(dirname \"$source_dir\")/blas-core.sh\"");
        assertThat(CLUSTER.resolve("blas-core.sh")).isRegularFile();
        Map<String, String> base = flinkConfig("config.yaml");
        Map<String, String> gpuOnly = flinkConfig(extra);
        assertThat(gpuOnly.keySet()).as("config-gpu.yaml only adds keys").doesNotContainAnyElementsOf(base.keySet());
        Map<String, String> merged = flatten(YAML.readTree(Files.readString(CLUSTER.resolve("flink/config.yaml"))
                + "\n" + Files.readString(CLUSTER.resolve("flink/" + extra))));
        assertThat(merged).containsAllEntriesOf(base).containsAllEntriesOf(gpuOnly);

        assertThat(Arrays.asList(merged.get("external-resources").split(";"))).contains("gpu");
        assertThat(Long.parseLong(merged.get("external-resource.gpu.amount"))).isPositive();
        assertThat(merged.get("external-resource.gpu.driver-factory.class"))
                .isEqualTo("org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(merged.get("external-resource.gpu.param.discovery-script.path"))
                .isEqualTo("plugins/external-resource-gpu/nvidia-gpu-discovery.sh");
        assertThat(environment("taskmanager")).doesNotContainKey("ISTREAM_FLINK_CONF_EXTRA");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static JsonNode compose() throws IOException {
        return YAML.readTree(REPO.resolve("docker-compose.yml").toFile());
    }

    private static Map<String, JsonNode> services() throws IOException {
        Map<String, JsonNode> services = new LinkedHashMap<>();
        compose().path("services").fields().forEachRemaining(e -> services.put(e.getKey(), e.getValue()));
        assertThat(services).isNotEmpty();
        return services;
    }

    /** The Flink JobManager and TaskManagers: Flink-image services that run a Flink daemon. */
    private static List<String> flinkDaemons() throws IOException {
        List<String> daemons = new ArrayList<>();
        for (Map.Entry<String, JsonNode> service : services().entrySet()) {
            List<String> command = strings(service.getValue().get("command"));
            if (text(service.getValue(), "image").startsWith("flink:") && !command.isEmpty()
                    && Set.of("jobmanager", "taskmanager").contains(command.get(0))) {
                daemons.add(service.getKey());
            }
        }
        return daemons;
    }

    private static List<Mount> mounts(String service) throws IOException {
        List<Mount> mounts = new ArrayList<>();
        for (JsonNode volume : services().get(service).path("volumes")) {
            if (volume.isTextual()) {
                String[] parts = withDefaults(volume.asText()).split(":");
                assertThat(parts.length).as("%s: volume %s", service, volume.asText()).isBetween(2, 3);
                mounts.add(new Mount(service, parts[0], parts[1], null));
            } else {
                mounts.add(new Mount(service, withDefaults(text(volume, "source")), text(volume, "target"), volume));
            }
        }
        return mounts;
    }

    private static Map<String, String> environment(String service) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode node = services().get(service).path("environment");
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        } else {
            for (JsonNode entry : node) {
                String[] kv = entry.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        return env;
    }

    private static List<String> profiles(String service) throws IOException {
        return strings(services().get(service).get("profiles"));
    }

    private static List<String> ports(String service) throws IOException {
        return strings(services().get(service).get("ports"));
    }

    private static List<String> strings(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node == null || node.isNull() || node.isMissingNode()) {
            return values;
        }
        if (node.isArray()) {
            node.forEach(n -> values.add(n.asText()));
        } else {
            values.add(node.asText());
        }
        return values;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        Iterator<String> it = node.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isValueNode()) {
            fail("missing " + field + " in " + node);
        }
        return value.asText();
    }

    /** Compose interpolation as it reads with no variable set: ${VAR:-default} becomes default. */
    private static String withDefaults(String value) {
        return value.replaceAll("\\$\\{[A-Z][A-Z0-9_]*:-([^}]*)}", "$1");
    }

    private static Map<String, String> flinkConfig(String file) throws IOException {
        return flatten(YAML.readTree(CLUSTER.resolve("flink").resolve(file).toFile()));
    }

    /** Flink 2 YAML: nested keys and flat dotted keys mean the same; values as the text they were written as. */
    private static Map<String, String> flatten(JsonNode root) {
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", root, flat);
        return flat;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> flat) {
        node.fields().forEachRemaining(e -> {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) {
                flatten(key, e.getValue(), flat);
            } else {
                assertThat(flat.put(key, e.getValue().asText())).as("%s set once", key).isNull();
            }
        });
    }

    /** Same text, or the same duration however written ("10 s", "10s", "10000 ms"). */
    private static void assertSameValue(String key, String expected, String actual) {
        if (expected.equals(actual)) {
            return;
        }
        Duration expectedDuration = durationOrNull(expected);
        assertThat(expectedDuration).as("%s: config.yaml has %s, the jobs use %s", key, actual, expected).isNotNull();
        assertThat(durationOrNull(actual)).as("%s: config.yaml has %s, the jobs use %s", key, actual, expected)
                .isEqualTo(expectedDuration);
    }

    private static Duration durationOrNull(String value) {
        // a duration has a unit: a bare number is milliseconds to Flink, and would hide a unit left out
        if (value == null || !value.trim().matches("\\d+\\s*[a-zA-Z]+")) {
            return null;
        }
        try {
            return TimeUtils.parseDuration(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String pomProperty(Path pom, String name) throws IOException {
        String tag = Pattern.quote(name);
        Matcher m = Pattern.compile("<" + tag + ">([^<]*)</" + tag + ">").matcher(Files.readString(pom));
        assertThat(m.find()).as("%s defines %s", pom, name).isTrue();
        return m.group(1).trim();
    }

    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            all.add(panel);
            panel.path("panels").forEach(all::add); // panels of a collapsed row
        }
        assertThat(all).isNotEmpty();
        return all;
    }

    private static String datasourceUid() throws IOException {
        JsonNode sources = YAML.readTree(CLUSTER.resolve("grafana/provisioning/datasources/prometheus.yml").toFile());
        String uid = sources.path("datasources").get(0).path("uid").asText();
        assertThat(uid).isNotBlank();
        return uid;
    }

    /** Flink's own metrics the dashboard uses, named from Flink's constants. */
    private static Set<String> flinkBuiltInMetrics() throws ReflectiveOperationException {
        Class<?> tracker = Class.forName("org.apache.flink.runtime.checkpoint.DefaultCheckpointStatsTracker");
        Set<String> names = new LinkedHashSet<>();
        names.add("flink_jobmanager_job_" + staticString(tracker, "LATEST_COMPLETED_CHECKPOINT_DURATION_METRIC"));
        names.add("flink_jobmanager_job_" + staticString(tracker, "LATEST_COMPLETED_CHECKPOINT_SIZE_METRIC"));
        // the Kafka source reader's gauge (KafkaSourceReaderMetrics sets it on the operator's SourceReaderMetricGroup)
        names.add("flink_taskmanager_job_task_operator_" + MetricNames.PENDING_RECORDS);
        return names;
    }

    private static String staticString(Class<?> type, String field) throws ReflectiveOperationException {
        Field f = type.getDeclaredField(field);
        f.setAccessible(true);
        return (String) f.get(null);
    }
}
