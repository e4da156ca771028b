package dev.releasepilot.decide;

import dev.releasepilot.window.Outcome;
import java.time.Duration;

/**
 * Turns successive evaluations of one expr trigger into OK / PENDING / FIRING / NO_DATA, in event
 * time only (the timestamps of the evaluations, never a clock), so a replayed stream gives the same
 * transitions as the live one.
 *
 * <ul>
 *   <li>TRUE starts (or continues) PENDING; once it has held for {@code for} the trigger FIRES.
 *       {@code for} = 0 fires at the first TRUE.</li>
 *   <li>A firing episode ends only after the condition was FALSE continuously for {@code clear_for}
 *       (exit hysteresis); meanwhile the state stays FIRING.</li>
 *   <li>NO_DATA (data missing, or the requires guard failed) is its own state: it interrupts a pending
 *       {@code for} and a running {@code clear_for} (both start over), but does not end a firing
 *       episode — a trigger that fired and then lost its data was never seen healthy again, so a
 *       later TRUE is FIRING at once and is not reported as a new episode.</li>
 *   <li>Evaluations older than the last one are ignored.</li>
 * </ul>
 * Not thread-safe: it belongs to the service's context, like the rest of decide.
 */
public final class ConditionTracker {
    private static final long NONE = Long.MIN_VALUE;

    private final long forMs;
    private final long clearForMs;
    private ConditionState state = ConditionState.NO_DATA; // nothing evaluated yet: nothing known
    private long sinceMs = NONE;
    private long lastMs = NONE;
    private long pendingSinceMs = NONE;
    private long clearingSinceMs = NONE;
    private boolean episode;

    public ConditionTracker(Duration forDuration, Duration clearFor) {
        if (forDuration.isNegative() || clearFor.isNegative()) {
            throw new IllegalArgumentException("for and clear_for cannot be negative");
        }
        this.forMs = forDuration.toMillis();
        this.clearForMs = clearFor.toMillis();
    }

    public ConditionStatus observe(long eventMs, Outcome outcome) {
        if (lastMs != NONE && eventMs < lastMs) {
            return new ConditionStatus(state, sinceMs, false, false);
        }
        lastMs = eventMs;
        boolean fired = false;
        boolean cleared = false;
        switch (outcome) {
            case NO_DATA:
                pendingSinceMs = NONE;
                clearingSinceMs = NONE;
                enter(ConditionState.NO_DATA, eventMs);
                break;
            case TRUE:
                clearingSinceMs = NONE;
                if (episode) {
                    enter(ConditionState.FIRING, eventMs);
                    break;
                }
                if (pendingSinceMs == NONE) {
                    pendingSinceMs = eventMs;
                }
                if (eventMs - pendingSinceMs >= forMs) {
                    episode = true;
                    fired = true;
                    pendingSinceMs = NONE;
                    enter(ConditionState.FIRING, eventMs);
                } else {
                    enter(ConditionState.PENDING, eventMs);
                }
                break;
            default: // FALSE
                pendingSinceMs = NONE;
                if (!episode) {
                    enter(ConditionState.OK, eventMs);
                    break;
                }
                if (clearingSinceMs == NONE) {
                    clearingSinceMs = eventMs;
                }
                if (eventMs - clearingSinceMs >= clearForMs) {
                    episode = false;
                    cleared = true;
                    clearingSinceMs = NONE;
                    enter(ConditionState.OK, eventMs);
                } else {
                    enter(ConditionState.FIRING, eventMs);
                }
        }
        return new ConditionStatus(state, sinceMs, fired, cleared);
    }

    private void enter(ConditionState next, long eventMs) {
        if (next != state || sinceMs == NONE) {
            state = next;
            sinceMs = eventMs;
        }
    }

    public ConditionState state() {
        return state;
    }

    /** Event time at which the pending {@code for} started, or Long.MIN_VALUE when not pending. */
    public long pendingSinceMs() {
        return pendingSinceMs;
    }

    /** Event time at which a firing trigger's condition turned false, or Long.MIN_VALUE when it has not. */
    public long clearingSinceMs() {
        return clearingSinceMs;
    }
}
