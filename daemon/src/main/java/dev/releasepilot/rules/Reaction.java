package dev.releasepilot.rules;

/**
 * What a fired trigger makes the daemon do for its service. STEP_BACK (with a rollout only) returns the
 * release to its previous step's weight and holds there again, so a marginal signal costs a step, not
 * the release.
 */
public enum Reaction {
    ROLLBACK, PAUSE, NOTIFY, STEP_BACK;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
