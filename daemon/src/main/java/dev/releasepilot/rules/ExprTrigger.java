package dev.releasepilot.rules;


import dev.releasepilot.rules.promql.Condition;
import java.time.Duration;

/**
 * A PromQL-subset condition over streamed samples, parsed at load time.
 *
 * @param expr        the text as written, for display and the journal
 * @param condition   the parsed {@code expr:}
 * @param forDuration how long the condition must hold (in event time) before the trigger fires
 * @param requires    the parsed {@code requires:} guard, or null: while it does not hold the trigger is
 *                    NO_DATA, never healthy and never failing
 * @param clearFor    how long the condition must stay false before a firing trigger clears (exit
 *                    hysteresis); zero clears at the first false evaluation
 */
public record ExprTrigger(String name, String expr, Condition condition, Duration forDuration, Condition requires,
                          Duration clearFor) implements Trigger {
}
