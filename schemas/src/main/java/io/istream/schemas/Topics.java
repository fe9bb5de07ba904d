package io.istream.schemas;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.DeadLetter;
import io.istream.avro.Impression;
import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ReplicaDelta;
import io.istream.avro.Sample;
import io.istream.avro.ScoreRequest;
import io.istream.avro.ScoredCandidates;
import java.util.List;
import java.util.Optional;

/** The one catalogue of the system's topics. Every producer, consumer, source and sink takes its topic from here. */
public final class Topics {
    private Topics() {
    }

    public static final Topic<Impression> IMPRESSIONS = new Topic<>("impressions", KeyCodec.USER_ID,
            AvroCodec.of(Impression.class), "ads shown to users (producers)");
    public static final Topic<Click> CLICKS = new Topic<>("clicks", KeyCodec.USER_ID,
            AvroCodec.of(Click.class), "clicks on impressions (producers)");
    public static final Topic<Behavior> BEHAVIORS = new Topic<>("behaviors", KeyCodec.USER_ID,
            AvroCodec.of(Behavior.class), "user behaviours that build the behaviour sequences (producers)");
    public static final Topic<ScoreRequest> SCORE_REQUESTS = new Topic<>("score-requests", KeyCodec.USER_ID,
            AvroCodec.of(ScoreRequest.class), "candidates to score for a user (rankers)");
    public static final Topic<Sample> SAMPLES = new Topic<>("samples", KeyCodec.USER_ID,
            AvroCodec.of(Sample.class), "labelled samples with leakage-free history (feature-state -> trainer)");
    public static final Topic<ScoredCandidates> SCORED_CANDIDATES = new Topic<>("scored-candidates", KeyCodec.USER_ID,
            AvroCodec.of(ScoredCandidates.class), "answers to score requests (scorer -> rankers)");
    public static final Topic<ModelUpdate> MODEL_UPDATES = new Topic<>("model-updates", KeyCodec.STRING,
            AvroCodec.of(ModelUpdate.class), "versioned full snapshots and sparse deltas (trainer -> scorers)");
    public static final Topic<ReplicaDelta> TRAINER_DELTAS = new Topic<>("trainer-deltas", KeyCodec.STRING,
            AvroCodec.of(ReplicaDelta.class), "what each trainer replica learnt, for the other replicas (trainer.parallelism > 1)");
    public static final Topic<Metrics> METRICS = new Topic<>("metrics", KeyCodec.STRING,
            AvroCodec.of(Metrics.class), "prequential metrics per window (trainer -> dashboards)");
    public static final Topic<DeadLetter> DEAD_LETTERS = new Topic<>("dead-letters", KeyCodec.STRING,
            AvroCodec.of(DeadLetter.class), "records that could not be used, with raw bytes and a reason");

    /** The topics producers write and the data plane reads. */
    public static final List<Topic<?>> INPUT_EVENTS = List.of(IMPRESSIONS, CLICKS, BEHAVIORS, SCORE_REQUESTS);

    public static final List<Topic<?>> ALL = List.of(IMPRESSIONS, CLICKS, BEHAVIORS, SCORE_REQUESTS, SAMPLES,
            SCORED_CANDIDATES, MODEL_UPDATES, TRAINER_DELTAS, METRICS, DEAD_LETTERS);

    public static Optional<Topic<?>> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
