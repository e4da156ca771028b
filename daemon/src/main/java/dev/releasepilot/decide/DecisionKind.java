package dev.releasepilot.decide;

/**
 * The kinds of decision, a bounded metric label. ROLLBACK_BLOCKED: a decided rollback is held because
 * no stable server can serve; its evidence is what the load balancer reported.
 */
public enum DecisionKind {
    ROLLBACK, WOULD_ROLLBACK, PAUSE, WOULD_PAUSE, NOTIFY, SUPPRESSED, RESUME, RELEASE, ROLLBACK_BLOCKED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
