package io.istream.ops.cli;

import io.istream.features.job.DataPlaneJob;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.ops.cluster.ProcessCluster;
import io.istream.ops.local.LocalStack;
import io.istream.ops.local.ScriptChooser;
import io.istream.ops.metrics.LiveMetrics;
import io.istream.ops.metrics.PipelineCounts;
import io.istream.ops.replay.Replay;
import io.istream.trainer.dataset.EventScript;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Events/s from Kafka through decoding, validation and the RocksDB feature state into the transactional samples
 * topic. The events are published first, then the job reads the backlog: that measures the pipeline, not the
 * producer. Throughput is sampled every 5 s; the median window is the sustained figure.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Data-plane throughput (events/s) and RocksDB state size per million events.")
final class IngestBench implements Callable<Integer> {
    private static final int WINDOW_SECONDS = 5;
    /** The least time the sustained figure should cover (the data-plane benchmark's definition). */
    private static final int MIN_SUSTAINED_SECONDS = 60;

    @Option(names = "--data", description = "dataset to replay; default: the benchmark-sized synthetic generator")
    Path data;

    @Option(names = "--users", defaultValue = "0",
            description = "dataset: only the first N users; synthetic: N users instead of the preset's 20,000")
    int users;

    private static final int CLUSTER_TASK_MANAGERS = 2;
    private static final int CLUSTER_SLOTS = 2;   // taskmanager.numberOfTaskSlots of ops/cluster/flink/config.yaml

    @Option(names = "--cluster", description = "also run the data plane on a Flink cluster of separate processes "
            + "(ops/istream cluster's: a JobManager and 2 TaskManagers; needs the job jar) and report it beside the "
            + "MiniCluster figure")
    boolean cluster;

    @Mixin
    LocalJobOptions local = new LocalJobOptions();

    @Override
    public Integer call() throws Exception {
        if (cluster && local.parallelism > CLUSTER_TASK_MANAGERS * CLUSTER_SLOTS) {   // it would wait for slots
            throw new IllegalArgumentException("--cluster runs " + CLUSTER_TASK_MANAGERS + " TaskManagers of "
                    + CLUSTER_SLOTS + " slots (ops/cluster/flink/config.yaml): --parallelism " + local.parallelism
                    + " does not fit");
        }
        Map<String, Object> figures = onMiniCluster();
        if (cluster) {   // after the MiniCluster's stack is gone: its broker and state would share the machine
            Map<String, Object> onCluster = onProcessCluster();
            figures.put("processCluster", onCluster);
            double miniOverall = (double) figures.get("overallEventsPerSecond");
            double ratio = (double) onCluster.get("overallEventsPerSecond") / miniOverall;
            figures.put("processClusterToMiniClusterOverall", ratio);
            System.out.printf("%non the process cluster: %,.0f events/s overall against %,.0f on the MiniCluster "
                            + "(ratio %.2f); %.1f CPU-s per million events against %.1f%n",
                    onCluster.get("overallEventsPerSecond"), miniOverall, ratio,
                    onCluster.get("cpuSecondsPerMillionEvents"), figures.get("cpuSecondsPerMillionEvents"));
        }
        FiguresFile.write(local.json, figures);
        return 0;
    }

