package dev.releasepilot.act;

/** Why an actuation did not happen. {@code retryable} says whether trying again can help. */
public final class ActuationFailure extends RuntimeException {
    /** A bounded metric label; docs/backends.md says which LB answer maps to which reason. */
    public enum Reason {
        /** Nothing listens (connection refused, unknown host, NGINX master not running). */
        CONNECT,
        /** No complete answer before the deadline; the command's process group was killed for exec. */
        TIMEOUT,
        /** The LB said no in a way that repeats (bad config, unknown server, 4xx, exit code != 75). */
        REJECTED,
        /** The LB accepted the change but the read-back shows other weights. */
        VERIFY_MISMATCH,
        /** An answer we cannot understand. */
        PROTOCOL,
        /** The LB answered with a temporary error (5xx, 429, exec exit 75 = EX_TEMPFAIL). */
        SERVER_ERROR,
        /** The circuit breaker is open: the call was not attempted. */
        CIRCUIT_OPEN,
        /** Too many commands queued for one actuator: the call was not attempted. */
        BUSY,
        /** The backend offers no way to read its weights (an http backend without {@code read:}): nothing was sent. */
        UNREADABLE
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
        return reason != Reason.REJECTED && reason != Reason.UNREADABLE;
    }
}
