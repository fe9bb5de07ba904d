package io.istream.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** How a topic's keys are written. User-keyed topics keep each user's events in order within one partition. */
public enum KeyCodec {
    /** The user id as 8 bytes, big-endian (Kafka's LongSerializer format). */
    USER_ID,
    /** A UTF-8 string, e.g. the source topic of a dead letter or the model name of an update. */
    STRING;

    public static byte[] userKey(long userId) {
        return ByteBuffer.allocate(Long.BYTES).putLong(userId).array();
    }

    /** The user id of a USER_ID key, or {@code null} if the key is not 8 bytes. */
    public static Long userIdOf(byte[] key) {
        return key != null && key.length == Long.BYTES ? ByteBuffer.wrap(key).getLong() : null;
    }

    public static byte[] stringKey(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
