package dev.releasepilot.rules.promql;

import dev.releasepilot.rules.matcher.LabelNames;
import dev.releasepilot.rules.matcher.Matcher;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code metric{label="v", code=~"5.."}}: the series of one metric whose labels satisfy every
 * matcher. {@code metric} is null for a name-less selector such as {@code {__name__=~"http_.*_total",
 * job="api"}}: its matchers (which then may include {@code __name__} matchers) pick the series of any
 * metric, and at least one of them does not match the empty string. Matchers are kept in a canonical
 * order so that selectors written differently but meaning the same compare equal.
 */
public record VectorSelector(String metric, List<Matcher> matchers) implements Expr {
    public VectorSelector {
        matchers = matchers.stream()
                .sorted((a, b) -> a.toString().compareTo(b.toString()))
                .distinct()
                .collect(Collectors.toUnmodifiableList());
        if (metric == null && matchers.isEmpty()) {
            throw new IllegalArgumentException("a selector without a metric name needs matchers");
        }
    }

    /** Whether the selector names its metric (and so is found by metric name alone). */
    public boolean hasMetric() {
        return metric != null;
    }

    /** PromQL text: {@code m{...}}, or {@code {"metric.name", ...}} / {@code {...}} as Prometheus 3 writes them. */
    @Override
    public String toString() {
        String body = matchers.stream().map(Matcher::toString).collect(Collectors.joining(","));
        if (metric != null && isClassicMetricName(metric)) {
            return matchers.isEmpty() ? metric : metric + "{" + body + "}";
        }
        String name = metric == null ? "" : LabelNames.quote(metric);
        return "{" + name + (!name.isEmpty() && !body.isEmpty() ? "," : "") + body + "}";
    }

    private static boolean isClassicMetricName(String name) {
        // A keyword such as `on` is a valid name but cannot stand bare: `on{...}` would not parse back.
        return LabelNames.isClassic(name.replace(':', '_')) && !PromqlParser.KEYWORDS.contains(name);
    }
}
