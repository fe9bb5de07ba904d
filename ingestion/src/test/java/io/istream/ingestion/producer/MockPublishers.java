package io.istream.ingestion.producer;

import io.istream.ingestion.validate.ValidationLimits;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.MockProducer;

/** Publishers on a {@link MockProducer}, for tests of what drives a publisher (replays, generators). */
public final class MockPublishers {
    private MockPublishers() {
    }

    public static EventPublisher on(MockProducer<byte[], byte[]> producer, LongSupplier clock) {
        return new EventPublisher(producer, ValidationLimits.defaults(), clock);
    }
}
