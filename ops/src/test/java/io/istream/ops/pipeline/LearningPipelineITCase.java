package io.istream.ops.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.Behavior;
import io.istream.avro.ItemRef;
import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import io.istream.avro.Sample;
import io.istream.avro.ScoreRequest;
import io.istream.avro.ScoreStatus;
import io.istream.avro.ScoredCandidates;
import io.istream.features.job.JobEnvironment;
import io.istream.features.sequence.BehaviorSequence;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.TimedEvent;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.trainer.testing.SharedData;
import io.istream.ops.local.ScriptChooser;
import io.istream.schemas.Topics;
import io.istream.scorer.Scorer;
import io.istream.scorer.job.ScorerJob;
import io.istream.trainer.data.Batch;
import io.istream.trainer.eval.Evaluation;
import io.istream.trainer.job.TrainerOptions;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.ModelAssertions;
import io.istream.trainer.streaming.SampleBatches;
import io.istream.trainer.updates.ModelFollower;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The whole system at parallelism 2 on a real broker, a MiniCluster and RocksDB: a replayed slice (amazon-beauty
 * when present, else the synthetic planted-interest data) flows through the data plane into the streaming trainer;
 * model updates reach a scorer job, which answers score requests exactly once with the newest model.
 */
class LearningPipelineITCase extends PipelineTestBase {
    /**
     * 600 amazon-beauty users (15,254 samples). 300 left the learning job's one-pass prequential AUC about 0.02 above
     * the untrained model's, on the bar below, at Adam's β₁ = 0.5, which starts slower than 0.9 (0.518 to 0.522
     * against 0.542); 600 gave 0.541 (0.558 at 0.9).
     */
    private static final int USERS = 600;
    /**
     * Where amazon-beauty is absent: 300 synthetic users (15,000 samples, 234 batches) left the one-pass prequential
     * AUC only 0.022 above the untrained model's, too close to the bar below; 1,000 users gave 0.80 against 0.50.
     */
    private static final int SYNTHETIC_USERS = 1_000;
    private static final int REQUESTS = 40;

