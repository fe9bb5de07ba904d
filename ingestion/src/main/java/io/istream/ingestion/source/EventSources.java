package io.istream.ingestion.source;

import io.istream.avro.IngestedEvent;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.decode.EventDecoder;
import io.istream.schemas.Topic;
import java.util.List;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** Builds the Kafka source of input events. */
public final class EventSources {
    private EventSources() {
    }

    /**
     * @param bounded stop at the end offsets seen at start (tests, benchmarks); otherwise run forever
     */
    public static KafkaSource<IngestedEvent> kafka(KafkaConnection kafka, List<Topic<?>> topics, String groupId,
                                                   StartingPosition start, boolean bounded, EventDecoder decoder) {
        KafkaSourceBuilder<IngestedEvent> builder = KafkaSource.<IngestedEvent>builder()
                .setProperties(kafka.toProperties())
                .setTopics(topics.stream().map(Topic::name).toList())
                .setGroupId(groupId)
                .setClientIdPrefix(groupId)
                .setStartingOffsets(switch (start) {
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                    case COMMITTED_OR_EARLIEST -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                })
                .setDeserializer(new EventDeserializer(decoder))
                // only what exactly-once producers committed (DESIGN decision 5)
                .setProperty("isolation.level", "read_committed");
        if (bounded) {
            // a bounded source discovers no partitions (the builder sets that itself, with a warning if asked twice)
            builder.setBounded(OffsetsInitializer.latest());
        } else {
            builder.setProperty("partition.discovery.interval.ms", "60000");
        }
        return builder.build();
    }
}
