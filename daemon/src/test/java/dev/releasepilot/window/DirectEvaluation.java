package dev.releasepilot.window;

import dev.releasepilot.rules.promql.RangeFunctionCall;
import java.util.ArrayList;
import java.util.List;

/**
 * The evaluation this project did before range functions became incremental, kept as the reference
 * that tests and the evaluation benchmark compare against: at every instant, copy every selected
 * series' window out of its ring (under its lock) and compute the function from scratch; sum the
 * results with a compensated sum. Cost: every sample of every window, at every instant.
 */
public final class DirectEvaluation {
    private final SampleBuffer scratch = new SampleBuffer(64);

    /** rangeFunction(selector[range]) at t, one element per series that has a value, the metric name dropped. */
    public List<Element> rangeFunction(SeriesStore store, RangeFunctionCall call, long t) {
        long start = t - call.range().toMillis();
        List<Element> out = new ArrayList<>();
        for (Series s : store.selected(call.selector())) {
            synchronized (s) {
                if (s.removed) {
                    continue;
                }
                s.copyRange(start, t, scratch);
            }
            if (RangeFunctions.hasValue(call.function(), scratch.size)) {
                double v = RangeFunctions.apply(call.function(), scratch.ts, scratch.values, scratch.size, start, t);
                out.add(new Element(s.labels.without(Labels.METRIC_NAME), v));
            }
        }
        return out;
    }

    /** sum(...) over elements, compensated as Prometheus sums; NaN when there are none (an empty vector). */
    public static double sum(List<Element> elements) {
        if (elements.isEmpty()) {
            return Double.NaN;
        }
        KahanSum s = new KahanSum();
        for (Element e : elements) {
            s.add(e.value());
        }
        return s.value();
    }
}
