package dev.releasepilot.rules.promql;

/** The comparison that ends every {@code expr:} and {@code requires:}. */
public enum ComparisonOp {
    GT(">"), LT("<"), GE(">="), LE("<="), EQ("=="), NE("!=");

    private final String symbol;

    ComparisonOp(String symbol) {
        this.symbol = symbol;
    }

    public String symbol() {
        return symbol;
    }

    /** PromQL semantics: any comparison with NaN is false (callers treat NaN as missing data first). */
    public boolean test(double a, double b) {
        return switch (this) {
            case GT -> a > b;
            case LT -> a < b;
            case GE -> a >= b;
            case LE -> a <= b;
            case EQ -> a == b;
            case NE -> a != b;
        };
    }
}
