package io.istream.features.job;

import io.istream.avro.DeadLetter;
import io.istream.avro.IngestedEvent;
import io.istream.avro.Sample;
import io.istream.ingestion.config.IngestionOptions;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.decode.EventDecoder;
import io.istream.ingestion.sink.KafkaSinks;
import io.istream.ingestion.source.DeadLetterRouter;
import io.istream.ingestion.source.EventSources;
import io.istream.ingestion.source.EventTimeWatermarks;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.validate.EventValidator;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.EventFields;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topic;
import io.istream.schemas.Topics;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The data plane: input events → decode and validate (dead letters) → per-user feature state in RocksDB →
 * labelled samples. {@link #defineWorkflow} is the one definition of the graph; {@link #main} and the local stack
 * bind it to Kafka, tests bind it to whatever they like.
 */
public final class DataPlaneJob {
    /** The topics the data plane reads. Score requests are the scorer's. */
    public static final List<Topic<?>> INPUT_TOPICS = List.of(Topics.IMPRESSIONS, Topics.CLICKS, Topics.BEHAVIORS);

    private DataPlaneJob() {
    }

    /** What the graph produced, for callers that extend it (the trainer joins onto the samples). */
    public record DataPlaneStreams(DataStream<Sample> samples, DataStream<DeadLetter> deadLetters) {
    }

    /** Where the data plane's outputs go. */
    public record DataPlaneSinks(Consumer<DataStream<Sample>> samples, Consumer<DataStream<DeadLetter>> deadLetters) {
    }

    /**
     * The data plane's graph: input events (decoded, with event-time watermarks) → dead-letter routing → per-user
     * feature state → samples; dead letters of both steps go to their sink.
     */
    public static DataPlaneStreams defineWorkflow(StreamExecutionEnvironment env, DataStream<IngestedEvent> events,
                                                  ReadableConfig options, DataPlaneSinks sinks) {
        SingleOutputStreamOperator<IngestedEvent> valid = events
                .process(new DeadLetterRouter()).name("route-dead-letters").uid("route-dead-letters")
                .returns(new AvroTypeInfo<>(IngestedEvent.class));

        SingleOutputStreamOperator<Sample> samples = valid
                .keyBy(e -> EventFields.userId(e.getPayload()), Types.LONG)
                .process(new UserFeatureFunction(options)).name("user-feature-state").uid("user-feature-state")
                .returns(new AvroTypeInfo<>(Sample.class));

        DataStream<DeadLetter> deadLetters = valid.getSideOutput(DeadLetterRouter.DEAD_LETTERS)
                .union(samples.getSideOutput(UserFeatureFunction.DEAD_LETTERS));
        sinks.samples().accept(samples);
        sinks.deadLetters().accept(deadLetters);
        return new DataPlaneStreams(samples, deadLetters);
    }

    /** The Kafka-bound data plane: input topics in, samples and dead letters out, transactionally. */
    public static DataPlaneStreams defineKafkaWorkflow(StreamExecutionEnvironment env, KafkaConnection kafka,
                                                       ReadableConfig options, String groupId, StartingPosition start,
                                                       boolean bounded) {
        return defineWorkflow(env, kafkaEvents(env, kafka, options, groupId, start, bounded), options,
                kafkaSinks(kafka, groupId));
    }

    /** The input topics as decoded events with event-time watermarks. */
    public static DataStream<IngestedEvent> kafkaEvents(StreamExecutionEnvironment env, KafkaConnection kafka,
                                                        ReadableConfig options, String groupId,
                                                        StartingPosition start, boolean bounded) {
        return env.fromSource(kafkaSource(kafka, options, groupId, start, bounded), watermarks(options),
                "input-events").uid("input-events");
    }

    /** Samples and dead letters to their topics, exactly once. */
    public static DataPlaneSinks kafkaSinks(KafkaConnection kafka, String groupId) {
        return new DataPlaneSinks(
                samples -> samples.sinkTo(samplesSink(kafka, groupId)).name("samples-sink").uid("samples-sink"),
                dead -> dead.sinkTo(deadLettersSink(kafka, groupId)).name("dead-letters-sink").uid("dead-letters-sink"));
    }

    public static KafkaSource<IngestedEvent> kafkaSource(KafkaConnection kafka, ReadableConfig options, String groupId,
                                                         StartingPosition start, boolean bounded) {
        EventDecoder decoder = EventDecoder.forInputTopics(new EventValidator(ValidationLimits.from(options)));
        return EventSources.kafka(kafka, INPUT_TOPICS, groupId, start, bounded, decoder);
    }

    public static WatermarkStrategy<IngestedEvent> watermarks(ReadableConfig options) {
        return EventTimeWatermarks.strategy(options.get(IngestionOptions.MAX_OUT_OF_ORDERNESS),
                options.get(IngestionOptions.IDLE_PARTITION_TIMEOUT), options.get(IngestionOptions.MAX_WATERMARK_DRIFT));
    }

    public static KafkaSink<Sample> samplesSink(KafkaConnection kafka, String groupId) {
        return KafkaSinks.exactlyOnce(kafka, Topics.SAMPLES, s -> KeyCodec.userKey(s.getUserId()), groupId + "-samples");
    }

    public static KafkaSink<DeadLetter> deadLettersSink(KafkaConnection kafka, String groupId) {
        return KafkaSinks.exactlyOnce(kafka, Topics.DEAD_LETTERS, d -> KeyCodec.stringKey(d.getSourceTopic()),
                groupId + "-dead-letters");
    }

    /** Submits the data plane to a cluster; its arguments are {@link JobArguments}'. */
    public static void main(String[] args) throws Exception {
        prepare(args).execute("istream data plane");
    }

    /** Parses the arguments, prints the effective configuration and defines the job's graph ({@link JobMain}). */
    static StreamExecutionEnvironment prepare(String[] args) {
        return JobMain.prepare(args, "istream data plane", "istream-data-plane", FeatureStateOptions.keys(),
                FeatureStateOptions::describe, DataPlaneJob::defineKafkaWorkflow);
    }
}
