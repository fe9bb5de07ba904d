package io.istream.scorer.job;

import io.istream.avro.DeadLetter;
import io.istream.avro.IngestedEvent;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ScoredCandidates;
import io.istream.features.job.JobArguments;
import io.istream.features.job.JobMain;
import io.istream.features.job.JobOptions;
import io.istream.ingestion.config.IngestionOptions;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.decode.EventDecoder;
import io.istream.ingestion.sink.KafkaSinks;
import io.istream.ingestion.source.DeadLetterRouter;
import io.istream.ingestion.source.EventSources;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.validate.EventValidator;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.AvroCodec;
import io.istream.schemas.DecodeException;
import io.istream.schemas.EventFields;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topic;
import io.istream.schemas.Topics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring job: score requests and behaviours (keyed by user) joined with the broadcast model updates; answers
 * on the scored-candidates topic, exactly once. Bad requests and behaviours go to the dead letters.
 */
public final class ScorerJob {
    public static final List<Topic<?>> INPUT_TOPICS = List.of(Topics.SCORE_REQUESTS, Topics.BEHAVIORS);

    private ScorerJob() {
    }

    /** What the scorer produced. */
    public record ScorerStreams(DataStream<ScoredCandidates> answers, DataStream<DeadLetter> deadLetters) {
    }

    /** Where the scorer's outputs go. */
    public record ScorerSinks(Consumer<DataStream<ScoredCandidates>> answers,
                              Consumer<DataStream<DeadLetter>> deadLetters) {
    }

    /** The scoring graph: events (keyed by user) joined with the broadcast model updates → answers. */
    public static ScorerStreams defineWorkflow(StreamExecutionEnvironment env, DataStream<IngestedEvent> events,
                                               DataStream<ModelUpdate> updates, ReadableConfig options,
                                               ScorerSinks sinks) {
        SingleOutputStreamOperator<IngestedEvent> valid = events
                .process(new DeadLetterRouter()).name("scorer-route-dead-letters").uid("scorer-route-dead-letters")
                .returns(new AvroTypeInfo<>(IngestedEvent.class));
        // the model lives in the function (applied whole, checkpointed by subtask 0); Flink's API wants a broadcast
        // state descriptor all the same, and this one stays empty
        BroadcastStream<ModelUpdate> model = updates.broadcast(new MapStateDescriptor<>("unused-broadcast-state",
                Types.STRING, Types.STRING));
        SingleOutputStreamOperator<ScoredCandidates> answers = valid
                .keyBy(e -> EventFields.userId(e.getPayload()), Types.LONG)
                .connect(model)
                .process(new ScorerFunction(options.get(ScorerOptions.MAX_HISTORY),
                        options.get(ScorerOptions.KEPT_BEHAVIOURS), options.get(ScorerOptions.USER_TTL).toMillis(),
                        options.get(ScorerOptions.INTEREST_CACHE_USERS), options.get(ScorerOptions.MODEL_THREADS)))
                .name("scorer").uid("scorer")
                .returns(new AvroTypeInfo<>(ScoredCandidates.class));
        ScorerStreams streams = new ScorerStreams(answers, valid.getSideOutput(DeadLetterRouter.DEAD_LETTERS));
        sinks.answers().accept(streams.answers());
        sinks.deadLetters().accept(streams.deadLetters());
        return streams;
    }

    /** The Kafka-bound scorer: requests and behaviours, and the model updates, in; answers out, exactly once. */
    public static ScorerStreams defineKafkaWorkflow(StreamExecutionEnvironment env, KafkaConnection kafka,
                                                    ReadableConfig options, String groupId, StartingPosition start,
                                                    boolean bounded) {
        return defineWorkflow(env, kafkaEvents(env, kafka, options, groupId, start, bounded),
                kafkaModelUpdates(env, kafka, options, groupId, bounded), options, kafkaSinks(kafka, groupId));
    }

    /** Score requests and behaviours, decoded; no watermarks (the scorer keeps no event-time timers). */
    public static DataStream<IngestedEvent> kafkaEvents(StreamExecutionEnvironment env, KafkaConnection kafka,
                                                        ReadableConfig options, String groupId,
                                                        StartingPosition start, boolean bounded) {
        EventDecoder decoder = EventDecoder.forInputTopics(new EventValidator(ValidationLimits.from(options)));
        return env.fromSource(EventSources.kafka(kafka, INPUT_TOPICS, groupId, start, bounded, decoder),
                WatermarkStrategy.noWatermarks(), "scorer-input-events").uid("scorer-input-events");
    }

