package dev.releasepilot.window;

import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.AggregationOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One aggregation's groups at one instant, filled one (labels, value) pair at a time: either from an
 * instant vector, or straight from the series a range function or selector visits, so that
 * {@code sum(rate(x[1m]))} over 100,000 series builds no element per series, only one per group.
 * Groups come out in the order they were first seen, as from a vector of the same elements.
 *
 * <p>Single owner, like the {@link Windows} whose group-key cache it uses.
 */
final class Grouping {
    private final AggregationOp op;
    private final List<String> by;
    private final Keys keys; // null without `by`: one group, no lookup
    private final Map<Labels, Group> groups = new LinkedHashMap<>();
    private Group all;
    private int added;

    Grouping(Aggregation a, Windows windows) {
        this.op = a.op();
        this.by = a.by();
        this.keys = by.isEmpty() ? null : windows.groupKeys(a);
    }

    void add(Labels labels, double value) {
        added++;
        if (keys == null) {
            if (all == null) {
                all = new Group();
                groups.put(Labels.empty(), all);
            }
            all.add(value);
            return;
        }
        Labels key = keys.bySeries.get(labels);
        if (key == null) {
            key = keys.canonical.computeIfAbsent(labels.keep(by), k -> k);
            keys.bySeries.put(labels, key);
        }
        Group g = groups.get(key);
        if (g == null) {
            g = new Group();
            groups.put(key, g);
        }
        g.add(value);
    }

    /** The aggregated vector; lets the group-key cache forget series it no longer sees. */
    Value.InstantVector result() {
        if (keys != null && keys.bySeries.size() > 2 * added + 1024) {
            keys.bySeries.clear();
            keys.canonical.clear();
        }
        List<Element> out = new ArrayList<>(groups.size());
        groups.forEach((labels, g) -> out.add(new Element(labels, g.result(op))));
        return new Value.InstantVector(out);
    }

    /**
     * An aggregation's group keys, kept between steps ({@link Windows#groupKeys}): by the identity of a
     * series' labels (one object per series for as long as it lives, so a lookup costs an identity hash),
     * and one key object per group shared by its series (sum by (le) over 100,000 series: 10 keys, not
     * 100,000 equal copies).
     */
    static final class Keys {
        final IdentityHashMap<Labels, Labels> bySeries = new IdentityHashMap<>();
        final Map<Labels, Labels> canonical = new HashMap<>();
    }

    /**
     * Accumulates one aggregation group: NaN-tolerant min/max as Prometheus does; sums exact
     * ({@link ExactSum}) rather than compensated, so a group's sum does not depend on the order the
     * series are visited in (which follows the store's hash table, not the data). The compensated sum
     * answers only if the exact one overflows.
     */
    private static final class Group {
        private final ExactSum sum = new ExactSum();
        private final KahanSum fallback = new KahanSum();
        private int count;
        private double min = Double.NaN;
        private double max = Double.NaN;

        void add(double v) {
            sum.add(v);
            fallback.add(v);
            count++;
            if (v < min || Double.isNaN(min)) {
                min = v;
            }
            if (v > max || Double.isNaN(max)) {
                max = v;
            }
        }

        double result(AggregationOp op) {
            double total = sum.overflowed() ? fallback.value() : sum.value();
            return switch (op) {
                case SUM -> total;
                case AVG -> total / count;
                case MIN -> min;
                case MAX -> max;
                case COUNT -> count;
            };
        }
    }
}
