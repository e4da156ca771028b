package dev.releasepilot.window;

/**
 * An {@code expr:} trigger's answer at one instant: its own comparison, gated by the {@code requires}
 * guard. While the guard does not hold (FALSE or NO_DATA) the outcome is NO_DATA, whatever expr says.
 *
 * @param requires null when the trigger has no guard
 */
public record TriggerVerdict(Outcome outcome, Verdict expr, Verdict requires) {
    static TriggerVerdict of(Verdict expr, Verdict requires) {
        Outcome o = requires != null && requires.outcome() != Outcome.TRUE ? Outcome.NO_DATA : expr.outcome();
        return new TriggerVerdict(o, expr, requires);
    }
}
