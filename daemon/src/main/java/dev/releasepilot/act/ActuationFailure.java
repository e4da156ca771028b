package dev.releasepilot.act;

/** Why an actuation did not happen. {@code retryable} says whether trying again can help. */
public final class ActuationFailure extends RuntimeException {
    public enum Reason {
        CONNECT, TIMEOUT, REJECTED, VERIFY_MISMATCH, PROTOCOL
    }

    private final Reason reason;

    public ActuationFailure(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** A rejected command (unknown server, permission denied) fails the same way every time. */
    public boolean retryable() {
        return reason != Reason.REJECTED;
    }
}
