package dev.releasepilot.rules.promql;

import dev.releasepilot.rules.matcher.LabelNames;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code sum by (le) (expr)}: aggregates the elements of an instant vector into one element per
 * distinct combination of the {@code by} labels (one element in all when {@code by} is empty).
 */
public record Aggregation(AggregationOp op, List<String> by, Expr argument) implements Expr {
    public Aggregation {
        by = List.copyOf(by);
    }

    @Override
    public String toString() {
        return op.promqlName() + (by.isEmpty() ? "" : " by (" + by.stream().map(LabelNames::format)
                .collect(Collectors.joining(", ")) + ")") + " (" + argument + ")";
    }
}
