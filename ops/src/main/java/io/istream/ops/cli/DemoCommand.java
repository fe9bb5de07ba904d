package io.istream.ops.cli;

import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ops.replay.Replay;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.ops.live.LivePage;
import io.istream.ops.live.LiveSeries;
import io.istream.ops.live.MetricsTopicFeed;
import io.istream.ops.local.LocalStack;
import io.istream.ops.local.RequestGenerator;
import io.istream.ops.local.ScriptChooser;
import io.istream.ops.local.SyntheticCohorts;
import io.istream.ops.metrics.LiveMetrics;
import io.istream.ops.metrics.PipelineCounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker and a Flink MiniCluster, run the learning job (data plane + "
                + "streaming DIEN trainer) and the scorer, stream events into them, send score requests for the "
                + "users streamed, and print live figures every second until Ctrl-C. Without a dataset the stream "
                + "is synthetic and endless; with one, the dataset is replayed and synthetic users follow it "
                + "(--once stops after the replay).")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data", description = "dataset to replay; default ../shared/data/amazon-beauty; the synthetic "
            + "generator when it is absent")
    Path data;

    @Option(names = "--users", defaultValue = "0", description = "replay only the first N users (0 = all)")
    int users;

    @Option(names = "--speed", defaultValue = "0", description = "0 = as fast as possible; else a multiple of real time")
    double speed;

    @Option(names = "--requests-per-second", defaultValue = "20",
            description = "score requests sent for replayed users (default: ${DEFAULT-VALUE})")
    double requestsPerSecond;

    @Option(names = "--candidates", defaultValue = "20", description = "candidates per score request "
            + "(default: ${DEFAULT-VALUE})")
    int candidates;

    @Option(names = "--seconds", defaultValue = "0",
            description = "stop after this long; 0 = on Ctrl-C (with --once: when the replay is done and every "
                    + "sample is trained)")
    int seconds;

    @Option(names = "--once", description = "replay the dataset (or one synthetic cohort) once, then stop when every "
            + "sample is trained, instead of streaming synthetic users until Ctrl-C")
    boolean once;

    @Option(names = "--rate", defaultValue = "1000", description = "events a second of the endless synthetic stream "
            + "(default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--live-port", defaultValue = "8321", description = "port of the live page on 127.0.0.1; 0 = any"
            + " free port, -1 = no page (default: ${DEFAULT-VALUE})")
    int livePort;

    @Mixin
    LocalJobOptions local = new LocalJobOptions();

    @Override
    public Integer call() throws Exception {
        Path dataset = data != null ? data : Defaults.dataRoot().resolve("amazon-beauty");
        // without a dataset: the synthetic world's first cohort, then (unless --once) cohort after cohort at --rate;
        // with one: the dataset at --speed, then (unless --once) synthetic users with ids of their own
        boolean synthetic = !Files.exists(dataset);
        SyntheticCohorts cohorts;
        EventScript script;
        if (synthetic) {
            SyntheticInterests world = ScriptChooser.synthetic(dataset, users, local.seed, false, System.out);
            cohorts = new SyntheticCohorts(world);
            script = once ? cohorts.next() : null;
        } else {
            script = ScriptChooser.load(dataset, users, local.seed, false, System.out);
            cohorts = once ? null : SyntheticCohorts.after(script, SyntheticConfig.small().withSeed(local.seed));
        }
        Iterator<EventScript> stream = once ? null : cohorts;
        String streamName = synthetic ? "synthetic, " + (once ? "one cohort" : "endless at " + fixed(rate, 0)
                + " events/s") : script.name() + (once ? "" : ", then synthetic users at " + fixed(rate, 0)
                + " events/s");
        // every click of the replay protocols and the synthetic stream comes 0.5 s after its impression, so a one-minute
        // window loses no label; it releases each negative close to the positives of its time, so an online-AUC
        // window compares samples of one moment instead of new positives against negatives 30 event-minutes older
        Configuration options = local.jobOptions(Map.of("features.attribution-window", "1min"));

        CountDownLatch stopped = new CountDownLatch(1);
        try (LocalStack stack = LocalStack.start(Defaults.workDir("demo"), local.parallelism)) {
            Thread hook = new Thread(() -> {
                System.out.println("\nstopping: cancelling the jobs and closing the broker");
                stopped.countDown();
            });
            Runtime.getRuntime().addShutdownHook(hook);
            var learning = stack.startLearning(options, StartingPosition.EARLIEST, false);
            var scorer = stack.startScorer(options, StartingPosition.EARLIEST);
            EventPublisher publisher = new EventPublisher(stack.kafka(), ValidationLimits.defaults());
            Replay replay = new Replay(publisher, speed, false);
            RequestGenerator requests = new RequestGenerator(publisher, candidates, local.seed);
            replay.onPublished(requests::offer);
            Thread replayer = new Thread(() -> {
                if (script != null) {
                    replay.run(script);
                }
                if (stream != null) {
                    replay.runEndless(stream, rate);
                }
            }, "replay");
            replayer.setDaemon(true);
            replayer.start();
            requests.start(requestsPerSecond);
            LiveSeries series = new LiveSeries(3_600);
            MetricsTopicFeed feed = MetricsTopicFeed.start(stack.kafka(), series);
            long startedMs = System.currentTimeMillis();
            LivePage page = livePort < 0 ? null : LivePage.start(livePort, series, () -> pageInfo(streamName,
                    startedMs, replay.published(), cohorts));
            if (page != null) {
                System.out.println("live page: " + page.url() + "  (charts of the metrics topic and the jobs' metrics)");
            }

            System.out.println("streaming: " + streamName + (once ? "" : "; Ctrl-C stops it"));
            if (cohorts != null) {
                System.out.println("ceiling = the AUC of the synthetic users' true click probabilities given their "
                        + "histories: the best a model can reach on them");
            }
            System.out.println("fresh = age (s) of the model the scorer serves (it applies updates as the trainer "
                    + "writes them); ckptms = the learning job's last checkpoint duration");
            System.out.printf("%5s %9s %8s %6s %8s %8s %7s %5s %6s %6s %6s %7s %6s %6s %6s  %s%n", "t(s)",
                    "replayed", "in/s", "dead", "samples", "trained", "smp/s", "model", "fresh", "AUC", "gAUC",
                    "answers", "p50ms", "p99ms", "ckptms", "dead letters by reason");
            long startNs = System.nanoTime();
            PipelineCounts last = PipelineCounts.of(LocalStack.LEARNING_JOB);
            long settledSince = -1;
            while (!stopped.await(1, TimeUnit.SECONDS)) {
                PipelineCounts now = PipelineCounts.of(LocalStack.LEARNING_JOB);
                Live live = Live.now();
                long t = (System.nanoTime() - startNs) / 1_000_000_000L;
                System.out.printf("%5d %,9d %,8d %,6d %,8d %,8d %7s %5s %6s %6s %6s %,7d %6s %6s %6s  %s%n", t,
                        replay.published(), now.recordsIn() - last.recordsIn(), now.deadLetters(), now.samplesOut(),
                        live.trained(), fixed(live.samplesPerSecond(), 0), live.version() < 0 ? "-" : live.version(),
                        live.freshnessSeconds(), fixed(live.auc(), 4), fixed(live.gauc(), 4), live.answered(),
                        fixed(live.p50Ms(), 1), fixed(live.p99Ms(), 1),
                        fixed(live.checkpointMs() < 0 ? Double.NaN : live.checkpointMs(), 0),
                        now.deadLettersByReason());
                sample(series, now.recordsIn() - last.recordsIn(), now.deadLetters(), live,
                        cohorts == null ? Double.NaN : cohorts.ceilingAuc());
                for (var job : List.of(learning, scorer)) {
                    if (job.getJobStatus().get().isGloballyTerminalState()) {
                        System.out.println("a job stopped: " + job.getJobStatus().get());
                        job.getJobExecutionResult().get();
                    }
                }
                // done when every replayed event was read, every sample trained, and nothing moved for 5 s
                boolean quiet = !replayer.isAlive() && now.recordsIn() >= replay.published() && now.equals(last)
                        && live.trained() >= now.samplesOut();
                settledSince = quiet ? (settledSince < 0 ? t : settledSince) : -1;
                last = now;
                if ((seconds > 0 && t >= seconds) || (once && seconds == 0 && settledSince >= 0
                        && t - settledSince >= 5)) {
                    break;
                }
            }
            requests.close();
            if (page != null) {
                page.close();
            }
            feed.close();
            replay.stop();
            replayer.join(10_000);
            publisher.close();
            PipelineCounts end = PipelineCounts.of(LocalStack.LEARNING_JOB);
            Live live = Live.now();
            System.out.printf("records in %,d = processed %,d + dead letters %,d + clicks still waiting for their "
                            + "impression %,d; samples out %,d (%,d positive), trained %,d%n", end.recordsIn(),
                    end.processed(), end.deadLetters(), end.recordsIn() - end.processed() - end.deadLetters(),
                    end.samplesOut(), end.positives(), live.trained());
            System.out.printf("score requests sent %,d, answered %,d; scoring latency p50 %s ms, p99 %s ms%n",
                    requests.sent(), live.answered(), fixed(live.p50Ms(), 2), fixed(live.p99Ms(), 2));
            if (once && replay.published() == script.size()) {
                // the whole script was replayed: what it implies, against what came out
                long pending = script.expectedSamples() - end.samplesOut();
                System.out.printf("the replay implies %,d samples: %,d out, %,d still pending (impressions whose "
                        + "attribution window is still open: the watermark stops at the last event, so they wait "
                        + "for event time to move on)%n", script.expectedSamples(), end.samplesOut(), pending);
            } else {
                System.out.println("samples whose attribution window is still open stay pending until event time "
                        + "moves on");
            }
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("stream", streamName);
            figures.put("replayed", replay.published());
            if (script != null) {
                figures.put("expectedSamples", script.expectedSamples());
            }
            figures.put("counts", end);
            figures.put("training", live);
            figures.put("requestsSent", requests.sent());
            FiguresFile.write(local.json, figures);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the JVM is already stopping, the try-with-resources still closes the stack
            }
        }
        return 0;
    }

    /** The demo's once-a-second figures that are not on the metrics topic: ingestion, serving, checkpoints. */
    private static void sample(LiveSeries series, long eventsInLastSecond, long deadLetters, Live live,
                               double ceilingAuc) {
        long t = System.currentTimeMillis();
        if (!Double.isNaN(ceilingAuc)) {
            series.add("ceilingAuc", t, ceilingAuc);
        }
        series.add("eventsPerSecond", t, eventsInLastSecond);
        series.add("deadLetters", t, deadLetters);
        double served = LiveMetrics.gauge("istream.scorer.modelVersion");
        series.add("servedVersion", t, served < 0 ? Double.NaN : served);
        series.add("freshnessSeconds", t, live.modelAgeMs() < 0 ? Double.NaN : live.modelAgeMs() / 1000);
        series.add("latencyP50Ms", t, live.p50Ms());
        series.add("latencyP99Ms", t, live.p99Ms());
        series.add("checkpointMs", t, live.checkpointMs() < 0 ? Double.NaN : live.checkpointMs());
    }

    private static Map<String, Object> pageInfo(String stream, long startedMs, long replayed,
                                                SyntheticCohorts cohorts) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("data", stream);
        if (cohorts != null && cohorts.current() != null) {
            info.put("synthetic cohort", cohorts.current().placement().cohort() + " (users from "
                    + (cohorts.current().placement().userOffset() + 1) + ")");
            info.put("ceiling AUC", fixed(cohorts.ceilingAuc(), 4));
        }
        info.put("running", (System.currentTimeMillis() - startedMs) / 1000 + " s");
        info.put("events replayed", String.format(java.util.Locale.ROOT, "%,d", replayed));
        return info;
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%." + decimals + "f", v);
    }

    /** The trainer's and scorer's live figures, from their Flink metrics. */
    record Live(long trained, double samplesPerSecond, long version, double auc, double gauc, long answered,
                double modelAgeMs, double p50Ms, double p99Ms, double checkpointMs) {
        static Live now() {
            double trained = LiveMetrics.gauge("istream.trainer.samplesTrained");
            double version = LiveMetrics.gauge("istream.trainer.modelVersion");
            return new Live(Double.isNaN(trained) ? 0 : (long) trained,
                    LiveMetrics.gauge("istream.trainer.samplesPerSecond"),
                    Double.isNaN(version) ? -1 : (long) version,
                    LiveMetrics.gauge("istream.trainer.onlineAuc"), LiveMetrics.gauge("istream.trainer.onlineGauc"),
                    LiveMetrics.get("istream.scorer.requestsAnswered"),
                    LiveMetrics.gauge("istream.scorer.modelAgeMs"),
                    LiveMetrics.quantile("istream.scorer.scoringLatencyMicros", 0.5) / 1000,
                    LiveMetrics.quantile("istream.scorer.scoringLatencyMicros", 0.99) / 1000,
                    LiveMetrics.gauge("flink.checkpoint.lastCheckpointDuration[" + LocalStack.LEARNING_JOB + "]"));
        }

        String freshnessSeconds() {
            return Double.isNaN(modelAgeMs) || modelAgeMs < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1f",
                    modelAgeMs / 1000);
        }
    }
}
