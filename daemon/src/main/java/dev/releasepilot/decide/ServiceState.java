package dev.releasepilot.decide;

/** Where a service stands. ROLLED_BACK is sticky until a human resumes or a new release arrives. */
public enum ServiceState {
    STEADY, CANARY, DEGRADED, ROLLING_BACK, ROLLED_BACK, PAUSED, FROZEN
}
