package dev.releasepilot.decide;

/** Where one expr trigger stands, as tracked by {@link ConditionTracker}. */
public enum ConditionState {
    /** The condition does not hold. */
    OK,
    /** The condition holds, but not yet for its {@code for} duration. */
    PENDING,
    /** The condition has held for {@code for}; stays FIRING until false for {@code clear_for}. */
    FIRING,
    /** Nothing to judge (no samples, too few, NaN, or the requires guard failed): neither healthy nor failing. */
    NO_DATA,
    /**
     * The last evaluation threw (a bug, a broken rule): neither healthy nor firing until one succeeds
     * again. Set by {@link ExprTriggerRun}, never by the tracker.
     */
    ERROR
}
