package dev.releasepilot.window;

import dev.releasepilot.rules.promql.RangeFunction;
import dev.releasepilot.rules.promql.RangeFunctionCall;

/**
 * The {@link WindowState}s of one range-function call, one per series it selects, for one owner (a
 * trigger's evaluation, see {@link Windows}). A pass visits the selected series one by one; states of
 * series no longer selected (evicted, deselected by a reload) are dropped at the end of a pass.
 */
final class RangeWindows {
    private final RangeFunction function;
    private final long rangeMs;
    private final boolean keepsMetricName;
    private final WindowStates states = new WindowStates();
    private int pass;
    private int visited;
    private double value;

    RangeWindows(RangeFunctionCall call) {
        this.function = call.function();
        this.rangeMs = call.range().toMillis();
        // PromQL drops the metric name from computed values; last_over_time returns a sample as it was.
        this.keepsMetricName = function == RangeFunction.LAST_OVER_TIME;
    }

    void beginPass() {
        pass++;
        visited = 0;
    }

    /**
     * The labels of the series' element at t, or null when the function has no value for its window;
     * the value is {@link #value()}. The window is (t − range, t], its start raised to
     * {@code notBeforeMs} when that is later (a release's start). No element is built: an aggregation
     * over the function takes the pair as it is (one element per group, not per series).
     */
    Labels visit(Series series, long t, long notBeforeMs) {
        WindowState s = states.get(series);
        if (s == null) {
            s = new WindowState(series);
            states.add(s);
        }
        if (s.pass != pass) {
            s.pass = pass;
            visited++;
        }
        double v;
        synchronized (series) {
            if (series.removed) {
                return null;
            }
            v = s.advance(function, Math.max(t - rangeMs, notBeforeMs), t);
        }
        if (!RangeFunctions.hasValue(function, s.count())) {
            return null;
        }
        value = v;
        // The same labels object for the series at every step: aggregations key their group cache by it.
        return keepsMetricName ? series.labels : series.labelsWithoutName();
    }

    /** The value of the element the last {@link #visit} returned labels for. */
    double value() {
        return value;
    }

    /** After a complete pass: forget the series it did not visit. */
    void endPass() {
        if (states.size() > visited) {
            states.retain(pass);
        }
    }
}
