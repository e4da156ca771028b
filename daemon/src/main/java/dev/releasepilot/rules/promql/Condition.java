package dev.releasepilot.rules.promql;

/**
 * A whole {@code expr:} or {@code requires:}: exactly one comparison at the top, never nested, and at
 * least one side selects data (PromQL needs {@code bool} to compare two numbers, which the subset omits).
 */
public record Condition(Expr lhs, ComparisonOp op, Expr rhs) {
    @Override
    public String toString() {
        return lhs + " " + op.symbol() + " " + rhs;
    }
}
