package dev.releasepilot.window;

import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.Arithmetic;
import dev.releasepilot.rules.promql.ArithmeticOp;
import dev.releasepilot.rules.promql.ComparisonOp;
import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.promql.Expr;
import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.promql.HistogramQuantile;
import dev.releasepilot.rules.promql.NumberLiteral;
import dev.releasepilot.rules.promql.RangeFunction;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import dev.releasepilot.rules.promql.VectorSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates parsed PromQL-subset expressions over a {@link SeriesStore} at an event time {@code t}
 * (milliseconds), as Prometheus would at that instant: range functions read (t - range, t], instant
 * selectors the newest sample within the 5-minute lookback unless a stale marker ended the series.
 * Every expression it evaluates must have been registered in the store's {@link SelectorIndex}.
 *
 * <p>Single owner (it reuses one scratch buffer): the first thread that evaluates owns it, and a call
 * from any other thread throws {@link IllegalStateException} instead of corrupting the scratch space
 * of the owner's evaluation. Each service's context gets its own evaluator; a Vert.x event-loop context
 * always runs on the same thread, so "owner thread" and "owner context" coincide. The store itself may
 * be written concurrently meanwhile; a sample newer than {@code t} never changes the answer for
 * {@code t}, which is why a replayed stream gives the same answers as a live one.
 */
public final class Evaluator {
    /** Prometheus' default lookback delta for instant selectors. */
    public static final long LOOKBACK_MS = 5 * 60_000L;

    private final SeriesStore store;
    private final SampleBuffer scratch = new SampleBuffer(64);
    private final java.util.concurrent.atomic.AtomicReference<Thread> owner = new java.util.concurrent.atomic.AtomicReference<>();

    public Evaluator(SeriesStore store) {
        this.store = store;
    }

    /**
     * Binds this evaluator to the calling thread on first use; throws IllegalStateException when called
     * from another thread later (two services sharing one evaluator gave each other's values and
     * ArrayIndexOutOfBoundsExceptions from the shared scratch buffer).
     */
    private void checkOwner() {
        Thread current = Thread.currentThread();
        Thread o = owner.get();
        if (o == current || (o == null && owner.compareAndSet(null, current))) {
            return;
        }
        throw new IllegalStateException("Evaluator owned by thread '" + owner.get().getName()
                + "' called from thread '" + current.getName() + "': each service context needs its own Evaluator");
    }

    /** A trigger's expr gated by its requires guard (NO_DATA while the guard does not hold). */
    public TriggerVerdict evaluate(ExprTrigger trigger, long t) {
        return evaluate(trigger, t, Long.MIN_VALUE);
    }

    /**
     * As {@link #evaluate(ExprTrigger, long)}, counting only samples newer than {@code notBeforeMs}
     * (event time, ms): every window's lower bound becomes max(t - range, notBeforeMs) and instant
     * selectors see only newer samples. A release starts a trigger afresh this way, at the newest sample
     * time the trigger had seen when the release arrived. Long.MIN_VALUE: no bound.
     */
    public TriggerVerdict evaluate(ExprTrigger trigger, long t, long notBeforeMs) {
        checkOwner();
        Verdict expr = evaluate(trigger.condition(), t, notBeforeMs);
        Verdict requires = trigger.requires() == null ? null : evaluate(trigger.requires(), t, notBeforeMs);
        return TriggerVerdict.of(expr, requires);
    }

    /**
     * A comparison at t. Without {@code bool} PromQL comparisons filter: the elements that pass are
     * the groups for which the condition holds. NaN elements count as missing data.
     */
    public Verdict evaluate(Condition c, long t) {
        return evaluate(c, t, Long.MIN_VALUE);
    }

    private Verdict evaluate(Condition c, long t, long notBeforeMs) {
        checkOwner();
        Value lhs = evaluate(c.lhs(), t, notBeforeMs);
        Value rhs = evaluate(c.rhs(), t, notBeforeMs);
        ComparisonOp op = c.op();
        if (lhs instanceof Value.Scalar l && rhs instanceof Value.Scalar r) {
            if (Double.isNaN(l.value()) || Double.isNaN(r.value())) {
                return Verdict.noData();
            }
            Element e = new Element(Labels.empty(), l.value());
            return verdict(List.of(e), op.test(l.value(), r.value()) ? List.of(e) : List.of());
        }
        if (lhs instanceof Value.InstantVector l && rhs instanceof Value.Scalar r) {
            return compareWithNumber(l, op, r.value(), false);
        }
        if (lhs instanceof Value.Scalar l && rhs instanceof Value.InstantVector r) {
            return compareWithNumber(r, op, l.value(), true);
        }
        Value.InstantVector l = (Value.InstantVector) lhs;
        Map<Labels, Element> right = bySignature((Value.InstantVector) rhs);
        List<Element> compared = new ArrayList<>();
        List<Element> passing = new ArrayList<>();
        for (Element e : unique(l)) {
            Element m = right.get(e.labels().without(Labels.METRIC_NAME));
            if (m != null && !Double.isNaN(e.value()) && !Double.isNaN(m.value())) {
                compared.add(e);
                if (op.test(e.value(), m.value())) {
                    passing.add(e);
                }
            }
        }
        return verdict(compared, passing);
    }