    @Test
    void replayTrainsServesAndAnswersEveryRequestOnceWithTheNewestModel() throws Exception {
        Path data = SharedData.location(SharedData.AMAZON_BEAUTY);
        EventScript script = ScriptChooser.load(data, Files.exists(data) ? USERS : SYNTHETIC_USERS, 3, false,
                System.out);
        publish(script);

        // the learning job over the whole replay (bounded: it trains everything, then publishes a final FULL)
        Configuration config = jobConfig();
        StreamExecutionEnvironment learning = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        learning.setParallelism(PARALLELISM);
        TrainingJob.defineKafkaWorkflow(learning, kafka, config, "it-learning", StartingPosition.EARLIEST, true);
        learning.execute("it-learning");

        // model versions advance by one, the first is FULL, and the topic rebuilds the trainer's final model
        List<ModelUpdate> updates = KafkaTestSupport.readCommitted(kafka, Topics.MODEL_UPDATES);
        assertThat(updates).isNotEmpty();
        assertThat(updates.get(0).getKind()).isEqualTo(ModelUpdateKind.FULL);
        long previous = 0;
        for (ModelUpdate u : updates) {
            assertThat(u.getModelVersion()).isIn(previous, previous + 1);
            previous = u.getModelVersion();
        }
        long finalVersion = previous;
        assertThat(finalVersion).as("deltas were published while training").isGreaterThan(3);
        ModelFollower replayed = new ModelFollower();
        ModelFollower finalOnly = new ModelFollower();
        for (ModelUpdate u : updates) {
            if (u.getModelVersion() < finalVersion) {
                replayed.accept(u);
            } else {
                finalOnly.accept(u);
            }
        }
        assertThat(finalOnly.version()).isEqualTo(finalVersion);
        assertThat(replayed.version()).isEqualTo(finalVersion - 1);
        ModelAssertions.assertSameParameters(finalOnly.model(), replayed.model(), 0);

        // every sample was trained once; prequential AUC beats a model that never trains on the same samples
        List<Sample> samples = KafkaTestSupport.readCommitted(kafka, Topics.SAMPLES);
        assertThat(samples).hasSize((int) script.expectedSamples());
        assertThat(finalOnly.samplesTrained()).isEqualTo(samples.size());
        List<Metrics> metrics = KafkaTestSupport.readCommitted(kafka, Topics.METRICS);
        assertThat(metrics.stream().mapToLong(Metrics::getSamples).sum()).isEqualTo(samples.size());
        double prequential = weightedAuc(metrics);
        double neverTrained = neverTrainedAuc(samples, config);
        System.out.printf("prequential AUC %.4f (sample-weighted over %d windows) vs never-trained %.4f%n",
                prequential, metrics.size(), neverTrained);
        assertThat(prequential).isGreaterThan(neverTrained + 0.02);

        // the scorer, live: wait until it serves the final version, then every request is answered once with it
        StreamExecutionEnvironment scoring = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        scoring.setParallelism(PARALLELISM);
        ScorerJob.defineKafkaWorkflow(scoring, kafka, config, "it-scorer", StartingPosition.EARLIEST, false);
        JobClient scorer = scoring.executeAsync("it-scorer");
        try {
            Map<Long, List<Behavior>> behaviours = behavioursByUser(script);
            List<ScoreRequest> requests = requests(behaviours);
            try (EventPublisher publisher = new EventPublisher(kafka, ValidationLimits.defaults())) {
                awaitModel(publisher, requests.get(0), finalVersion);
                for (ScoreRequest r : requests) {
                    publisher.publish(r);
                }
                publisher.flush();
            }
            Map<String, ScoredCandidates> answers = awaitAnswers(requests);
            for (ScoreRequest r : requests) {
                ScoredCandidates a = answers.get(r.getRequestId());
                assertThat(a.getStatus()).isEqualTo(ScoreStatus.OK);
                assertThat(a.getModelVersion()).isEqualTo(finalVersion);
                assertThat(a.getCandidates()).hasSize(r.getCandidates().size());
                for (int i = 1; i < a.getCandidates().size(); i++) {
                    assertThat(a.getCandidates().get(i).getPctr())
                            .isLessThanOrEqualTo(a.getCandidates().get(i - 1).getPctr());
                }
                // the job's answer is exactly what the pure scorer gives with the rebuilt model
                BehaviorSequence history = sequence(behaviours.get(r.getUserId()));
                ScoredCandidates local = new Scorer(config.get(io.istream.scorer.job.ScorerOptions.MAX_HISTORY))
                        .score(finalOnly.model(), finalVersion, finalOnly.createdAtMs(), r, history, 0);
                for (int i = 0; i < a.getCandidates().size(); i++) {
                    assertThat(a.getCandidates().get(i).getItemId()).isEqualTo(local.getCandidates().get(i).getItemId());
                    assertThat(a.getCandidates().get(i).getPctr()).isEqualTo(local.getCandidates().get(i).getPctr());
                }
            }
        } finally {
            scorer.cancel().get();
        }
    }

    private static double weightedAuc(List<Metrics> metrics) {
        double sum = 0;
        long n = 0;
        for (Metrics m : metrics) {
            if (m.getAuc() != null) {
                sum += m.getAuc() * m.getSamples();
                n += m.getSamples();
            }
        }
        return sum / n;
    }

    private static double neverTrainedAuc(List<Sample> samples, Configuration config) {
        CtrModel untrained = new CtrModel(TrainerOptions.settings(config).model());
        Evaluation evaluation = new Evaluation();
        for (int from = 0; from < samples.size(); from += 256) {
            Batch b = SampleBatches.of(samples.subList(from, Math.min(samples.size(), from + 256)), 100);
            untrained.forward(b, false);
            evaluation.add(b, untrained.probabilities());
        }
        return evaluation.auc();
    }

