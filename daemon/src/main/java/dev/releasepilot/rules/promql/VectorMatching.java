package dev.releasepilot.rules.promql;

import dev.releasepilot.rules.matcher.LabelNames;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How the elements of two vectors pair up in a binary operation: {@code on (a, b)} on those labels
 * only, {@code ignoring (a, b)} on all labels but those (and the metric name). Without a modifier
 * PromQL matches on all labels but the metric name, which is {@link #DEFAULT}, {@code ignoring ()}.
 * Only one-to-one matching: {@code group_left}/{@code group_right} are outside the subset.
 *
 * @param on     true for {@code on (...)}, false for {@code ignoring (...)} and the default
 * @param labels the listed label names, in the order written
 */
public record VectorMatching(boolean on, List<String> labels) {
    public static final VectorMatching DEFAULT = new VectorMatching(false, List.of());

    public VectorMatching {
        labels = List.copyOf(labels);
    }

    /** The modifier as written after an operator, with a leading space; empty for the default. */
    @Override
    public String toString() {
        if (!on && labels.isEmpty()) {
            return "";
        }
        return (on ? " on (" : " ignoring (") + labels.stream().map(LabelNames::format)
                .collect(Collectors.joining(", ")) + ")";
    }
}
