package dev.releasepilot.rules.promql;

import java.util.Locale;

/** The aggregation operators of the subset. */
public enum AggregationOp {
    SUM, AVG, MIN, MAX, COUNT;

    public String promqlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The operator with this PromQL name, or null. */
    static AggregationOp named(String name) {
        for (AggregationOp op : values()) {
            if (op.promqlName().equals(name)) {
                return op;
            }
        }
        return null;
    }
}
