package dev.releasepilot.decide;

/**
 * The kinds of decision, a bounded metric label. ROLLBACK_BLOCKED: a decided rollback is held because
 * no stable server can serve; its evidence is what the load balancer reported. STEP_BACK: a rollout
 * returns to its previous step's weight (the trigger's {@code on_trigger: step_back}).
 */
public enum DecisionKind {
    ROLLBACK, WOULD_ROLLBACK, PAUSE, WOULD_PAUSE, NOTIFY, SUPPRESSED, RESUME, RELEASE, ROLLBACK_BLOCKED, STEP_BACK;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
