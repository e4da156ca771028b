package dev.releasepilot.rules.promql;

/** A number such as {@code 0.02}, {@code 20} or {@code 1e3}. */
public record NumberLiteral(double value) implements Expr {
    @Override
    public boolean isNumber() {
        return true;
    }

    @Override
    public String toString() {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
