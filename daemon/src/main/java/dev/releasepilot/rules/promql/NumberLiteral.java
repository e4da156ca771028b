package dev.releasepilot.rules.promql;

/** A number such as {@code 0.02}, {@code 20} or {@code 1e3}. */
public record NumberLiteral(double value) implements Expr {
    @Override
    public boolean isNumber() {
        return true;
    }

    /** PromQL's spelling, so the text parses back to the same value: {@code Inf}, {@code NaN}, {@code -0}. */
    @Override
    public String toString() {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Inf" : "-Inf";
        }
        if (value == 0 && Double.doubleToRawLongBits(value) != 0) {
            return "-0";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
