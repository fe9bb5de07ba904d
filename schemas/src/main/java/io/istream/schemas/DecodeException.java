package io.istream.schemas;

/** A record that cannot be decoded, with the dead-letter reason that says why. */
public final class DecodeException extends Exception {
    private final DeadLetterReason reason;

    public DecodeException(DeadLetterReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DecodeException(DeadLetterReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
