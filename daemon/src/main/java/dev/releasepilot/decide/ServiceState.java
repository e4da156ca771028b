package dev.releasepilot.decide;

/**
 * Where a service stands. ROLLED_BACK is sticky until a human resumes or a new release arrives.
 * ROLLBACK_BLOCKED is a rollback that is decided but held because no stable server can serve (the
 * canary keeps its traffic rather than every request failing); it completes by itself as soon as a
 * stable server can serve.
 */
public enum ServiceState {
    STEADY, CANARY, DEGRADED, ROLLING_BACK, ROLLBACK_BLOCKED, ROLLED_BACK, PAUSED, FROZEN;

    /** A rollback is decided and not yet read back from the LB. */
    public boolean rollbackPending() {
        return this == ROLLING_BACK || this == ROLLBACK_BLOCKED;
    }
}
