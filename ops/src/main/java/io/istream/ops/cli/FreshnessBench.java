package io.istream.ops.cli;

import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.avro.ItemRef;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ScoreRequest;
import io.istream.avro.ScoredCandidates;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.trainer.dataset.EventScript;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ops.replay.Replay;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.ops.local.LocalStack;
import io.istream.ops.local.ScriptChooser;
import io.istream.ops.metrics.LiveMetrics;
import io.istream.schemas.AvroCodec;
import io.istream.schemas.DecodeException;
import io.istream.schemas.Topic;
import io.istream.schemas.Topics;
import io.istream.trainer.job.TrainerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code istream bench freshness}: after a warm-up replay, each probe is one new user's impression and click, sent
 * at wall-clock time t0, with clock events 600 ms later on every input partition so the watermark releases the label
 * at once. The probe is done when the scorer answers a request for that user with a model version that has trained
 * on a sample labelled at or after the probe's click; freshness = that answer's time − t0. The stream is otherwise quiet, so the trainer keeps up: this is the
 * steady-state latency of the learning loop, not of a backlog.
 */
@Command(name = "freshness", mixinStandardHelpOptions = true,
        description = "Click into Kafka → the scorer answering with a model trained on it: p50/p99 over probes.")
final class FreshnessBench implements Callable<Integer> {
    @Option(names = "--data", description = "warm-up dataset; default ../shared/data/amazon-beauty (synthetic when absent)")
    Path data;

    @Option(names = "--users", defaultValue = "300", description = "warm-up users (default: ${DEFAULT-VALUE})")
    int users;

    @Option(names = "--probes", defaultValue = "30", description = "probes (default: ${DEFAULT-VALUE})")
    int probes;

    @Option(names = "--checkpoint-interval", defaultValue = "300ms",
            description = "execution.checkpointing.interval of both jobs: updates and answers commit at this pace "
                    + "(default: ${DEFAULT-VALUE})")
    String checkpointInterval;

    @Mixin
    LocalJobOptions local = new LocalJobOptions();

