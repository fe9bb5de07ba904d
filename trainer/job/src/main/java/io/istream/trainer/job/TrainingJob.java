package io.istream.trainer.job;

import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.Sample;
import io.istream.features.job.DataPlaneJob.DataPlaneStreams;
import io.istream.features.job.DataPlaneJob;
import io.istream.features.job.FeatureStateOptions;
import io.istream.features.job.JobArguments;
import io.istream.features.job.JobMain;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.sink.KafkaSinks;
import io.istream.ingestion.source.StartingPosition;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topics;
import io.istream.trainer.model.ModelOptions;
import io.istream.trainer.streaming.DeltaExchange;
import io.istream.trainer.streaming.StreamingSettings;
import io.istream.trainer.streaming.TrainerReplica;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The learning job: the data plane (events → dead letters, per-user state, labelled samples) with the streaming
 * trainer on its samples, in one graph, so a sample reaches the model without waiting for the samples topic's
 * transaction. Samples still go to their topic for other readers. Model updates and prequential metrics go to their
 * topics through exactly-once sinks.
 */
public final class TrainingJob {
    /** The model-updates topic has one key, so every update of one trainer lands in one partition, in order. */
    public static final String MODEL_UPDATES_KEY = "model";

    private TrainingJob() {
    }

    /** What the trainer produced. */
    public record LearningStreams(DataStream<ModelUpdate> modelUpdates, DataStream<Metrics> metrics) {
    }

    /**
     * Where the trainer's outputs go, and where its replicas exchange deltas ({@code trainer.parallelism} > 1; null
     * for a single trainer).
     */
    public record LearningSinks(Consumer<DataStream<ModelUpdate>> modelUpdates, Consumer<DataStream<Metrics>> metrics,
                                DeltaExchange.Factory deltas) {
    }

    /**
     * The learning graph after the data plane: samples, partitioned by user over {@code trainer.parallelism} trainer
     * replicas → model updates and metrics (from replica 0).
     */
    public static LearningStreams defineWorkflow(StreamExecutionEnvironment env, DataStream<Sample> samples,
                                                 ReadableConfig options, LearningSinks sinks) {
        StreamingSettings settings = TrainerOptions.settings(options);
        int replicas = options.get(TrainerOptions.PARALLELISM);
        TrainerReplica.Sync sync = TrainerOptions.sync(options);
        if (replicas > 1 && sinks.deltas() == null) {
            throw new IllegalArgumentException("trainer.parallelism " + replicas + " needs a delta exchange");
        }
        DataStream<Sample> routed = options.get(TrainerOptions.PARTITIONING) == SamplePartitioning.POINTWISE
                ? samples.rescale()
                : samples.keyBy(Sample::getUserId);   // a disjoint share of users per replica, in order
        SingleOutputStreamOperator<ModelUpdate> updates = routed
                .transform("streaming-trainer", new AvroTypeInfo<>(ModelUpdate.class),
                        new TrainerOperator(settings, options.get(TrainerOptions.IDLE_FLUSH).toMillis(),
                                options.get(TrainerOptions.DRILL_NON_FINITE_EVERY), sync, sinks.deltas()))
                .uid("streaming-trainer")
                .setParallelism(replicas);
        LearningStreams trained = new LearningStreams(updates, updates.getSideOutput(TrainerOperator.METRICS));
        sinks.modelUpdates().accept(trained.modelUpdates());
        sinks.metrics().accept(trained.metrics());
        return trained;
    }

    /** The Kafka-bound learning job: the data plane ({@link DataPlaneJob}) and the trainer in one graph. */
    public static LearningStreams defineKafkaWorkflow(StreamExecutionEnvironment env, KafkaConnection kafka,
                                                      ReadableConfig options, String groupId, StartingPosition start,
                                                      boolean bounded) {
        DataPlaneStreams plane = DataPlaneJob.defineKafkaWorkflow(env, kafka, options, groupId, start, bounded);
        return defineWorkflow(env, plane.samples(), options, kafkaSinks(kafka, groupId));
    }

    /** Model updates and metrics to their topics, exactly once, from one subtask each; deltas through Kafka. */
    public static LearningSinks kafkaSinks(KafkaConnection kafka, String groupId) {
        return new LearningSinks(
                updates -> updates.sinkTo(modelUpdatesSink(kafka, groupId)).name("model-updates-sink")
                        .uid("model-updates-sink").setParallelism(1),
                metrics -> metrics.sinkTo(metricsSink(kafka, groupId)).name("metrics-sink").uid("metrics-sink")
                        .setParallelism(1),
                KafkaDeltaExchange.factory(kafka));
    }

    public static KafkaSink<ModelUpdate> modelUpdatesSink(KafkaConnection kafka, String groupId) {
        // scorers read updates uncommitted by default (scorer.read-uncommitted-updates): each is sent at once
        return KafkaSinks.exactlyOnce(kafka, Topics.MODEL_UPDATES, u -> KeyCodec.stringKey(MODEL_UPDATES_KEY),
                groupId + "-model-updates", true);
    }

    public static KafkaSink<Metrics> metricsSink(KafkaConnection kafka, String groupId) {
        return KafkaSinks.exactlyOnce(kafka, Topics.METRICS, m -> KeyCodec.stringKey("prequential"),
                groupId + "-metrics");
    }

    /**
     * Submits the learning job to a cluster. Arguments: {@link JobArguments}' ({@code --bootstrap host:port},
     * {@code --group-id id}, {@code --conf key=value}, {@code --conf-file FILE}, Kafka client settings).
     */
    public static void main(String[] args) throws Exception {
        prepare(args).execute("istream learning");
    }

    /** Parses the arguments, prints the effective configuration and defines the job's graph ({@link JobMain}). */
    static StreamExecutionEnvironment prepare(String[] args) {
        return JobMain.prepare(args, "istream learning job", "istream-learning", keys(),
                options -> FeatureStateOptions.describe(options) + TrainerOptions.describe(options),
                TrainingJob::defineKafkaWorkflow);
    }

    /** Every option key the learning job reads: the data plane's, the trainer's, the model's and optimiser's. */
    public static List<String> keys() {
        List<String> out = new ArrayList<>(FeatureStateOptions.keys());
        TrainerOptions.ALL.forEach(o -> out.add(o.key()));
        out.addAll(ModelOptions.keys());
        return out;
    }

}
