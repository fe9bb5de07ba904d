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
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topic;
import io.istream.schemas.Topics;
import io.istream.scorer.job.ScorerOptions;
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
import org.apache.kafka.common.utils.Utils;
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

    @Option(names = "--checkpoint-interval", defaultValue = "10s",
            description = "execution.checkpointing.interval of both jobs: updates and answers commit at this pace; "
                    + "the scorer applies updates before they commit unless scorer.read-uncommitted-updates=false "
                    + "(default: ${DEFAULT-VALUE})")
    String checkpointInterval;

    @Mixin
    LocalJobOptions local = new LocalJobOptions();

    private static final long PROBE_USER_BASE = 900_000_000L;
    private static final long BACKGROUND_USER_BASE = 800_000_000L;
    /** How often background users send events while the bench waits between probes. */
    private static final long BACKGROUND_EVERY_MS = 1_000;
    private final List<long[]> stages = new ArrayList<>();   // per counted probe: {written, visible} ms after t0
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);
    /** Users whose events tick event time forward: this many on every partition of the input topics. */
    private static final int CLOCK_USERS_PER_PARTITION = 2;
    /** How far ahead of a probe the clock events are: the watermark (500 ms behind) then passes the impression. */
    private static final long CLOCK_MS = 600;

    @Override
    public Integer call() throws Exception {
        Path dataset = data != null ? data : Defaults.dataRoot().resolve("amazon-beauty");
        EventScript script = ScriptChooser.load(dataset, users, local.seed, false, System.out);
        local.conf.putIfAbsent("execution.checkpointing.interval", checkpointInterval);
        local.conf.putIfAbsent("execution.checkpointing.min-pause", "100 ms");
        local.conf.putIfAbsent(TrainerOptions.IDLE_FLUSH.key(), "50 ms");
        local.conf.putIfAbsent(TrainerOptions.PUBLISH_INTERVAL.key(), "100 ms");
        // records cross the network to the trainer and to the sinks: a partly filled buffer leaves after 10 ms, not 100
        local.conf.putIfAbsent("execution.buffer-timeout.interval", "10 ms");
        // a label is released when the watermark passes its impression: watermarks every 50 ms, not Flink's 200 (the
        // jobs' default)
        local.conf.putIfAbsent("pipeline.auto-watermark-interval", "50 ms");
        Configuration options = local.jobOptions();
        List<Double> freshness = new ArrayList<>();
        try (LocalStack stack = LocalStack.start(Defaults.workDir("bench-freshness"), local.parallelism)) {
            stack.startLearning(options, StartingPosition.EARLIEST, false);
            stack.startScorer(options, StartingPosition.EARLIEST);
            try (EventPublisher publisher = new EventPublisher(stack.kafka(), ValidationLimits.defaults());
                 // the probe's version is known as soon as the scorer could apply it: read as the scorer reads
                 Tail<ModelUpdate> updates = new Tail<>(stack.kafka(), Topics.MODEL_UPDATES,
                         options.get(ScorerOptions.READ_UNCOMMITTED_UPDATES));
                 Tail<ScoredCandidates> answers = new Tail<>(stack.kafka(), Topics.SCORED_CANDIDATES, false)) {
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
                // a checkpoint of the scorer committed. Started at once, every probe would meet the checkpoint
                // cycle at the same phase; a random pause spreads them over it, as clicks in production are. During
                // the pause, background users keep every partition busy: a partition idle for longer than
                // ingestion.idle-partition-timeout stops counting for the watermark, and its next event (the probe's
                // own impression) can then arrive behind a watermark the other partitions moved on, as a late event.
                long cycleMs = TimeUtils.parseDuration(checkpointInterval).toMillis();
                SplittableRandom phase = new SplittableRandom(local.seed);
                for (int p = 0; p <= probes; p++) {
                    background(publisher, item, p, phase.nextLong(cycleMs + 1));
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
                + "interval %s, %s updates; target p99 <= 250 ms)%n", sorted.size(), p50, p99,
                sorted.get(sorted.size() - 1), checkpointInterval,
                options.get(ScorerOptions.READ_UNCOMMITTED_UPDATES) ? "uncommitted" : "committed");
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("benchmark", "freshness");
        figures.put("checkpointInterval", checkpointInterval);
        figures.put("readUncommittedUpdates", options.get(ScorerOptions.READ_UNCOMMITTED_UPDATES));
        figures.put("probes", freshness.size());
        figures.put("freshnessMs", freshness);
        figures.put("p50Ms", p50);
        figures.put("p99Ms", p99);
        // where the time goes: the update trained on the probe written by the trainer, then visible to readers that
        // read as the scorer does (uncommitted: at once; committed: with the learning job's checkpoint)
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
        for (long clockUser : clockUsers(PROBE_USER_BASE - 1_000L * n - 1, local.parallelism)) {
            String clockRequest = request + "-clock-" + clockUser;
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
        long visibleMs = 0;   // when the updates tail first saw it
        int asked = 0;
        long updatesSeen = 0;
        long newestSeen = Long.MIN_VALUE;   // newest sample time of the updates seen, against t0
        long answersSeen = 0;
        long newestAnswerVersion = -1;
        while (System.nanoTime() < deadline) {
            for (ModelUpdate u : updates.poll()) {
                updatesSeen++;
                newestSeen = Math.max(newestSeen, u.getNewestSampleTimeMs());
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
                answersSeen++;
                newestAnswerVersion = Math.max(newestAnswerVersion, a.getModelVersion());
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
                + PROBE_TIMEOUT + " (trained count before: " + trainedBefore + ", now "
                + (long) LiveMetrics.gauge("istream.trainer.samplesTrained") + "; " + updatesSeen
                + " update records seen, the newest sample time in them " + (newestSeen - t0) + " ms after the click's"
                + " impression, the version wanted " + (trainedVersion == Long.MAX_VALUE ? "unknown" : trainedVersion)
                + "; " + answersSeen + " answers seen, the newest version " + newestAnswerVersion + "; scorer version "
                + (long) LiveMetrics.gauge("istream.scorer.modelVersion") + ")");
    }

    /**
     * Events of background users on every partition, one round every {@link #BACKGROUND_EVERY_MS} for {@code ms}:
     * each an impression clicked 10 ms later and a behaviour, at the wall clock. Their samples are labelled before the
     * next probe's click, so they cannot be taken for it.
     */
    private void background(EventPublisher publisher, ItemRef item, int probe, long ms) throws InterruptedException {
        long end = System.currentTimeMillis() + ms;
        for (int round = 0; System.currentTimeMillis() < end; round++) {
            long now = System.currentTimeMillis();
            for (long u : clockUsers(BACKGROUND_USER_BASE - 10_000L * probe - 100L * round, local.parallelism)) {
                String request = "freshness-background-" + u + "-" + now;
                publisher.publish(new Impression(request, u, item.getItemId(), item.getCategoryId(), now, null));
                publisher.publish(new Click(request, u, item.getItemId(), now + 10));
                publisher.publish(new Behavior(u, item.getItemId(), item.getCategoryId(), BehaviorType.VIEW, now));
            }
            publisher.flush();
            // pacing the background traffic to one round a second is the point here, not waiting for a condition
            Thread.sleep(Math.max(0, Math.min(BACKGROUND_EVERY_MS, end - System.currentTimeMillis())));
        }
    }

    /**
     * User ids from {@code from} downwards, {@link #CLOCK_USERS_PER_PARTITION} on every one of {@code partitions}
     * partitions as the producer assigns user keys (Kafka's default partitioner: murmur2 of the key). Every split of
     * every input topic then gets an event ahead of the probe, so the watermark passes the probe's impression
     * whether or not a split had gone idle.
     */
    static List<Long> clockUsers(long from, int partitions) {
        int[] count = new int[partitions];
        List<Long> users = new ArrayList<>();
        for (long user = from; users.size() < CLOCK_USERS_PER_PARTITION * partitions; user--) {
            int p = Utils.toPositive(Utils.murmur2(KeyCodec.userKey(user))) % partitions;
            if (count[p] < CLOCK_USERS_PER_PARTITION) {
                count[p]++;
                users.add(user);
            }
        }
        return users;
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

    /** A consumer of a topic from its current end: what arrives from now on, committed or as written. */
    static final class Tail<V extends SpecificRecord> implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final AvroCodec<V> codec;

        Tail(KafkaConnection kafka, Topic<V> topic, boolean uncommitted) {
            Properties props = kafka.toProperties();
            props.put("isolation.level", uncommitted ? "read_uncommitted" : "read_committed");
            props.put("enable.auto.commit", "false");
            // short fetches: "visible" should be when the records became readable, not when a 500 ms fetch wait ended
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
            // short polls: the probe loop asks the scorer again after each pair, so its pace sets the resolution
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
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