    private static Verdict compareWithNumber(Value.InstantVector v, ComparisonOp op, double number, boolean numberFirst) {
        if (Double.isNaN(number)) {
            return Verdict.noData();
        }
        List<Element> compared = new ArrayList<>();
        List<Element> passing = new ArrayList<>();
        for (Element e : v.elements()) {
            if (Double.isNaN(e.value())) {
                continue;
            }
            compared.add(e);
            if (numberFirst ? op.test(number, e.value()) : op.test(e.value(), number)) {
                passing.add(e);
            }
        }
        return verdict(compared, passing);
    }

    private static Verdict verdict(List<Element> compared, List<Element> passing) {
        if (compared.isEmpty()) {
            return Verdict.noData();
        }
        return new Verdict(passing.isEmpty() ? Outcome.FALSE : Outcome.TRUE, compared, passing);
    }

    /** The value of an expression at t: a number, or an instant vector (empty: no data). */
    public Value evaluate(Expr e, long t) {
        return evaluate(e, t, Long.MIN_VALUE);
    }

    private Value evaluate(Expr e, long t, long notBeforeMs) {
        checkOwner();
        if (e instanceof NumberLiteral n) {
            return new Value.Scalar(n.value());
        }
        if (e instanceof VectorSelector s) {
            return instant(s, t, notBeforeMs);
        }
        if (e instanceof RangeFunctionCall c) {
            return rangeFunction(c, t, notBeforeMs);
        }
        if (e instanceof Aggregation a) {
            return aggregate(a, (Value.InstantVector) evaluate(a.argument(), t, notBeforeMs));
        }
        if (e instanceof HistogramQuantile h) {
            return histogramQuantile(h.phi(), (Value.InstantVector) evaluate(h.buckets(), t, notBeforeMs));
        }
        if (e instanceof Arithmetic a) {
            return arithmetic(a.op(), evaluate(a.lhs(), t, notBeforeMs), evaluate(a.rhs(), t, notBeforeMs));
        }
        throw new IllegalArgumentException("unknown expression node " + e.getClass());
    }

    private Value instant(VectorSelector s, long t, long notBeforeMs) {
        List<Element> out = new ArrayList<>();
        store.forEachWindow(s, Math.max(t - LOOKBACK_MS, notBeforeMs), t, true, scratch, (labels, buf) -> {
            if (buf.size > 0) {
                out.add(new Element(labels, buf.values[0]));
            }
        });
        return new Value.InstantVector(out);
    }

    private Value rangeFunction(RangeFunctionCall c, long t, long notBeforeMs) {
        // A bounded window is a shorter window: rate and increase extrapolate to its own start.
        long start = Math.max(t - c.range().toMillis(), notBeforeMs);
        RangeFunction f = c.function();
        List<Element> out = new ArrayList<>();
        store.forEachWindow(c.selector(), start, t, false, scratch, (labels, buf) -> {
            if (RangeFunctions.hasValue(f, buf.size)) {
                double v = RangeFunctions.apply(f, buf.ts, buf.values, buf.size, start, t);
                // PromQL drops the metric name from computed values; last_over_time returns a sample as it was.
                out.add(new Element(f == RangeFunction.LAST_OVER_TIME ? labels : labels.without(Labels.METRIC_NAME), v));
            }
        });
        return new Value.InstantVector(out);
    }

    private static Value aggregate(Aggregation a, Value.InstantVector v) {
        Map<Labels, Group> groups = new LinkedHashMap<>();
        for (Element e : v.elements()) {
            Labels key = a.by().isEmpty() ? Labels.empty() : e.labels().keep(a.by());
            groups.computeIfAbsent(key, k -> new Group()).add(e.value());
        }
        List<Element> out = new ArrayList<>(groups.size());
        groups.forEach((labels, g) -> out.add(new Element(labels, g.result(a.op()))));
        return new Value.InstantVector(out);
    }

