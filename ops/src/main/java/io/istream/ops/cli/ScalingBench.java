package io.istream.ops.cli;

import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import io.istream.avro.ReplicaDelta;
import io.istream.avro.Sample;
import io.istream.ingestion.config.CommittedReader;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.ops.local.LocalStack;
import io.istream.ops.local.ScriptChooser;
import io.istream.ops.replay.Replay;
import io.istream.schemas.AvroCodec;
import io.istream.schemas.DecodeException;
import io.istream.schemas.Topics;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.job.TrainerOptions;
import io.istream.trainer.data.Batch;
import io.istream.trainer.eval.Evaluation;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.Optimizer;
import io.istream.trainer.streaming.InMemoryDeltaExchange;
import io.istream.trainer.streaming.SampleBatches;
import io.istream.trainer.streaming.StreamingTrainer;
import io.istream.trainer.streaming.TrainerReplica;
import io.istream.trainer.streaming.StreamingSettings;
import io.istream.trainer.updates.ModelFollower;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongToDoubleFunction;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.AbstractDeserializationSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code istream bench scaling}: trained samples/s of the learning job's trainer at several
 * {@code trainer.parallelism} values, on the same samples in one run. The data plane runs first and writes every
 * sample to the samples topic; each trainer run then reads that topic (bounded), so the data plane does not share
 * the cores with the trainers being timed. Each run's rate is taken from its own model updates: the samples replica 0
 * counts (its own and, as their deltas arrive, the other replicas') between the first update past
 * {@code --skip} of the samples and the final one, over the time between them; start-up and the JIT's first
 * compilations fall before it. Each run's final model is scored on the test positions of held-out users.
 */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = "Trainer samples/s at trainer.parallelism 1, 2, 4 on the same samples, and held-out AUC.")
final class ScalingBench implements Callable<Integer> {
    /** Shares of the samples at which the published model is also scored on the held-out users. */
    private static final double[] TRAJECTORY = {0.5, 0.6, 0.7, 0.8, 0.9};

    @Option(names = "--data", description = "dataset; default ../shared/data/amazon-beauty (synthetic when absent)")
    Path data;

    @Option(names = "--users", defaultValue = "8000", description = "first N users (default: ${DEFAULT-VALUE})")
    int users;

    @Option(names = "--held-out", defaultValue = "1000", paramLabel = "N", description = "the last N of the users "
            + "are never replayed; each run's final model is scored on their test positions (default: ${DEFAULT-VALUE})")
    int heldOut;

    @Option(names = "--replicas", split = ",", defaultValue = "1,2,4",
            description = "trainer.parallelism of each run (default: ${DEFAULT-VALUE})")
    List<Integer> replicas;

    @Option(names = "--repeat", defaultValue = "1", paramLabel = "R", description = "job runs per replica count, "
            + "interleaved (1, 2, 4, 1, 2, 4, …); each figure is the median of its R runs, and each ratio and AUC "
            + "difference the median of the R rounds' own (default: ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = "--skip", defaultValue = "0.1", description = "share of the samples counted as warm-up "
            + "(default: ${DEFAULT-VALUE})")
    double skip;

    @Option(names = "--ceiling-samples", defaultValue = "40000", description = "samples of the machine's own "
            + "ceiling: the same number of independent training loops in threads, no exchange (0 = skip; default: "
            + "${DEFAULT-VALUE})")
    int ceilingSamples;

    @Option(names = "--lockstep", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "also train each replica count in memory, stepped in turn with no exchange lag, and score "
            + "it on the held-out users: the merge rule's own cost (default: ${DEFAULT-VALUE})")
    boolean lockstep;

    @Option(names = "--pipeline", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "run the learning job at each replica count (default: ${DEFAULT-VALUE}); --no-pipeline "
            + "leaves the lockstep and the ceiling")
    boolean pipeline;

    @Option(names = "--lockstep-lag", defaultValue = "0", paramLabel = "POLLS", description = "in the lockstep "
            + "reference, each delta becomes visible only this many exchange polls (of any replica; each replica polls"
            + " twice a batch) after it was sent: what a lag of the exchange costs (default: ${DEFAULT-VALUE})")
    long lockstepLag;

    @Option(names = "--align-drift", paramLabel = "DURATION", description = "hold each samples-source subtask "
            + "within this much label time of the slowest (Flink's watermark alignment), e.g. PT24H; default: none")
    Duration alignDrift;

    @Mixin
    LocalJobOptions local = new LocalJobOptions();