    /** The data plane on the MiniCluster, with the embedded broker: the benchmark's figures. */
    private Map<String, Object> onMiniCluster() throws Exception {
        try (LocalStack stack = LocalStack.start(Defaults.workDir("bench-ingest"), local.parallelism)) {
            Published published = publish(stack);
            System.out.printf("published %,d events in %.1f s; now the data plane reads the backlog%n",
                    published.replay().events(), published.replay().elapsed().toMillis() / 1000.0);

            Configuration options = local.jobOptions();
            LiveMetrics.reset();
            long startNs = System.nanoTime();
            long startCpuNs = processCpuNs();
            JobClient job = stack.startDataPlane(options, StartingPosition.EARLIEST, true);
            CompletableFuture<JobExecutionResult> done = job.getJobExecutionResult();
            List<Double> windowRates = new ArrayList<>();
            long maxRocksDbBytes = 0;
            long lastIn = 0;
            long lastNs = startNs;
            System.out.printf("%6s %12s %10s %12s %12s%n", "t(s)", "events in", "events/s", "samples", "RocksDB MiB");
            while (!done.isDone()) {
                try {
                    done.get(WINDOW_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException stillRunning) {
                    // a full window: sample it below
                }
                long nowNs = System.nanoTime();
                PipelineCounts counts = PipelineCounts.now();
                double rate = (counts.recordsIn() - lastIn) / ((nowNs - lastNs) / 1e9);
                if (isIngestWindow(done.isDone(), lastIn, published.replay().events())) {
                    windowRates.add(rate);
                }
                long rocksDb = directoryBytes(stack.rocksDbDir());
                maxRocksDbBytes = Math.max(maxRocksDbBytes, rocksDb);
                System.out.printf("%6d %,12d %,10.0f %,12d %12.1f%n", (nowNs - startNs) / 1_000_000_000L,
                        counts.recordsIn(), rate, counts.samplesOut(), rocksDb / 1048576.0);
                lastIn = counts.recordsIn();
                lastNs = nowNs;
            }
            done.get(); // a failed job fails the benchmark
            double seconds = (System.nanoTime() - startNs) / 1e9;
            double cpuSeconds = (processCpuNs() - startCpuNs) / 1e9;
            PipelineCounts end = PipelineCounts.now();
            double cpuSecondsPerMillion = cpuSeconds / (end.recordsIn() / 1e6);
            long checkpointBytes = directoryBytes(stack.workDir().resolve("checkpoints"));
            double median = median(windowRates);
            double perMillion = maxRocksDbBytes / (end.recordsIn() / 1e6);

            System.out.printf("%nevents through the data plane: %,d in %.1f s, overall %,.0f events/s (job start and "
                    + "final checkpoint included)%n", end.recordsIn(), seconds, end.recordsIn() / seconds);
            System.out.printf("sustained: median of %d full %d-s windows = %,.0f events/s (min %,.0f, max %,.0f)%n",
                    windowRates.size(), WINDOW_SECONDS, median,
                    windowRates.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
                    windowRates.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
            int sustainedSeconds = windowRates.size() * WINDOW_SECONDS;
            if (sustainedSeconds < MIN_SUSTAINED_SECONDS) {
                System.out.printf("warning: the sustained figure covers only %d s (at least %d s are wanted): the "
                        + "backlog was read too fast; replay more events (synthetic: --users above the preset's "
                        + "20,000)%n",
                        sustainedSeconds, MIN_SUSTAINED_SECONDS);
            }
            System.out.printf("CPU of this JVM (broker, MiniCluster and all): %.1f s = %.1f cores busy, %.1f CPU-s per "
                    + "million events%n", cpuSeconds, cpuSeconds / seconds, cpuSecondsPerMillion);
            System.out.printf("RocksDB local state: peak %.1f MiB = %.1f MiB per million events; last checkpoint "
                    + "directory %.1f MiB%n", maxRocksDbBytes / 1048576.0, perMillion / 1048576.0,
                    checkpointBytes / 1048576.0);
            System.out.printf("records in %,d = processed %,d + dead letters %,d %s; samples out %,d (expected %,d)%n",
                    end.recordsIn(), end.processed(), end.deadLetters(), end.deadLettersByReason(), end.samplesOut(),
                    published.expectedSamples());

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("benchmark", "ingest");
            figures.put("script", published.scriptName());
            figures.put("parallelism", local.parallelism);
            figures.put("cores", Runtime.getRuntime().availableProcessors());
            figures.put("events", end.recordsIn());
            figures.put("seconds", seconds);
            figures.put("overallEventsPerSecond", end.recordsIn() / seconds);
            figures.put("windowSeconds", WINDOW_SECONDS);
            figures.put("windowEventsPerSecond", windowRates);
            figures.put("medianEventsPerSecond", median);
            figures.put("sustainedSeconds", sustainedSeconds);
            figures.put("processCpuSeconds", cpuSeconds);
            figures.put("cpuSecondsPerMillionEvents", cpuSecondsPerMillion);
            figures.put("peakRocksDbBytes", maxRocksDbBytes);
            figures.put("rocksDbBytesPerMillionEvents", perMillion);
            figures.put("checkpointDirectoryBytes", checkpointBytes);
            figures.put("samplesOut", end.samplesOut());
            figures.put("expectedSamples", published.expectedSamples());
            figures.put("deadLetters", end.deadLetters());
            figures.put("deadLettersByReason", end.deadLettersByReason());
            figures.put("publishEventsPerSecond", published.replay().eventsPerSecond());
            return figures;
        }
    }

    /**
     * Whether a 5-s window counts towards the sustained figure: a full window (the job still ran at its end) that
     * began with events left to read. The job's last seconds, after every event was read, wait for its final
     * checkpoint to commit the samples; they ingest nothing.
     */
    static boolean isIngestWindow(boolean jobDone, long eventsReadBefore, long eventsPublished) {
        return !jobDone && eventsReadBefore < eventsPublished;
    }

    private record Published(String scriptName, long expectedSamples, Replay.Result replay) {
    }

    /**
     * Publishes the events and lets go of them: the benchmark's 4.4 million events held on the heap cost every G1
     * marking cycle of the measured run about 600 MB of live objects to trace.
     */
    private Published publish(LocalStack stack) throws IOException {
        EventScript script = ScriptChooser.load(data, users, local.seed, true, System.out);
        try (EventPublisher publisher = new EventPublisher(stack.kafka(), ValidationLimits.defaults())) {
            return new Published(script.name(), script.expectedSamples(), new Replay(publisher, 0, true).run(script));
        }
    }

    /**
     * The same events through the data plane on a cluster of processes (a JobManager, 2 TaskManagers, a broker),
     * submitted with the job jar at the same parallelism: from submission to the bounded job's end (job start and
     * final checkpoint included, as the MiniCluster's overall figure), and the CPU time of every process of the
     * cluster (broker included, as the MiniCluster's JVM includes its broker).
     */
    private Map<String, Object> onProcessCluster() throws Exception {
        Path jar = ClusterCommand.jobJar(null);
        ProcessCluster processes = ClusterCommand.start(Defaults.workDir("bench-ingest-cluster"),
                CLUSTER_TASK_MANAGERS, local.parallelism, Map.of());
        try {
            EventScript script = ScriptChooser.load(data, users, local.seed, true, System.out);
            long events = script.size();
            try (EventPublisher publisher = new EventPublisher(processes.kafka(), ValidationLimits.defaults())) {
                new Replay(publisher, 0, true).run(script);
            }
            script = null;   // the events are on the broker; let the heap go
            Configuration options = local.jobOptions();
            StreamExecutionEnvironment env = processes.environment(options, jar.toString());
            env.setParallelism(local.parallelism);
            DataPlaneJob.defineKafkaWorkflow(env, processes.kafka(), options, "istream-data-plane",
                    StartingPosition.EARLIEST, true);
            long cpuBefore = processesCpuNs(processes);
            long startNs = System.nanoTime();
            System.out.println("the data plane on the process cluster reads the backlog ...");
            env.executeAsync("istream data plane").getJobExecutionResult().get();
            double seconds = (System.nanoTime() - startNs) / 1e9;
            double cpuSeconds = (processesCpuNs(processes) - cpuBefore) / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("taskManagers", CLUSTER_TASK_MANAGERS);
            out.put("events", events);
            out.put("seconds", seconds);
            out.put("overallEventsPerSecond", events / seconds);
            out.put("processesCpuSeconds", cpuSeconds);
            out.put("cpuSecondsPerMillionEvents", cpuSeconds / (events / 1e6));
            return out;
        } finally {
            processes.down();
        }
    }

    /** CPU time (user + system) of the cluster's processes. */
    static long processesCpuNs(ProcessCluster processes) {
        long ns = 0;
        for (long pid : processes.pids().values()) {
            ns += ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L);
        }
        return ns;
    }

    /** CPU time of this process, all threads (the broker, the MiniCluster, RocksDB's native threads included). */
    static long processCpuNs() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static long directoryBytes(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // a RocksDB file compacted away while we walked
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

}