    private static Map<Long, List<Behavior>> behavioursByUser(EventScript script) {
        Map<Long, List<Behavior>> out = new LinkedHashMap<>();
        for (TimedEvent e : script.events()) {
            if (e.event() instanceof Behavior b) {
                out.computeIfAbsent(b.getUserId(), u -> new ArrayList<>()).add(b);
            }
        }
        return out;
    }

    /** One request per user of the first REQUESTS users: their own last items and others', after all behaviour. */
    private static List<ScoreRequest> requests(Map<Long, List<Behavior>> behaviours) {
        List<Behavior> all = behaviours.values().stream().flatMap(List::stream).toList();
        List<ScoreRequest> out = new ArrayList<>();
        int k = 0;
        for (Map.Entry<Long, List<Behavior>> e : behaviours.entrySet()) {
            if (out.size() == REQUESTS) {
                break;
            }
            long newest = e.getValue().stream().mapToLong(Behavior::getEventTimeMs).max().orElseThrow();
            List<ItemRef> candidates = new ArrayList<>();
            Set<Long> seen = new HashSet<>();
            for (int i = 0; candidates.size() < 12; i++) {
                Behavior b = i < 4 && i < e.getValue().size() ? e.getValue().get(e.getValue().size() - 1 - i)
                        : all.get((k++ * 7919) % all.size());
                if (seen.add(b.getItemId())) {
                    candidates.add(new ItemRef(b.getItemId(), b.getCategoryId()));
                }
            }
            out.add(new ScoreRequest("it-request-" + e.getKey(), e.getKey(), candidates, newest + 86_400_000L));
        }
        return out;
    }

    private static BehaviorSequence sequence(List<Behavior> behaviours) {
        BehaviorSequence s = new BehaviorSequence();
        for (Behavior b : behaviours) {
            s.insert(b.getItemId(), b.getCategoryId(), (byte) b.getType().ordinal(), b.getEventTimeMs());
        }
        return s;
    }

    /** Probes until an answer carries {@code version}: the scorer has caught up with the model-updates topic. */
    private static void awaitModel(EventPublisher publisher, ScoreRequest template, long version) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (int probe = 0; System.nanoTime() < deadline; probe++) {
            String id = "probe-" + probe;
            publisher.publish(new ScoreRequest(id, template.getUserId(), template.getCandidates(),
                    template.getEventTimeMs()));
            publisher.flush();
            Map<String, ScoredCandidates> answer = awaitAnswersWithIds(Set.of(id), Duration.ofSeconds(30));
            if (answer.get(id).getModelVersion() == version) {
                return;
            }
        }
        throw new AssertionError("the scorer never served model version " + version);
    }

    private static Map<String, ScoredCandidates> awaitAnswers(List<ScoreRequest> requests) throws Exception {
        Set<String> ids = new HashSet<>();
        requests.forEach(r -> ids.add(r.getRequestId()));
        return awaitAnswersWithIds(ids, Duration.ofSeconds(60));
    }

    /** Waits for answers to {@code ids} on read_committed; fails on a duplicate answer. */
    private static Map<String, ScoredCandidates> awaitAnswersWithIds(Set<String> ids, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, ScoredCandidates> found = new HashMap<>();
            for (ScoredCandidates a : KafkaTestSupport.readCommitted(kafka, Topics.SCORED_CANDIDATES)) {
                if (ids.contains(a.getRequestId())) {
                    assertThat(found.put(a.getRequestId(), a)).as("request " + a.getRequestId() + " answered twice")
                            .isNull();
                }
            }
            if (found.size() == ids.size()) {
                return found;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(found.size() + " of " + ids.size() + " requests answered in " + timeout);
            }
            Thread.sleep(100);   // poll interval: each pass re-reads the whole topic
        }
    }
}
