package io.istream.ops.cli;

import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ops.replay.Replay;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.ops.local.LocalStack;
import io.istream.ops.local.RequestGenerator;
import io.istream.ops.local.ScriptRounds;
import io.istream.ops.metrics.LiveMetrics;
import io.istream.scorer.job.ScorerOptions;
import io.istream.features.job.FeatureStateOptions;
import io.istream.trainer.job.TrainerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code istream bench soak}: the learning job and the scorer on an endless stream. Rounds of the synthetic script,
 * each with new users, a new item catalogue and later event time ({@link ScriptRounds}), are replayed one after
 * another, each once the trainer has caught up with the last, with score requests alongside. Every minute it
 * prints what must plateau: heap after a GC, RocksDB's size on disk, embedding rows per table, checkpoint sizes.
 * State TTLs are set to about two rounds, so what a plateau shows is that forgetting keeps pace with learning.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Replay new users and items in a loop for N minutes; print heap, RocksDB size, embedding rows"
                + " and checkpoint sizes each minute, and whether they plateau.")
final class SoakBench implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "30", description = "how long (default: ${DEFAULT-VALUE})")
    int minutes;

    @Option(names = "--users", defaultValue = "400", description = "new users per round (default: ${DEFAULT-VALUE})")
    int users;

    @Option(names = "--steps", defaultValue = "30", description = "behaviours per user per round (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--requests-per-second", defaultValue = "10",
            description = "score requests for the current round's users (default: ${DEFAULT-VALUE})")
    double requestsPerSecond;

    @Option(names = "--scorer-user-ttl", defaultValue = "2m",
            description = "scorer.user-ttl for the run, processing time (default: ${DEFAULT-VALUE})")
    String scorerUserTtl;

    @Mixin
    LocalJobOptions local = new LocalJobOptions();

    private static final String LEARNING = LocalStack.LEARNING_JOB;
    private static final String SCORER = LocalStack.SCORER_JOB;

    @Override
    public Integer call() throws Exception {
        EventScript base = SyntheticInterests.generate(SyntheticConfig.small().withSize(users, steps)
                .withSeed(local.seed)).script();
        ScriptRounds rounds = new ScriptRounds(base, Duration.ofHours(1).toMillis());
        long roundSpan = rounds.roundSpanMs();
        // forget what two rounds of event time have not seen: users' sequences and embedding rows
        String ttl = 2 * roundSpan + " ms";
        local.conf.putIfAbsent(FeatureStateOptions.SEQUENCE_TTL.key(), ttl);
        local.conf.putIfAbsent("model.expire-after", 2 * roundSpan + "ms");
        local.conf.putIfAbsent(ScorerOptions.USER_TTL.key(), scorerUserTtl);
        Configuration options = local.jobOptions();
        long startMs = System.currentTimeMillis() - Duration.ofDays(365).toMillis();
        System.out.printf(Locale.ROOT, "soak: %d minutes; each round %,d events (%,d samples) of %d new users, "
                        + "%.1f h of event time; sequence and embedding TTL %s of event time, scorer TTL %s%n", minutes,
                base.size(), base.expectedSamples(), users, roundSpan / 3.6e6, ttl, scorerUserTtl);

        List<Map<String, Object>> rows = new ArrayList<>();
        try (LocalStack stack = LocalStack.start(Defaults.workDir("bench-soak"), local.parallelism)) {
            stack.startLearning(options, StartingPosition.EARLIEST, false);
            stack.startScorer(options, StartingPosition.EARLIEST);
            AtomicInteger roundsDone = new AtomicInteger();
            AtomicLong replayed = new AtomicLong();
            long deadline = System.nanoTime() + Duration.ofMinutes(minutes).toNanos();
            try (EventPublisher publisher = new EventPublisher(stack.kafka(), ValidationLimits.defaults())) {
                Thread looper = new Thread(() -> loop(rounds, startMs, publisher, roundsDone, replayed, deadline,
                        base.expectedSamples(), requestsPerSecond), "soak-rounds");
                looper.setDaemon(true);
                looper.start();
                System.out.printf("%4s %6s %11s %11s %9s %10s %8s %10s %10s %9s %12s %12s%n", "min", "rounds",
                        "replayed", "trained", "heap MB", "rocksdb MB", "sst MB", "item rows", "cat rows", "user rows",
                        "learn ckpt", "score ckpt");
                long startNs = System.nanoTime();
                for (int minute = 1; minute <= minutes; minute++) {
                    long wakeNs = startNs + Duration.ofMinutes(minute).toNanos();
                    while (System.nanoTime() < wakeNs) {
                        // a reading a minute: the wait is for the clock itself
                        Thread.sleep(Math.max(1, Math.min(1_000, (wakeNs - System.nanoTime()) / 1_000_000)));
                    }
                    Map<String, Object> row = reading(minute, roundsDone.get(), replayed.get(), stack.rocksDbDir());
                    rows.add(row);
                    System.out.printf(Locale.ROOT, "%4d %6d %,11d %,11d %9.0f %10.1f %8.1f %,10d %,10d %,9d %12s %12s%n",
                            minute, roundsDone.get(), replayed.get(), (long) row.get("samplesTrained"),
                            (double) row.get("heapUsedAfterGcMb"), (double) row.get("rocksDbMb"),
                            (double) row.get("rocksDbSstMb"),
                            (long) row.get("itemRows"), (long) row.get("categoryRows"), (long) row.get("userRows"),
                            kb((double) row.get("learningCheckpointFullBytes")),
                            kb((double) row.get("scorerCheckpointFullBytes")));
                }
                looper.interrupt();
            }
        }
        Map<String, Object> plateau = new LinkedHashMap<>();
        for (String series : List.of("heapUsedAfterGcMb", "rocksDbMb", "rocksDbSstMb", "itemRows", "categoryRows",
                "learningCheckpointFullBytes", "scorerCheckpointFullBytes")) {
            plateau.put(series, growth(rows, series));
        }
        System.out.println("growth of the last third over the middle third (max over each; a plateau is near 1.0):");
        plateau.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-28s %s%n", k,
                Double.isNaN((double) v) ? "n/a (run at least 3 minutes)" : String.format(Locale.ROOT, "%.2f", v)));
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("benchmark", "soak");
        figures.put("minutes", minutes);
        figures.put("usersPerRound", users);
        figures.put("eventsPerRound", base.size());
        figures.put("eventTimeTtl", ttl);
        figures.put("scorerUserTtl", scorerUserTtl);
        figures.put("perMinute", rows);
        figures.put("growthLastThirdOverMiddleThird", plateau);
        FiguresFile.write(local.json, figures);
        return 0;
    }

    /** Replays round after round, each once the trainer has trained (nearly) all samples of the ones before. */
    private static void loop(ScriptRounds rounds, long startMs, EventPublisher publisher, AtomicInteger roundsDone,
                             AtomicLong replayed, long deadlineNs, long samplesPerRound, double requestsPerSecond) {
        for (int r = 0; System.nanoTime() < deadlineNs && !Thread.currentThread().isInterrupted(); r++) {
            EventScript script = rounds.round(r, startMs);
            if (script.events().get(script.size() - 1).eventTimeMs() > System.currentTimeMillis()) {
                System.out.println("event time reached the wall clock after " + r + " rounds; stopping the replay");
                return;
            }
            Replay replay = new Replay(publisher, 0, false);
            try (RequestGenerator requests = new RequestGenerator(publisher, 20, r)) {
                replay.onPublished(requests::offer);
                if (requestsPerSecond > 0) {
                    requests.start(requestsPerSecond);
                }
                replay.run(script);
                // caught up: the trainer has most of the rounds' samples, or stopped moving (the last impressions of a
                // round stay pending in the label join until the next round moves event time past their window)
                long target = (long) ((r + 0.9) * samplesPerRound);
                double last = -1;
                long stillSinceNs = System.nanoTime();
                while (System.nanoTime() < deadlineNs) {
                    double trained = LiveMetrics.gauge("istream.trainer.samplesTrained");
                    if (trained >= target) {
                        break;
                    }
                    if (trained != last) {
                        last = trained;
                        stillSinceNs = System.nanoTime();
                    } else if (System.nanoTime() - stillSinceNs > Duration.ofSeconds(5).toNanos()) {
                        break;
                    }
                    Thread.sleep(200);   // polling the trainer's gauge: it has no notification to wait on
                }
            } catch (InterruptedException e) {
                return;
            }
            replayed.addAndGet(script.size());
            roundsDone.incrementAndGet();
        }
    }

    private static Map<String, Object> reading(int minute, int rounds, long replayed, Path rocksDb) {
        if (minute == 1 && Double.isNaN(LiveMetrics.gauge("istream.trainer.table.item.embeddingRows"))) {
            System.out.println("no per-table embedding gauge among " + LiveMetrics.readingNames().stream()
                    .filter(n -> n.contains("embedding")).toList());
        }
        System.gc();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("minute", minute);
        row.put("rounds", rounds);
        row.put("eventsReplayed", replayed);
        row.put("samplesTrained", (long) orZero(LiveMetrics.gauge("istream.trainer.samplesTrained")));
        row.put("heapUsedAfterGcMb", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0);
        row.put("rocksDbMb", sizeOf(rocksDb, "") / 1048576.0);
        // the data: RocksDB's SST files (the rest is its info LOG, manifests and options files)
        row.put("rocksDbSstMb", sizeOf(rocksDb, ".sst") / 1048576.0);
        row.put("itemRows", (long) orZero(LiveMetrics.gauge("istream.trainer.table.item.embeddingRows")));
        row.put("categoryRows", (long) orZero(LiveMetrics.gauge("istream.trainer.table.category.embeddingRows")));
        row.put("userRows", (long) orZero(LiveMetrics.gauge("istream.trainer.table.user.embeddingRows")));
        row.put("learningCheckpointFullBytes", LiveMetrics.gauge("flink.checkpoint.lastCheckpointFullSize[" + LEARNING
                + "]"));
        row.put("scorerCheckpointFullBytes", LiveMetrics.gauge("flink.checkpoint.lastCheckpointFullSize[" + SCORER
                + "]"));
        return row;
    }

    /** max(last third) / max(middle third); NaN with fewer than 3 readings. */
    static double growth(List<Map<String, Object>> rows, String series) {
        int n = rows.size();
        if (n < 3) {
            return Double.NaN;
        }
        double middle = maxOf(rows.subList(n / 3, 2 * n / 3), series);
        double last = maxOf(rows.subList(2 * n / 3, n), series);
        return middle > 0 ? last / middle : Double.NaN;
    }

    private static double maxOf(List<Map<String, Object>> rows, String series) {
        return rows.stream().mapToDouble(r -> ((Number) r.get(series)).doubleValue()).filter(Double::isFinite)
                .max().orElse(Double.NaN);
    }

    private static double orZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static String kb(double bytes) {
        return Double.isNaN(bytes) ? "-" : String.format(Locale.ROOT, "%,.0f kB", bytes / 1024);
    }

    /** Bytes of the regular files under {@code dir} whose names end with {@code suffix} ("" = all). */
    private static long sizeOf(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException gone) {
                            return 0;   // RocksDB deleted it while we walked
                        }
                    }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }
}