    /** Accumulates one aggregation group the way Prometheus does (compensated sums, NaN-tolerant min/max). */
    private static final class Group {
        private final KahanSum sum = new KahanSum();
        private int count;
        private double min = Double.NaN;
        private double max = Double.NaN;

        void add(double v) {
            sum.add(v);
            count++;
            if (v < min || Double.isNaN(min)) {
                min = v;
            }
            if (v > max || Double.isNaN(max)) {
                max = v;
            }
        }

        double result(dev.releasepilot.rules.promql.AggregationOp op) {
            return switch (op) {
                case SUM -> sum.value();
                case AVG -> sum.value() / count;
                case MIN -> min;
                case MAX -> max;
                case COUNT -> count;
            };
        }
    }

    private static Value histogramQuantile(double phi, Value.InstantVector buckets) {
        Map<Labels, List<double[]>> groups = new LinkedHashMap<>();
        for (Element e : buckets.elements()) {
            double le = parseLe(e.labels().get("le"));
            if (Double.isNaN(le)) {
                continue; // no usable le label: not a bucket (Prometheus skips it too)
            }
            Labels key = e.labels().without("le").without(Labels.METRIC_NAME);
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[] {le, e.value()});
        }
        List<Element> out = new ArrayList<>(groups.size());
        groups.forEach((labels, list) -> {
            double[] bounds = new double[list.size()];
            double[] counts = new double[list.size()];
            for (int i = 0; i < list.size(); i++) {
                bounds[i] = list.get(i)[0];
                counts[i] = list.get(i)[1];
            }
            out.add(new Element(labels, BucketQuantile.quantile(phi, bounds, counts, list.size())));
        });
        return new Value.InstantVector(out);
    }

    // Go's ParseFloat, which Prometheus uses, accepts these spellings of the +Inf bucket's bound.
    static double parseLe(String le) {
        boolean negative = le.startsWith("-");
        String body = negative || le.startsWith("+") ? le.substring(1) : le;
        if (body.equalsIgnoreCase("inf") || body.equalsIgnoreCase("infinity")) {
            return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        try {
            return Double.parseDouble(le);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static Value arithmetic(ArithmeticOp op, Value lhs, Value rhs) {
        if (lhs instanceof Value.Scalar l && rhs instanceof Value.Scalar r) {
            return new Value.Scalar(op.apply(l.value(), r.value()));
        }
        List<Element> out = new ArrayList<>();
        if (lhs instanceof Value.InstantVector l && rhs instanceof Value.Scalar r) {
            for (Element e : l.elements()) {
                out.add(new Element(e.labels().without(Labels.METRIC_NAME), op.apply(e.value(), r.value())));
            }
        } else if (lhs instanceof Value.Scalar l && rhs instanceof Value.InstantVector r) {
            for (Element e : r.elements()) {
                out.add(new Element(e.labels().without(Labels.METRIC_NAME), op.apply(l.value(), e.value())));
            }
        } else {
            // One-to-one matching on all labels but the metric name, PromQL's default.
            Map<Labels, Element> right = bySignature((Value.InstantVector) rhs);
            for (Element e : unique((Value.InstantVector) lhs)) {
                Labels signature = e.labels().without(Labels.METRIC_NAME);
                Element m = right.get(signature);
                if (m != null) {
                    out.add(new Element(signature, op.apply(e.value(), m.value())));
                }
            }
        }
        return new Value.InstantVector(out);
    }

    // The right-hand side of a vector/vector operation keyed by signature. PromQL refuses a signature
    // that occurs twice (many-to-many); the subset cannot produce one, but should it, the pair is left out.
    private static Map<Labels, Element> bySignature(Value.InstantVector v) {
        Map<Labels, Element> out = new HashMap<>();
        Set<Labels> duplicated = new HashSet<>();
        for (Element e : v.elements()) {
            Labels sig = e.labels().without(Labels.METRIC_NAME);
            if (out.putIfAbsent(sig, e) != null) {
                duplicated.add(sig);
            }
        }
        out.keySet().removeAll(duplicated);
        return out;
    }

    private static List<Element> unique(Value.InstantVector v) {
        Map<Labels, Element> first = new LinkedHashMap<>();
        Set<Labels> duplicated = new HashSet<>();
        for (Element e : v.elements()) {
            Labels sig = e.labels().without(Labels.METRIC_NAME);
            if (first.putIfAbsent(sig, e) != null) {
                duplicated.add(sig);
            }
        }
        first.keySet().removeAll(duplicated);
        return new ArrayList<>(first.values());
    }
}
