package dev.releasepilot.rules.promql;

import java.time.Duration;

/** {@code rate(metric{...}[1m])} and friends: one value per selected series from its samples in the range. */
public record RangeFunctionCall(RangeFunction function, VectorSelector selector, Duration range) implements Expr {
    @Override
    public String toString() {
        return function.promqlName() + "(" + selector + "[" + PromqlDurations.format(range) + "])";
    }
}
