package io.istream.schemas;

import java.io.Serializable;
import org.apache.avro.specific.SpecificRecord;

/**
 * One Kafka topic of the system: its name, what its key is, and the codec of its values.
 *
 * @param name       the topic name; nothing else in the code base spells it
 * @param key        how records are keyed
 * @param values     the codec of the record values
 * @param description what flows through it, for the README and the printed configuration
 */
public record Topic<V extends SpecificRecord>(String name, KeyCodec key, AvroCodec<V> values, String description)
        implements Serializable {
}
