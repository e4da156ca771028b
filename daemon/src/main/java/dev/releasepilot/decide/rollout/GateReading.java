package dev.releasepilot.decide.rollout;

import dev.releasepilot.decide.ConditionState;
import java.time.Duration;
import java.time.Instant;

/**
 * One gate as the plan judges it: the state of the trigger it names, whatever its kind (expr, alert,
 * probe, judge: every kind reports OK / PENDING / FIRING / NO_DATA), and when it was last evaluated.
 *
 * @param evaluatedAt when the trigger was last evaluated (event time for expr triggers), or null
 * @param freshWithin how old that evaluation may be at a step boundary and still count: about two of the
 *                    trigger's evaluation intervals
 * @param detail      a value or a reason, for the evidence; may be null
 */
public record GateReading(String trigger, ConditionState state, Instant evaluatedAt, Duration freshWithin, String detail) {
    /** Passing: evaluated with data (its guard holds) and neither pending nor firing. */
    public boolean passes() {
        return state == ConditionState.OK;
    }

    /** Failing: the trigger's condition holds (pending its {@code for}, or firing). */
    public boolean fails() {
        return state == ConditionState.PENDING || state == ConditionState.FIRING;
    }

    /** Its latest evaluation is recent enough at {@code now} to let a step complete on it. */
    public boolean freshAt(Instant now) {
        return evaluatedAt != null && !evaluatedAt.isBefore(now.minus(freshWithin));
    }
}
