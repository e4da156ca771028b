package dev.releasepilot.rules.promql;


import dev.releasepilot.rules.matcher.Matcher;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code metric{label="v", code=~"5.."}}: the series of one metric whose labels satisfy every
 * matcher. The metric name is required (it keys the selector index); matchers are kept in a canonical
 * order so that selectors written differently but meaning the same compare equal.
 */
public record VectorSelector(String metric, List<Matcher> matchers) implements Expr {
    public VectorSelector {
        matchers = matchers.stream()
                .sorted((a, b) -> a.toString().compareTo(b.toString()))
                .distinct()
                .collect(Collectors.toUnmodifiableList());
    }

    @Override
    public String toString() {
        return matchers.isEmpty() ? metric
                : metric + matchers.stream().map(Matcher::toString).collect(Collectors.joining(",", "{", "}"));
    }
}
