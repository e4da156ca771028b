package dev.releasepilot.rules.promql;

/**
 * A parsed expression of the PromQL subset Release Pilot evaluates (see docs/windows.md). The set is
 * closed: anything PromQL has beyond these nodes is rejected by {@link PromqlParser} with a message.
 * {@code toString()} renders canonical PromQL, so equal expressions print alike.
 */
public sealed interface Expr permits NumberLiteral, VectorSelector, RangeFunctionCall, HistogramQuantile,
        Aggregation, Arithmetic {

    /** True when the expression is a plain number (literals and arithmetic on them): it selects no data. */
    default boolean isNumber() {
        return false;
    }
}