    /** The model updates ({@link #modelUpdatesSource}), read by one subtask and broadcast. */
    public static DataStream<ModelUpdate> kafkaModelUpdates(StreamExecutionEnvironment env, KafkaConnection kafka,
                                                            ReadableConfig options, String groupId, boolean bounded) {
        return env.fromSource(modelUpdatesSource(kafka, groupId + "-model", bounded,
                        options.get(ScorerOptions.READ_UNCOMMITTED_UPDATES)),
                WatermarkStrategy.noWatermarks(), "model-updates").uid("model-updates-source").setParallelism(1);
    }

    /** Answers to scored-candidates and dead letters to theirs, exactly once. */
    public static ScorerSinks kafkaSinks(KafkaConnection kafka, String groupId) {
        return new ScorerSinks(
                answers -> answers.sinkTo(KafkaSinks.exactlyOnce(kafka, Topics.SCORED_CANDIDATES,
                                a -> KeyCodec.userKey(a.getUserId()), groupId + "-scored"))
                        .name("scored-candidates-sink").uid("scored-candidates-sink"),
                dead -> dead.sinkTo(KafkaSinks.exactlyOnce(kafka, Topics.DEAD_LETTERS,
                                d -> KeyCodec.stringKey(d.getSourceTopic()), groupId + "-dead-letters"))
                        .name("scorer-dead-letters-sink").uid("scorer-dead-letters-sink"));
    }

    /**
     * Model updates from the newest complete FULL snapshot on (a follower needs it and what follows it; see
     * {@link NewestSnapshotOffsets}): as the trainer writes them ({@code uncommitted}), or once the learning job's
     * checkpoint commits them. An undecodable record is logged and skipped: it cannot be applied, and the next FULL
     * repairs the model.
     */
    public static KafkaSource<ModelUpdate> modelUpdatesSource(KafkaConnection kafka, String groupId, boolean bounded,
                                                              boolean uncommitted) {
        var builder = KafkaSource.<ModelUpdate>builder()
                .setProperties(kafka.toProperties())
                .setTopics(Topics.MODEL_UPDATES.name())
                .setGroupId(groupId)
                .setClientIdPrefix(groupId)
                .setStartingOffsets(NewestSnapshotOffsets.of(kafka))
                .setValueOnlyDeserializer(new ModelUpdateDeserializer())
                .setProperty("isolation.level", uncommitted ? "read_uncommitted" : "read_committed");
        if (bounded) {
            // a bounded source discovers no partitions (the builder sets that itself, with a warning if asked twice)
            builder.setBounded(OffsetsInitializer.latest());
        } else {
            builder.setProperty("partition.discovery.interval.ms", "60000");
        }
        return builder.build();
    }

    static final class ModelUpdateDeserializer implements DeserializationSchema<ModelUpdate> {
        private static final Logger LOG = LoggerFactory.getLogger(ModelUpdateDeserializer.class);
        private final AvroCodec<ModelUpdate> codec = Topics.MODEL_UPDATES.values();

        @Override
        public ModelUpdate deserialize(byte[] message) throws IOException {
            throw new UnsupportedOperationException("the collector variant is used");
        }

        @Override
        public void deserialize(byte[] message, Collector<ModelUpdate> out) {
            try {
                out.collect(codec.decode(message));
            } catch (DecodeException e) {
                LOG.warn("skipping an undecodable model update ({} bytes): {}", message == null ? 0 : message.length,
                        e.getMessage());
            }
        }

        @Override
        public boolean isEndOfStream(ModelUpdate next) {
            return false;
        }

        @Override
        public TypeInformation<ModelUpdate> getProducedType() {
            return new AvroTypeInfo<>(ModelUpdate.class);
        }
    }

    /** Submits the scoring job to a cluster; its arguments are {@link JobArguments}'. */
    public static void main(String[] args) throws Exception {
        prepare(args).execute("istream scorer");
    }

    /**
     * Parses the arguments, prints the effective configuration and defines the job's graph ({@link JobMain}). The
     * model itself comes from the model-updates topic: its FULL updates carry the trainer's model configuration.
     */
    static StreamExecutionEnvironment prepare(String[] args) {
        return JobMain.prepare(args, "istream scorer", "istream-scorer", keys(),
                options -> JobOptions.describe(IngestionOptions.ALL, options) + ScorerOptions.describe(options),
                ScorerJob::defineKafkaWorkflow);
    }

    /** Every option key the scorer reads: ingestion's and its own. */
    public static List<String> keys() {
        List<String> keys = new ArrayList<>();
        IngestionOptions.ALL.forEach(o -> keys.add(o.key()));
        ScorerOptions.ALL.forEach(o -> keys.add(o.key()));
        return keys;
    }
}