    private static final long PROBE_USER_BASE = 900_000_000L;
    private final List<long[]> stages = new ArrayList<>();   // per counted probe: {written, visible} ms after t0
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);
    /** Users whose events tick event time forward; enough of them to land on every partition. */
    private static final int CLOCK_USERS = 16;
    /** How far ahead of a probe the clock events are: the watermark (500 ms behind) then passes the impression. */
    private static final long CLOCK_MS = 600;

    @Override
    public Integer call() throws Exception {
        Path dataset = data != null ? data : Defaults.dataRoot().resolve("amazon-beauty");
        EventScript script = ScriptChooser.load(dataset, users, local.seed, false, System.out);
        local.conf.putIfAbsent("execution.checkpointing.interval", checkpointInterval);
        local.conf.putIfAbsent("execution.checkpointing.min-pause", "100 ms");
        local.conf.putIfAbsent(TrainerOptions.IDLE_FLUSH.key(), "100 ms");
        local.conf.putIfAbsent(TrainerOptions.PUBLISH_INTERVAL.key(), "200 ms");
        Configuration options = local.jobOptions();
        List<Double> freshness = new ArrayList<>();
        try (LocalStack stack = LocalStack.start(Defaults.workDir("bench-freshness"), local.parallelism)) {
            stack.startLearning(options, StartingPosition.EARLIEST, false);
            stack.startScorer(options, StartingPosition.EARLIEST);
            try (EventPublisher publisher = new EventPublisher(stack.kafka(), ValidationLimits.defaults());
                 Tail<ModelUpdate> updates = new Tail<>(stack.kafka(), Topics.MODEL_UPDATES);
                 Tail<ScoredCandidates> answers = new Tail<>(stack.kafka(), Topics.SCORED_CANDIDATES)) {
                new Replay(publisher, 0, true).run(script);
                System.out.printf("warm-up replayed (%,d samples expected); waiting until the trainer has them%n",
                        script.expectedSamples());
                // most: impressions whose attribution window is still open at the end of the replay are pending
                awaitTrained((long) (0.99 * script.expectedSamples()));
                System.out.printf("trainer has %,.0f samples%n", LiveMetrics.gauge("istream.trainer.samplesTrained"));
                // partitions without probe traffic go idle and stop holding the watermark back
                awaitQuiet(options.get(io.istream.ingestion.config.IngestionOptions.IDLE_PARTITION_TIMEOUT)
                        .plusSeconds(1));
                ItemRef item = firstItem(script);
                System.out.printf("%6s %12s %10s %14s %12s %12s %12s%n", "probe", "version", "trained",
                        "freshness ms", "written ms", "visible ms", "ckpt ms");
                // probe 0 is not counted: its watermark step also releases the warm-up's pending impressions
                // Probes run one after another, and each starts when the previous answer arrives, which is just after
                // a checkpoint of the learning job committed. Started at once, every probe would meet the checkpoint
                // cycle at the same phase; a random pause spreads them over it, as clicks in production are.
                long cycleMs = TimeUtils.parseDuration(checkpointInterval).toMillis();
                SplittableRandom phase = new SplittableRandom(local.seed);
                for (int p = 0; p <= probes; p++) {
                    Thread.sleep(phase.nextLong(cycleMs + 1));
                    double ms = probe(publisher, updates, answers, PROBE_USER_BASE + p, item, p);
                    if (p > 0) {
                        freshness.add(ms);
                    } else {
                        stages.clear();
                    }
                }
            }
        }
        List<Double> sorted = new ArrayList<>(freshness);
        Collections.sort(sorted);
        double p50 = sorted.get((int) Math.ceil(0.5 * sorted.size()) - 1);
        double p99 = sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1);
        System.out.printf(Locale.ROOT, "freshness over %d probes: p50 %.0f ms, p99 %.0f ms, max %.0f ms (checkpoint "
                + "interval %s; target p99 <= 1000 ms)%n", sorted.size(), p50, p99, sorted.get(sorted.size() - 1),
                checkpointInterval);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("benchmark", "freshness");
        figures.put("checkpointInterval", checkpointInterval);
        figures.put("probes", freshness.size());
        figures.put("freshnessMs", freshness);
        figures.put("p50Ms", p50);
        figures.put("p99Ms", p99);
        // where the time goes: the update trained on the probe written by the trainer, then visible to
        // read_committed readers (its transaction committed with the learning job's checkpoint)
        double[] written = stages.stream().mapToDouble(st -> st[0]).sorted().toArray();
        double[] visible = stages.stream().mapToDouble(st -> st[1]).sorted().toArray();
        figures.put("updateWrittenP50Ms", written[written.length / 2]);
        figures.put("updateVisibleP50Ms", visible[visible.length / 2]);
        System.out.printf(Locale.ROOT, "median: update written %.0f ms, visible %.0f ms, answered %.0f ms after the "
                + "click%n", written[written.length / 2], visible[visible.length / 2], p50);
        FiguresFile.write(local.json, figures);
        return 0;
    }

    private double probe(EventPublisher publisher, Tail<ModelUpdate> updates, Tail<ScoredCandidates> answers,
                         long user, ItemRef item, int n) throws Exception {
        long trainedBefore = (long) LiveMetrics.gauge("istream.trainer.samplesTrained");
        String request = "freshness-probe-" + n;
        long t0 = System.currentTimeMillis();
        publisher.publish(new Impression(request, user, item.getItemId(), item.getCategoryId(), t0, null));
        publisher.publish(new Click(request, user, item.getItemId(), t0 + 50));
        // events on every partition of every input topic move the watermark past the impression at once; a
        // partition without traffic would hold it back until the idle-partition timeout. The clock users' own
        // samples are labelled at t0 + 610 ms and released by the next probe: they cannot be mistaken for this one.
        publisher.publish(new Behavior(user, item.getItemId(), item.getCategoryId(), BehaviorType.VIEW, t0 + CLOCK_MS));
        for (long clock = 1; clock <= CLOCK_USERS; clock++) {
            long clockUser = PROBE_USER_BASE - 1_000 * n - clock;
            String clockRequest = request + "-clock-" + clock;
            publisher.publish(new Impression(clockRequest, clockUser, item.getItemId(), item.getCategoryId(),
                    t0 + CLOCK_MS, null));
            publisher.publish(new Click(clockRequest, clockUser, item.getItemId(), t0 + CLOCK_MS + 10));
            publisher.publish(new Behavior(clockUser, item.getItemId(), item.getCategoryId(), BehaviorType.VIEW,
                    t0 + CLOCK_MS));
        }
        publisher.flush();
        long deadline = System.nanoTime() + PROBE_TIMEOUT.toNanos();
        long trainedVersion = Long.MAX_VALUE;
        long createdMs = 0;   // when the trainer wrote that update
        long visibleMs = 0;   // when this read_committed tail first saw it: its transaction had committed
        int asked = 0;
        while (System.nanoTime() < deadline) {
            for (ModelUpdate u : updates.poll()) {
                // the probe's label time is its click's; every earlier sample's label is older
                if (u.getNewestSampleTimeMs() >= t0 + 50 && u.getModelVersion() < trainedVersion) {
                    trainedVersion = u.getModelVersion();
                    createdMs = u.getCreatedAtMs();
                    visibleMs = System.currentTimeMillis();
                }
            }
            publisher.publish(new ScoreRequest(request + "-ask-" + asked++, user, List.of(item),
                    System.currentTimeMillis()));
            publisher.flush();
            for (ScoredCandidates a : answers.poll()) {
                if (a.getUserId() == user && a.getModelVersion() >= trainedVersion) {
                    double ms = a.getAnsweredAtMs() - t0;
                    System.out.printf(Locale.ROOT, "%6d %12d %,10d %14.0f %12d %12d %12.0f%n", n,
                            a.getModelVersion(), trainedBefore + 1, ms, createdMs - t0, visibleMs - t0,
                            LiveMetrics.gauge("flink.checkpoint.lastCheckpointDuration[" + LocalStack.LEARNING_JOB
                                    + "]"));
                    stages.add(new long[] {createdMs - t0, visibleMs - t0});
                    return ms;
                }
            }
        }
        throw new IllegalStateException("probe " + n + ": no answer with a model trained on it within "
                + PROBE_TIMEOUT + " (trained count before: " + trainedBefore + ")");
    }

    private static ItemRef firstItem(EventScript script) {
        return script.events().stream().map(e -> e.event()).filter(e -> e instanceof Behavior).map(e -> (Behavior) e)
                .findFirst().map(b -> new ItemRef(b.getItemId(), b.getCategoryId()))
                .orElseThrow(() -> new IllegalStateException("the warm-up script has no behaviour"));
    }

    /** Until the trainer has {@code samples}, or its count has not moved for 10 s (some became dead letters). */
    private static void awaitTrained(long samples) {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        double last = Double.NaN;
        long lastChangeNs = System.nanoTime();
        while (true) {
            double trained = LiveMetrics.gauge("istream.trainer.samplesTrained");
            if (trained >= samples) {
                return;
            }
            if (trained != last) {
                last = trained;
                lastChangeNs = System.nanoTime();
            } else if (trained > 0 && System.nanoTime() - lastChangeNs > Duration.ofSeconds(10).toNanos()) {
                System.out.printf("the trainer settled at %,.0f of %,d warm-up samples (the rest are dead letters or "
                        + "pending)%n", trained, samples);
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the warm-up was not trained within 10 minutes");
            }
            Thread.onSpinWait();
        }
    }

    /** Lets the data plane's partitions go idle (a processing-time timeout: nothing to poll for). */
    private static void awaitQuiet(Duration idle) {
        long until = System.nanoTime() + idle.toNanos();
        while (System.nanoTime() < until) {
            java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
        }
    }

    /** A read_committed consumer of a topic from its current end: what arrives from now on. */
    static final class Tail<V extends SpecificRecord> implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final AvroCodec<V> codec;

        Tail(KafkaConnection kafka, Topic<V> topic) {
            Properties props = kafka.toProperties();
            props.put("isolation.level", "read_committed");
            props.put("enable.auto.commit", "false");
            // short fetches: "visible" should be when the transaction committed, not when a 500 ms fetch wait ended
            props.put("fetch.max.wait.ms", "10");
            consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            codec = topic.values();
        }

        List<V> poll() throws DecodeException {
            List<V> out = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                out.add(codec.decode(r.value()));
            }
            return out;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
