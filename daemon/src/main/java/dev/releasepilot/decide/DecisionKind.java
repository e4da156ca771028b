package dev.releasepilot.decide;

/** The kinds of decision, a bounded metric label. */
public enum DecisionKind {
    ROLLBACK, WOULD_ROLLBACK, PAUSE, WOULD_PAUSE, NOTIFY, SUPPRESSED, RESUME, RELEASE;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