    /** Decodes the samples topic's values. */
    static final class SampleValues extends AbstractDeserializationSchema<Sample> {
        private final AvroCodec<Sample> codec = Topics.SAMPLES.values();

        @Override
        public Sample deserialize(byte[] message) throws IOException {
            try {
                return codec.decode(message);
            } catch (DecodeException e) {
                throw new IOException("undecodable sample: " + e.getMessage(), e);
            }
        }

        @Override
        public TypeInformation<Sample> getProducedType() {
            return new AvroTypeInfo<>(Sample.class);
        }
    }

    @Override
    public Integer call() throws Exception {
        Path dataset = data != null ? data : Defaults.dataRoot().resolve("amazon-beauty");
        Configuration options = local.jobOptions();
        StreamingSettings settings = TrainerOptions.settings(options);
        PipelineQuality quality = heldOut > 0 ? PipelineQuality.of(dataset, users, heldOut, settings.maxHistory(),
                local.seed) : null;
        EventScript script = quality != null ? quality.script()
                : ScriptChooser.load(dataset, users, local.seed, true, System.out);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("benchmark", "scaling");
        figures.put("script", script.name());
        figures.put("model", settings.model().kind().name());
        FiguresFile.putOptimizer(figures, settings.optimizer());
        figures.put("cores", Runtime.getRuntime().availableProcessors());
        if (!local.conf.isEmpty()) {
            figures.put("conf", new LinkedHashMap<>(local.conf));
        }
        if (alignDrift != null) {
            figures.put("alignDriftHours", alignDrift.toMillis() / 3.6e6);
        }
        if (lockstepLag > 0) {
            figures.put("lockstepLagPolls", lockstepLag);
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        try (LocalStack stack = LocalStack.start(Defaults.workDir("bench-scaling"), local.parallelism)) {
            try (EventPublisher publisher = new EventPublisher(stack.kafka(), ValidationLimits.defaults())) {
                new Replay(publisher, 0, true).run(script);
            }
            stack.startDataPlane(options, StartingPosition.EARLIEST, true).getJobExecutionResult().get();
            List<Sample> onTopic = CommittedReader.readCommitted(stack.kafka(), Topics.SAMPLES);
            long samples = onTopic.size();
            long[] labelTimes = onTopic.stream().mapToLong(Sample::getLabelTimeMs).sorted().toArray();
            System.out.printf(Locale.ROOT, "%,d samples on the samples topic; each run trains all of them%n", samples);
            figures.put("samples", samples);
            List<List<Map<String, Object>>> rounds = new ArrayList<>();
            for (int round = 0; round < (pipeline ? repeat : 1); round++) {
                List<Map<String, Object>> these = new ArrayList<>();
                for (int n : replicas) {
                    these.add(pipeline ? run(stack, options, n, labelTimes, quality, round)
                            : new LinkedHashMap<>(Map.of("replicas", n)));
                }
                rounds.add(these);
            }
            runs.addAll(pipeline ? medians(rounds) : rounds.get(0));
            if (quality != null && lockstep) {
                for (Map<String, Object> r : runs) {
                    Lockstep l = lockstep(settings, TrainerOptions.sync(options), onTopic, (int) r.get("replicas"),
                            quality, lockstepLag);
                    r.put("heldOutAucLockstep", l.heldOutAuc());
                    r.put("prequentialAucLockstep", l.prequentialAuc());
                    r.put("prequentialAucLockstepFirstTenth", l.prequentialAucFirstTenth());
                }
            }
            if (ceilingSamples > 0) {
                List<Sample> share = onTopic.subList(0, (int) Math.min(onTopic.size(), ceilingSamples));
                double one = 0;
                for (int i = 0; i < runs.size(); i++) {
                    int n = (int) runs.get(i).get("replicas");
                    double rate = independentLoops(settings, share, n);
                    one = i == 0 ? rate : one;
                    runs.get(i).put("independentLoopsSamplesPerSecond", rate);
                    runs.get(i).put("independentLoopsRatio", rate / one);
                }
            }
        }
        double baseLockstep = (double) runs.get(0).getOrDefault("heldOutAucLockstep", Double.NaN);
        double basePrequential = (double) runs.get(0).getOrDefault("prequentialAucLockstep", Double.NaN);
        System.out.printf(Locale.ROOT, "%n%-9s %12s %10s %10s %10s %14s %10s %10s %12s %10s%n", "replicas",
                "samples/s", "vs first", "held-out", "vs first", "ceiling ratio", "lockstep", "vs first",
                "lockstep preq", "vs first");
        for (Map<String, Object> r : runs) {
            double rate = (double) r.getOrDefault("samplesPerSecond", Double.NaN);
            double auc = (double) r.getOrDefault("heldOutAuc", Double.NaN);
            double ratio = (double) r.getOrDefault("ratio", Double.NaN);
            double aucDifference = (double) r.getOrDefault("heldOutAucDifference", Double.NaN);
            double lock = (double) r.getOrDefault("heldOutAucLockstep", Double.NaN);
            double preq = (double) r.getOrDefault("prequentialAucLockstep", Double.NaN);
            if (!Double.isNaN(lock)) {
                r.put("heldOutAucLockstepDifference", lock - baseLockstep);
                r.put("prequentialAucLockstepDifference", preq - basePrequential);
            }
            System.out.printf(Locale.ROOT, "%-9d %,12.0f %10.2f %10.4f %+10.4f %14.2f %10.4f %+10.4f %12.4f %+10.4f%n",
                    (int) r.get("replicas"), rate, ratio, auc, aucDifference,
                    (double) r.getOrDefault("independentLoopsRatio", Double.NaN), lock, lock - baseLockstep, preq,
                    preq - basePrequential);
        }
        figures.put("runs", runs);
        FiguresFile.write(local.json, figures);
        return 0;
    }

    /**
     * What a lockstep reference reached: its final model's held-out AUC, and the prequential AUC over the whole pass
     * and every replica's samples (each scored, in inference mode, by its replica's model just before the step that
     * trains on it), so that every replica count is scored on the same samples; and that prequential AUC over the
     * first tenth of the samples alone, where the models start from their initial values.
     */
    record Lockstep(double heldOutAuc, double prequentialAuc, double prequentialAucFirstTenth) {
    }

    /**
     * Held-out AUC of n replicas stepped in turn, in the samples topic's order, that exchange through memory: each
     * replica sees every delta the moment it is sent, so this is what the merge rule alone gives, without the lag of
     * the Kafka exchange or the replicas' drift apart in time. Set beside the pipeline's figure, it tells which of the
     * two costs the quality (docs/benchmarks.md, "bench scaling").
     */
    private static Lockstep lockstep(StreamingSettings settings, TrainerReplica.Sync sync, List<Sample> samples, int n,
                                     PipelineQuality quality, long lagPolls) {
        InMemoryDeltaExchange.Log log = new InMemoryDeltaExchange.Log(lagPolls);
        List<TrainerReplica> replicas = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            TrainerReplica r = TrainerReplica.start(settings, sync, new TrainerReplica.Identity(k, n, "lockstep/0"),
                    log.factory(), 0);
            r.trainer().setPublishing(k == 0);   // replica 0 scores its samples first: the prequential AUC
            r.trainer().beginEpoch(1);
            replicas.add(r);
        }
        // a clock that advances 1 ms every 2 samples, about the single trainer's rate in the pipeline, so that what
        // runs on processing time (the exchange's interval, expiry) runs about as often as there
        long now = 1;
        Evaluation prequential = new Evaluation();
        Evaluation firstTenth = new Evaluation();
        int firstTenthEnd = samples.size() / 10;
        List<List<Sample>> pending = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            pending.add(new ArrayList<>());
        }
        for (int i = 0; i < samples.size(); i++) {
            now = 1 + i / 2;
            Sample s = samples.get(i);
            int k = Math.floorMod(s.getUserId(), n);
            TrainerReplica r = replicas.get(k);
            StreamingTrainer trainer = r.trainer();
            trainer.add(s);
            pending.get(k).add(s);
            if (trainer.batchReady()) {
                r.beforeBatch(now);
                score(trainer, pending.get(k), settings, prequential, i < firstTenthEnd ? firstTenth : null);
                trainer.trainBatch(now);
                r.afterBatch(now);
            }
        }
        for (int k = n - 1; k >= 0; k--) {   // replica 0 last: it waits for the others' last deltas
            TrainerReplica r = replicas.get(k);
            while (r.trainer().buffered() > 0) {
                score(r.trainer(), pending.get(k), settings, prequential, null);
                r.trainer().trainBatch(now);
            }
            r.finish(now);
        }
        CtrModel model = replicas.get(0).trainer().model();
        if (replicas.get(0).trainer().samplesTrained() != samples.size()) {
            throw new IllegalStateException("lockstep at " + n + ": replica 0 counts "
                    + replicas.get(0).trainer().samplesTrained() + " of " + samples.size() + " samples");
        }
        double auc = quality.heldOutAuc(model);
        double pre = prequential.auc();
        replicas.forEach(TrainerReplica::close);
        System.out.printf(Locale.ROOT, "%d replica(s) in lockstep, exchange in memory: held-out AUC %.4f, prequential"
                + " AUC %.4f (%,d samples), over the first tenth %.4f%n", n, auc, pre, prequential.size(),
                firstTenth.auc());
        return new Lockstep(auc, pre, firstTenth.auc());
    }

    /**
     * Scores the trainer's next batch (the first batch-size of {@code pending}, removed) as its model stands, into
     * {@code into} and, unless null, {@code also}.
     */
    private static void score(StreamingTrainer trainer, List<Sample> pending, StreamingSettings settings,
                              Evaluation into, Evaluation also) {
        List<Sample> next = pending.subList(0, Math.min(pending.size(), settings.batchSize()));
        Batch batch = SampleBatches.of(new ArrayList<>(next), settings.maxHistory());
        trainer.model().forward(batch, false);
        double[] p = trainer.model().probabilities();
        for (int b = 0; b < batch.size; b++) {
            if (Double.isFinite(p[b])) {   // as the trainer's own metrics: a diverged model's NaN is not a score
                into.add(p[b], batch.label[b], batch.sampleKey[b]);
                if (also != null) {
                    also.add(p[b], batch.label[b], batch.sampleKey[b]);
                }
            }
        }
        next.clear();
    }

    /**
     * What this machine gives n independent training loops at once: n threads, each training a model of its own on
     * its share of {@code samples} (by user), nothing exchanged, nothing else running. Samples/s of all of them
     * together: the ceiling of n replicas here.
     */
    private static double independentLoops(StreamingSettings settings, List<Sample> samples, int n) throws Exception {
        List<List<Batch>> shares = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int index = k;
            List<Sample> mine = samples.stream().filter(x -> Math.floorMod(x.getUserId(), n) == index).toList();
            shares.add(SampleBatches.inBatches(mine, settings.batchSize(), settings.maxHistory()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> done = new ArrayList<>();
            long start = System.nanoTime();
            for (List<Batch> batches : shares) {
                done.add(pool.submit(() -> {
                    CtrModel model = new CtrModel(settings.model(), settings.optimizer().kind().slots());
                    Optimizer optimizer = new Optimizer(settings.optimizer(), model);
                    for (Batch b : batches) {
                        model.forward(b, true);
                        model.backward();
                        optimizer.step();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double rate = samples.size() / ((System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "%d independent training loop(s) in threads, no exchange: %,.0f samples/s "
                    + "together%n", n, rate);
            return rate;
        } finally {
            pool.shutdown();
        }
    }

    /**
     * How far apart in event time the replicas trained: at each delta, in the order they were sent, the newest label
     * time each replica has reported so far (its own samples' newest), and the gap between the furthest and the
     * hindmost replica; the median and the largest gap over the deltas sent while every replica had reported and
     * none had ended its input. On a live stream this stays near zero; in a replay, a replica that trains faster runs
     * ahead through event time, and each trains on the other's deltas of samples from another time. Gaps between
     * {@code position}s of the label times (hours, or the share of the samples between them): {median, max}; NaN, NaN
     * when there was no such delta.
     */
    static double[] eventTimeSpread(List<ReplicaDelta> deltas, int replicas, LongToDoubleFunction position) {
        List<ReplicaDelta> sent = new ArrayList<>(deltas);
        sent.sort(Comparator.comparingLong(ReplicaDelta::getCreatedAtMs));
        long[] newest = new long[replicas];
        Arrays.fill(newest, Long.MIN_VALUE);
        List<Double> gaps = new ArrayList<>();
        for (ReplicaDelta d : sent) {
            if (d.getLast()) {
                break;
            }
            newest[d.getReplica()] = Math.max(newest[d.getReplica()], d.getNewestSampleTimeMs());
            long hi = Arrays.stream(newest).max().orElseThrow();
            long lo = Arrays.stream(newest).min().orElseThrow();
            if (lo != Long.MIN_VALUE) {
                gaps.add(position.applyAsDouble(hi) - position.applyAsDouble(lo));
            }
        }
        if (gaps.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double[] g = gaps.stream().mapToDouble(Double::doubleValue).toArray();
        return new double[] {TrainBench.median(g), Arrays.stream(g).max().orElseThrow()};
    }

    /** The share of {@code sorted} at or before {@code t}. */
    static double shareAtOrBefore(long[] sorted, long t) {
        int i = Arrays.binarySearch(sorted, t);
        if (i >= 0) {
            while (i + 1 < sorted.length && sorted[i + 1] == t) {
                i++;
            }
            return (i + 1) / (double) sorted.length;
        }
        return (-i - 1) / (double) sorted.length;
    }

    /**
     * One figure per replica count from the rounds of job runs: each rate and AUC the median of its runs, each ratio
     * and AUC difference the median of the rounds' own (against the round's first count, run minutes apart at most),
     * and every run's figures under {@code rounds} when there were several.
     */
    static List<Map<String, Object>> medians(List<List<Map<String, Object>>> rounds) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < rounds.get(0).size(); i++) {
            List<Map<String, Object>> runsOfCount = new ArrayList<>();
            for (List<Map<String, Object>> round : rounds) {
                Map<String, Object> r = round.get(i);
                Map<String, Object> first = round.get(0);
                r.put("ratio", (double) r.get("samplesPerSecond") / (double) first.get("samplesPerSecond"));
                if (r.containsKey("heldOutAuc")) {
                    r.put("heldOutAucDifference", (double) r.get("heldOutAuc") - (double) first.get("heldOutAuc"));
                }
                if (r.containsKey("heldOutAucSecondHalfMean")) {
                    r.put("heldOutAucSecondHalfMeanDifference",
                            (double) r.get("heldOutAucSecondHalfMean") - (double) first.get("heldOutAucSecondHalfMean"));
                }
                runsOfCount.add(r);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("replicas", runsOfCount.get(0).get("replicas"));
            m.put("runs", runsOfCount.size());
            m.put("samplesTrained", runsOfCount.get(0).get("samplesTrained"));
            for (String key : List.of("samplesPerSecond", "ratio", "heldOutAuc", "heldOutAucDifference",
                    "heldOutAucSecondHalfMean", "heldOutAucSecondHalfMeanDifference",
                    "eventTimeSpreadMedianHours", "eventTimeSpreadMedianShare", "eventTimeSpreadMaxShare")) {
                if (runsOfCount.get(0).containsKey(key)) {
                    m.put(key, TrainBench.median(runsOfCount.stream().mapToDouble(r -> (double) r.get(key)).toArray()));
                }
            }
            if (runsOfCount.size() > 1) {
                m.put("rounds", runsOfCount);
            } else {
                runsOfCount.get(0).forEach(m::putIfAbsent);
            }
            out.add(m);
        }
        return out;
    }

    private Map<String, Object> run(LocalStack stack, Configuration base, int n, long[] labelTimes,
                                    PipelineQuality quality, int round) throws Exception {
        long samples = labelTimes.length;
        Configuration options = new Configuration(base);
        options.set(TrainerOptions.PARALLELISM, n);
        String group = "bench-scaling-" + n + "-" + round;
        long startMs = System.currentTimeMillis();
        long start = System.nanoTime();
        stack.submit("istream learning, trainer.parallelism " + n, options, env -> {
            KafkaSource<Sample> source = KafkaSource.<Sample>builder()
                    .setProperties(stack.kafka().toProperties())
                    .setTopics(Topics.SAMPLES.name())
                    .setGroupId(group)
                    .setStartingOffsets(OffsetsInitializer.earliest())
                    .setBounded(OffsetsInitializer.latest())
                    .setProperty("isolation.level", "read_committed")
                    .setProperty("max.partition.fetch.bytes", String.valueOf(8 << 20))
                    .setValueOnlyDeserializer(new SampleValues())
                    .build();
            WatermarkStrategy<Sample> watermarks = alignDrift == null ? WatermarkStrategy.noWatermarks()
                    : WatermarkStrategy.<Sample>forMonotonousTimestamps()
                            .withTimestampAssigner((sample, kafkaTime) -> sample.getLabelTimeMs())
                            .withWatermarkAlignment("samples", alignDrift, Duration.ofMillis(100));
            DataStream<Sample> input = env.fromSource(source, watermarks, "samples")
                    .uid("samples");
            TrainingJob.defineWorkflow(env, input, options, TrainingJob.kafkaSinks(stack.kafka(), group));
        }).getJobExecutionResult().get();
        double jobSeconds = (System.nanoTime() - start) / 1e9;

        // this run's updates: its trainer epochs begin at or after its start
        List<ModelUpdate> updates = CommittedReader.readCommitted(stack.kafka(), Topics.MODEL_UPDATES).stream()
                .filter(u -> u.getTrainerEpoch() >= startMs).toList();
        ModelFollower follower = new ModelFollower();
        long fromMs = -1;
        long fromSamples = 0;
        List<Map<String, Object>> trajectory = new ArrayList<>();
        int nextShare = 0;
        for (ModelUpdate u : updates) {
            if (fromMs < 0 && u.getChunkIndex() == 0 && u.getSamplesTrained() >= skip * samples) {
                fromMs = u.getCreatedAtMs();
                fromSamples = u.getSamplesTrained();
            }
            ModelFollower.Outcome applied = follower.accept(u);
            boolean whole = applied == ModelFollower.Outcome.APPLIED_FULL
                    || applied == ModelFollower.Outcome.APPLIED_DELTA;
            if (quality != null && whole && nextShare < TRAJECTORY.length
                    && follower.samplesTrained() >= TRAJECTORY[nextShare] * samples
                    && follower.samplesTrained() < samples) {
                trajectory.add(new LinkedHashMap<>(Map.of("share", (double) follower.samplesTrained() / samples,
                        "heldOutAuc", quality.heldOutAuc(follower.model()))));
                while (nextShare < TRAJECTORY.length && follower.samplesTrained() >= TRAJECTORY[nextShare] * samples) {
                    nextShare++;
                }
            }
        }
        ModelUpdate last = updates.get(updates.size() - 1);
        if (last.getKind() != ModelUpdateKind.FULL || follower.samplesTrained() != samples) {
            throw new IllegalStateException("trainer.parallelism " + n + ": the final model counts "
                    + follower.samplesTrained() + " of " + samples + " samples");
        }
        double seconds = (last.getCreatedAtMs() - fromMs) / 1000.0;
        double rate = (follower.samplesTrained() - fromSamples) / seconds;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("replicas", n);
        out.put("jobSeconds", jobSeconds);
        out.put("timedSamples", follower.samplesTrained() - fromSamples);
        out.put("timedSeconds", seconds);
        out.put("samplesPerSecond", rate);
        out.put("samplesTrained", follower.samplesTrained());
        if (quality != null) {
            out.put("heldOutAuc", quality.heldOutAuc(follower.model()));
            trajectory.add(new LinkedHashMap<>(Map.of("share", 1.0, "heldOutAuc", out.get("heldOutAuc"))));
            out.put("heldOutAucSecondHalfMean", trajectory.stream()
                    .mapToDouble(t -> (double) t.get("heldOutAuc")).average().orElseThrow());
            out.put("heldOutAucTrajectory", trajectory);
            System.out.printf(Locale.ROOT, "trainer.parallelism %d: held-out AUC of the model as published at %s%n", n,
                    String.join(", ", trajectory.stream().map(t -> String.format(Locale.ROOT, "%.0f %%: %.4f",
                            100 * (double) t.get("share"), (double) t.get("heldOutAuc"))).toList()));
        }
        if (n > 1) {
            List<ReplicaDelta> deltas = CommittedReader.readCommitted(stack.kafka(), Topics.TRAINER_DELTAS).stream()
                    .filter(d -> d.getCreatedAtMs() >= startMs).toList();
            double[] hours = eventTimeSpread(deltas, n, t -> t / 3.6e6);
            double[] share = eventTimeSpread(deltas, n, t -> shareAtOrBefore(labelTimes, t));
            out.put("eventTimeSpreadMedianHours", hours[0]);
            out.put("eventTimeSpreadMedianShare", share[0]);
            out.put("eventTimeSpreadMaxShare", share[1]);
            System.out.printf(Locale.ROOT, "trainer.parallelism %d: the replicas' newest label times were %.1f h and "
                    + "%.1f %% of the samples apart (medians over their deltas), %.1f %% at most%n", n, hours[0],
                    100 * share[0], 100 * share[1]);
        }
        System.out.printf(Locale.ROOT, "trainer.parallelism %d: %,d samples in %.1f s after the first %,d: %,.0f "
                        + "samples/s (job %.1f s)%s%n", n, follower.samplesTrained() - fromSamples, seconds, fromSamples,
                rate, jobSeconds, quality == null ? "" : String.format(Locale.ROOT, "; held-out AUC %.4f",
                        (double) out.get("heldOutAuc")));
        return out;
    }
}
