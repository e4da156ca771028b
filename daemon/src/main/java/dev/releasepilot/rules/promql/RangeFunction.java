package dev.releasepilot.rules.promql;

/** The functions of the subset that take a range selector such as {@code metric[1m]}. */
public enum RangeFunction {
    RATE("rate"),
    INCREASE("increase"),
    AVG_OVER_TIME("avg_over_time"),
    MIN_OVER_TIME("min_over_time"),
    MAX_OVER_TIME("max_over_time"),
    SUM_OVER_TIME("sum_over_time"),
    COUNT_OVER_TIME("count_over_time"),
    LAST_OVER_TIME("last_over_time");

    private final String promqlName;

    RangeFunction(String promqlName) {
        this.promqlName = promqlName;
    }

    public String promqlName() {
        return promqlName;
    }

    /** The function with this PromQL name, or null. */
    static RangeFunction named(String name) {
        for (RangeFunction f : values()) {
            if (f.promqlName.equals(name)) {
                return f;
            }
        }
        return null;
    }
}
