package io.istream.ingestion.decode;

import io.istream.avro.DeadLetter;
import io.istream.schemas.DeadLetterReason;
import java.nio.ByteBuffer;

/** Builds dead letters. Messages are cut to a bounded length so a hostile record cannot bloat the topic. */
public final class DeadLetters {
    private static final int MAX_MESSAGE_CHARS = 1000;

    private DeadLetters() {
    }

    public static DeadLetter of(String sourceTopic, int partition, long offset, byte[] raw, DeadLetterReason reason,
                                String message, long nowMs) {
        String text = message == null ? reason.description() : message;
        if (text.length() > MAX_MESSAGE_CHARS) {
            text = text.substring(0, MAX_MESSAGE_CHARS) + "...";
        }
        return DeadLetter.newBuilder()
                .setSourceTopic(sourceTopic == null ? "" : sourceTopic)
                .setPartition(partition)
                .setOffset(offset)
                .setRaw(ByteBuffer.wrap(raw == null ? new byte[0] : raw))
                .setReasonCode(reason.name())
                .setReasonMessage(text)
                .setTimeMs(nowMs)
                .build();
    }
}
