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
        /**
         * A rollback held back: the LB answered, but no stable server could take the traffic (maintenance,
         * drain, failing health check), so draining the canary would turn every request into an error.
         * Not a fault of the LB: the circuit breaker ignores it and no quick retry follows; the caller
         * keeps checking. {@link #observed()} holds what the LB reported.
         */
        STABLE_UNAVAILABLE,
        /** The backend offers no way to read its weights (an http backend without {@code read:}): nothing was sent. */
        UNREADABLE
    }

    private final Reason reason;
    private final Weights observed;
    private final int attempts;

    public ActuationFailure(Reason reason, String message) {
        this(reason, message, null);
    }

    /** @param observed what the LB reported when it said no, as evidence; null when nothing was read */
    public ActuationFailure(Reason reason, String message, Weights observed) {
        this(reason, message, observed, 1);
    }

    private ActuationFailure(Reason reason, String message, Weights observed, int attempts) {
        super(message, null, false, false);
        this.reason = reason;
        this.observed = observed;
        this.attempts = attempts;
    }

    /** The same failure, as the last of {@code attempts} tries ({@link RetryingActuator}). */
    public ActuationFailure afterAttempts(int attempts) {
        return new ActuationFailure(reason, getMessage(), observed, attempts);
    }

    /** How many quick tries ended in this failure (1 without a {@link RetryingActuator}). */
    public int attempts() {
        return attempts;
    }

    /** What the LB reported (weights and server health), or null. */
    public Weights observed() {
        return observed;
    }

    public Reason reason() {
        return reason;
    }

    /**
     * Whether trying again can help: a rejected command (unknown server, permission denied) fails the
     * same way every time, and stable servers that cannot serve need a change on the LB, not another try.
     */
    public boolean retryable() {
        return reason != Reason.REJECTED && reason != Reason.STABLE_UNAVAILABLE && reason != Reason.UNREADABLE;
    }
}
