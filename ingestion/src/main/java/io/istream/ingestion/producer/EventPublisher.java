package io.istream.ingestion.producer;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.avro.ScoreRequest;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.validate.EventValidator;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.schemas.KeyCodec;
import io.istream.schemas.Topic;
import io.istream.schemas.Topics;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The typed API other applications use to publish events. Each event is validated exactly as ingestion will
 * validate it (an invalid one throws {@link InvalidEventException} here instead of becoming a dead letter),
 * encoded with the catalogue's codec, keyed by user id (so a user's events stay in order in one partition) and
 * timestamped with its event time. The producer is idempotent with acks=all: a retry never duplicates.
 *
 * <p>Thread-safe, like the KafkaProducer it wraps.
 */
public final class EventPublisher implements AutoCloseable {
    private final Producer<byte[], byte[]> producer;
    private final EventValidator validator;
    private final LongSupplier clock;
    private final java.util.concurrent.atomic.AtomicLong failedSends = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<Exception> firstFailure =
            new java.util.concurrent.atomic.AtomicReference<>();

    public EventPublisher(KafkaConnection kafka, ValidationLimits limits) {
        this(new KafkaProducer<>(producerProperties(kafka), new ByteArraySerializer(), new ByteArraySerializer()),
                limits, System::currentTimeMillis);
    }

    EventPublisher(Producer<byte[], byte[]> producer, ValidationLimits limits, LongSupplier clock) {
        this.producer = producer;
        this.validator = new EventValidator(limits);
        this.clock = clock;
    }

    static Properties producerProperties(KafkaConnection kafka) {
        Properties props = kafka.toProperties();
        props.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "istream-publisher");
        return props;
    }

    public Future<RecordMetadata> publish(Impression event) {
        return send(Topics.IMPRESSIONS, event, event.getUserId(), event.getEventTimeMs());
    }

    public Future<RecordMetadata> publish(Click event) {
        return send(Topics.CLICKS, event, event.getUserId(), event.getEventTimeMs());
    }

    public Future<RecordMetadata> publish(Behavior event) {
        return send(Topics.BEHAVIORS, event, event.getUserId(), event.getEventTimeMs());
    }

    public Future<RecordMetadata> publish(ScoreRequest event) {
        return send(Topics.SCORE_REQUESTS, event, event.getUserId(), event.getEventTimeMs());
    }

    /** Publishes any input event (Impression, Click, Behavior or ScoreRequest). */
    public Future<RecordMetadata> publish(SpecificRecord event) {
        if (event instanceof Impression i) {
            return publish(i);
        } else if (event instanceof Click c) {
            return publish(c);
        } else if (event instanceof Behavior b) {
            return publish(b);
        } else if (event instanceof ScoreRequest r) {
            return publish(r);
        }
        throw new IllegalArgumentException("not an input event: " + event.getClass().getName());
    }

    private <V extends SpecificRecord> Future<RecordMetadata> send(Topic<V> topic, V event, long userId, long timeMs) {
        validator.validate(event, clock.getAsLong()).ifPresent(v -> {
            throw new InvalidEventException(v);
        });
        return producer.send(new ProducerRecord<>(topic.name(), null, timeMs, KeyCodec.userKey(userId),
                topic.values().encode(event)), (metadata, error) -> {
                    if (error != null) {
                        failedSends.incrementAndGet();
                        firstFailure.compareAndSet(null, error);
                    }
                });
    }

    /** Sends that failed after all retries, since the publisher was created. */
    public long failedSends() {
        return failedSends.get();
    }

    /**
     * Waits until everything published so far is acknowledged.
     *
     * @throws IllegalStateException if any event could not be delivered: callers that ignore the futures of
     *                               {@code publish} still learn that events were lost
     */
    public void flush() {
        producer.flush();
        if (failedSends.get() > 0) {
            throw new IllegalStateException(failedSends.get() + " events could not be delivered; the first error: "
                    + firstFailure.get(), firstFailure.get());
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
