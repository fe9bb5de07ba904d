package io.istream.ingestion.source;

import io.istream.avro.DeadLetter;
import io.istream.avro.IngestedEvent;
import io.istream.ingestion.decode.EventDecoder;
import io.istream.schemas.DeadLetterReason;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes and validates at the source, so that invalid timestamps never reach the watermark generator.
 * Emits exactly one {@link IngestedEvent} per Kafka record and never throws.
 *
 * <p>Metrics (group {@code istream.ingestion}): {@code recordsIn}, {@code recordsPassed}, {@code deadLetters},
 * and {@code deadLetters} under {@code reason=<code>}. recordsIn = recordsPassed + deadLetters at all times.
 */
public final class EventDeserializer implements KafkaRecordDeserializationSchema<IngestedEvent> {
    private final EventDecoder decoder;
    private transient Counter recordsIn;
    private transient Counter recordsPassed;
    private transient Counter deadLetters;
    private transient MetricGroup metrics;
    private transient Map<DeadLetterReason, Counter> deadLettersByReason;

    public EventDeserializer(EventDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        metrics = context.getMetricGroup().addGroup("istream").addGroup("ingestion");
        recordsIn = metrics.counter("recordsIn");
        recordsPassed = metrics.counter("recordsPassed");
        deadLetters = metrics.counter("deadLetters");
        deadLettersByReason = new EnumMap<>(DeadLetterReason.class);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<IngestedEvent> out) {
        IngestedEvent event = decoder.decode(record.topic(), record.partition(), record.offset(), record.key(),
                record.value(), System.currentTimeMillis());
        if (recordsIn != null) {
            recordsIn.inc();
            if (event.getPayload() instanceof DeadLetter dead) {
                deadLetters.inc();
                DeadLetterReason reason = DeadLetterReason.valueOf(dead.getReasonCode());
                deadLettersByReason.computeIfAbsent(reason,
                        r -> metrics.addGroup("reason", r.name()).counter("deadLetters")).inc();
            } else {
                recordsPassed.inc();
            }
        }
        out.collect(event);
    }

    @Override
    public TypeInformation<IngestedEvent> getProducedType() {
        return new AvroTypeInfo<>(IngestedEvent.class);
    }
}
