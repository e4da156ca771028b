package dev.releasepilot.decide;

import java.util.Locale;

/** Which way the load balancer and a service's own state disagree; a bounded metric label. */
public enum DriftDirection {
    /** The service holds a rollback, the LB no longer does (a reload, a hand edit): repaired automatically. */
    LB_LOST_ROLLBACK,
    /**
     * The LB is rolled back (no canary weight) while the service says its release is live (CANARY): a
     * rollback done by hand, or one whose record was lost. Reported only: undoing a rollback someone
     * made on purpose could send users back to a bad canary.
     */
    LB_ROLLED_BACK,
    /** A rollout step's weights, once read back, are no longer what the LB holds (a reload): re-applied. */
    LB_LOST_STEP;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static DriftDirection fromLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
