package dev.releasepilot.window;

import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.Arithmetic;
import dev.releasepilot.rules.promql.ArithmeticOp;
import dev.releasepilot.rules.promql.ComparisonOp;
import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.promql.Expr;
import dev.releasepilot.rules.promql.HistogramQuantile;
import dev.releasepilot.rules.promql.NumberLiteral;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import dev.releasepilot.rules.promql.VectorMatching;
import dev.releasepilot.rules.promql.VectorSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Evaluates parsed PromQL-subset expressions over a {@link SeriesStore} at an event time {@code t}
 * (milliseconds), as Prometheus would at that instant: range functions read (t - range, t], instant
 * selectors the newest sample within the 5-minute lookback unless a stale marker ended the series.
 * Every expression it evaluates must have been registered in the store's {@link SelectorIndex}.
 *
 * <p>Cost follows the samples, not the windows: range functions keep a running state per series
 * ({@link WindowState}, held in a {@link Windows}) that moves to the next instant by taking in the
 * samples that arrived and dropping those that left, so a step costs O(1) per selected series plus
 * O(samples that entered or left). {@link #start} splits an evaluation into slices of bounded work
 * ({@link Evaluation}); the {@code evaluate} methods run one to the end, with this evaluator's own
 * {@link Windows}. docs/windows.md, "Incremental evaluation", has the design and its invariants.
 *
 * <p>Single owner (its windows and scratch space are not shared): the first thread that evaluates owns
 * it, and a call from any other thread throws {@link IllegalStateException}. The store itself may be
 * written concurrently meanwhile; a sample newer than {@code t} never changes the answer for {@code t},
 * which is why a replayed stream gives the same answers as a live one.
 */
public final class Evaluator {
    /** Prometheus' default lookback delta for instant selectors. */
    public static final long LOOKBACK_MS = 5 * 60_000L;

    private final SeriesStore store;
    private final SampleBuffer scratch = new SampleBuffer(2);
    private final Windows own = new Windows();
    private final AtomicReference<Thread> owner = new AtomicReference<>();

    public Evaluator(SeriesStore store) {
        this.store = store;
    }

    SeriesStore store() {
        return store;
    }

    /**
     * Binds this evaluator to the calling thread on first use; throws IllegalStateException when called
     * from another thread later (two services sharing one evaluator once gave each other's values).
     */
    void checkOwner() {
        Thread current = Thread.currentThread();
        Thread o = owner.get();
        if (o == current || o == null && owner.compareAndSet(null, current)) {
            return;
        }
        throw new IllegalStateException("Evaluator owned by thread '" + owner.get().getName()
                + "' called from thread '" + current.getName() + "': each service context needs its own Evaluator");
    }

    /**
     * Starts evaluating a trigger at t with the given windows (one {@link Windows} per trigger, kept by
     * the caller between instants, which should come in non-decreasing order: going back rebuilds),
     * counting only samples newer than {@code notBeforeMs} (event time, ms): every window's start becomes
     * max(t - range, notBeforeMs) — a shorter window, to whose start rate and increase extrapolate — and
     * instant selectors see only newer samples. A release starts a trigger afresh this way, at the newest
     * sample time the trigger had seen when the release arrived. Long.MIN_VALUE: no bound.
     */
    public Evaluation<TriggerVerdict> start(ExprTrigger trigger, long t, long notBeforeMs, Windows windows) {
        checkOwner();
        Condition requires = trigger.requires();
        List<Expr> roots = new ArrayList<>(trigger.condition().sides());
        if (requires != null) {
            roots.addAll(requires.sides());
        }
        return new Evaluation<>(this, windows, t, notBeforeMs, leaves(roots), v -> {
            Verdict expr = verdict(trigger.condition(), v, windows);
            return TriggerVerdict.of(expr, requires == null ? null : verdict(requires, v, windows));
        });
    }

    /** A trigger's expr gated by its requires guard (NO_DATA while the guard does not hold). */
    public TriggerVerdict evaluate(ExprTrigger trigger, long t) {
        return evaluate(trigger, t, Long.MIN_VALUE);
    }

    /** As {@link #evaluate(ExprTrigger, long)}, counting only samples newer than {@code notBeforeMs} (see {@link #start}). */
    public TriggerVerdict evaluate(ExprTrigger trigger, long t, long notBeforeMs) {
        return start(trigger, t, notBeforeMs, own).runToEnd();
    }

    /**
     * A comparison at t. Without {@code bool} PromQL comparisons filter: the elements that pass are
     * the groups for which the condition holds. NaN elements count as missing data.
     */
    public Verdict evaluate(Condition c, long t) {
        checkOwner();
        return new Evaluation<>(this, own, t, Long.MIN_VALUE, leaves(c.sides()), v -> verdict(c, v, own)).runToEnd();
    }

    /** The value of an expression at t: a number, or an instant vector (empty: no data). */
    public Value evaluate(Expr e, long t) {
        checkOwner();
        return new Evaluation<>(this, own, t, Long.MIN_VALUE, leaves(List.of(e)), v -> value(e, v, own)).runToEnd();
    }

    /**
     * The value of an expression at t with the caller's {@link Windows} (kept between instants, which
     * should come in non-decreasing order), counting only samples newer than {@code notBeforeMs} (see
     * {@link #start}). Runs to the end: for expressions over a handful of series, such as a judge's sides.
     */
    public Value evaluate(Expr e, long t, long notBeforeMs, Windows windows) {
        checkOwner();
        return new Evaluation<>(this, windows, t, notBeforeMs, leaves(List.of(e)), v -> value(e, v, windows)).runToEnd();
    }

    /** The distinct selector leaves (range-function calls, instant selectors) of the expressions, in order. */
    private static List<Expr> leaves(List<Expr> roots) {
        Set<Expr> out = new LinkedHashSet<>();
        for (Expr r : roots) {
            collectLeaves(r, out);
        }
        // An aggregation is fused with its series only when they feed nothing else, so that every series
        // is still read once per step: sum(rate(x)) beside sum by (le) (rate(x)) shares one pass of rate(x).
        Map<Expr, Integer> uses = new HashMap<>();
        for (Expr l : out) {
            uses.merge(source(l), 1, Integer::sum);
        }
        Set<Expr> leaves = new LinkedHashSet<>();
        for (Expr l : out) {
            leaves.add(uses.get(source(l)) > 1 ? source(l) : l);
        }
        return List.copyOf(leaves);
    }

    private static Expr source(Expr leaf) {
        return leaf instanceof Aggregation a ? a.argument() : leaf;
    }

    private static void collectLeaves(Expr e, Set<Expr> out) {
        if (e instanceof VectorSelector || e instanceof RangeFunctionCall || isFused(e)) {
            out.add(e);
        } else if (e instanceof Aggregation a) {
            collectLeaves(a.argument(), out);
        } else if (e instanceof HistogramQuantile h) {
            collectLeaves(h.buckets(), out);
        } else if (e instanceof Arithmetic a) {
            collectLeaves(a.lhs(), out);
            collectLeaves(a.rhs(), out);
        } else if (!(e instanceof NumberLiteral)) {
            throw new IllegalArgumentException("unknown expression node " + e.getClass());
        }
    }

    /**
     * An aggregation straight over a range function or selector ({@code sum(rate(x[1m]))}): evaluated
     * while its series are visited, so a step builds one element per group, not one per series.
     */
    static boolean isFused(Expr e) {
        return e instanceof Aggregation a && (a.argument() instanceof VectorSelector || a.argument() instanceof RangeFunctionCall);
    }

    /**
     * An instant selector's element for one series: its newest sample in (t - lookback, t], the start
     * raised to notBeforeMs when later, unless the series has ended. Returns the element's labels (the
     * value is {@link #latestValue}), or null when there is none.
     */
    Labels latest(Series s, long t, long notBeforeMs) {
        synchronized (s) {
            if (s.removed) {
                return null;
            }
            s.copyLatest(Math.max(t - LOOKBACK_MS, notBeforeMs), t, scratch);
        }
        return scratch.size > 0 ? s.labels : null;
    }

    /** The value {@link #latest} found (valid after it returned labels). */
    double latestValue() {
        return scratch.values[0];
    }

    /**
     * A condition's verdict: its first comparison's, narrowed by each {@code and}ed comparison to the
     * elements with a match there (PromQL's {@code and}: the left side's elements, kept unchanged, whose
     * matching labels occur on the right). NO_DATA when any comparison has nothing to compare: a
     * relative trigger whose baseline is missing cannot say the canary is worse than it. The compared
     * elements of every comparison are kept as evidence, first comparison first.
     */
    private static Verdict verdict(Condition c, Map<Expr, Value> leaves, Windows windows) {
        Verdict first = comparison(c, leaves, windows);
        if (c.and().isEmpty()) {
            return first;
        }
        List<Element> compared = new ArrayList<>(first.compared());
        List<Element> passing = first.passing();
        boolean noData = first.outcome() == Outcome.NO_DATA;
        for (Condition.Conjunct j : c.and()) {
            Verdict v = comparison(j.comparison(), leaves, windows);
            noData |= v.outcome() == Outcome.NO_DATA;
            compared.addAll(v.compared());
            Set<Labels> right = new HashSet<>();
            for (Element e : v.passing()) {
                right.add(signature(e.labels(), j.matching()));
            }
            List<Element> kept = new ArrayList<>();
            for (Element e : passing) {
                if (right.contains(signature(e.labels(), j.matching()))) {
                    kept.add(e);
                }
            }
            passing = kept;
        }
        if (noData) {
            return Verdict.noData();
        }
        return new Verdict(passing.isEmpty() ? Outcome.FALSE : Outcome.TRUE, compared, passing);
    }

    /** The labels two elements are matched on: {@code on} keeps the listed ones, else all but the name and the ignored. */
    static Labels signature(Labels labels, VectorMatching m) {
        if (m.on()) {
            return labels.keep(m.labels());
        }
        Labels out = labels.without(Labels.METRIC_NAME);
        for (String l : m.labels()) {
            out = out.without(l);
        }
        return out;
    }

    /** A one-to-one result's labels, as Prometheus gives them: on() keeps only its labels, ignoring() drops its own. */
    private static Labels resultLabels(Labels lhs, VectorMatching m) {
        if (m.on()) {
            return lhs.keep(m.labels());
        }
        Labels out = lhs;
        for (String l : m.labels()) {
            out = out.without(l);
        }
        return out;
    }

    private static Verdict comparison(Condition c, Map<Expr, Value> leaves, Windows windows) {
        Value lhs = value(c.lhs(), leaves, windows);
        Value rhs = value(c.rhs(), leaves, windows);
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
        VectorMatching matching = c.matching();
        Map<Labels, Element> right = bySignature((Value.InstantVector) rhs, matching);
        List<Element> compared = new ArrayList<>();
        List<Element> passing = new ArrayList<>();
        for (Element e : unique(l, matching)) {
            Element m = right.get(signature(e.labels(), matching));
            if (m != null && !Double.isNaN(e.value()) && !Double.isNaN(m.value())) {
                Element out = matching.equals(VectorMatching.DEFAULT) ? e
                        : new Element(resultLabels(e.labels(), matching), e.value());
                compared.add(out);
                if (op.test(e.value(), m.value())) {
                    passing.add(out);
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

    private static Value value(Expr e, Map<Expr, Value> leaves, Windows windows) {
        if (e instanceof NumberLiteral n) {
            return new Value.Scalar(n.value());
        }
        Value leaf = leaves.get(e); // a selector, a range function, or an aggregation fused with one
        if (leaf != null) {
            return leaf;
        }
        if (e instanceof Aggregation a) {
            return aggregate(a, (Value.InstantVector) value(a.argument(), leaves, windows), windows);
        }
        if (e instanceof HistogramQuantile h) {
            return histogramQuantile(h.phi(), (Value.InstantVector) value(h.buckets(), leaves, windows));
        }
        if (e instanceof Arithmetic a) {
            return arithmetic(a.op(), a.matching(), value(a.lhs(), leaves, windows), value(a.rhs(), leaves, windows));
        }
        throw new IllegalArgumentException("unknown expression node " + e.getClass());
    }

    private static Value aggregate(Aggregation a, Value.InstantVector v, Windows windows) {
        Grouping g = new Grouping(a, windows);
        for (Element e : v.elements()) {
            g.add(e.labels(), e.value());
        }
        return g.result();
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

    private static Value arithmetic(ArithmeticOp op, VectorMatching matching, Value lhs, Value rhs) {
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
            // One-to-one matching: on all labels but the metric name (PromQL's default), or as on/ignoring say.
            Map<Labels, Element> right = bySignature((Value.InstantVector) rhs, matching);
            for (Element e : unique((Value.InstantVector) lhs, matching)) {
                Element m = right.get(signature(e.labels(), matching));
                if (m != null) {
                    out.add(new Element(resultLabels(e.labels().without(Labels.METRIC_NAME), matching),
                            op.apply(e.value(), m.value())));
                }
            }
        }
        return new Value.InstantVector(out);
    }

    // The right-hand side of a vector/vector operation keyed by signature. PromQL refuses a signature
    // that occurs twice (many-to-many); the subset cannot produce one, but should it, the pair is left out.
    private static Map<Labels, Element> bySignature(Value.InstantVector v, VectorMatching matching) {
        Map<Labels, Element> out = new HashMap<>();
        Set<Labels> duplicated = new HashSet<>();
        for (Element e : v.elements()) {
            Labels sig = signature(e.labels(), matching);
            if (out.putIfAbsent(sig, e) != null) {
                duplicated.add(sig);
            }
        }
        out.keySet().removeAll(duplicated);
        return out;
    }

    private static List<Element> unique(Value.InstantVector v, VectorMatching matching) {
        Map<Labels, Element> first = new LinkedHashMap<>();
        Set<Labels> duplicated = new HashSet<>();
        for (Element e : v.elements()) {
            Labels sig = signature(e.labels(), matching);
            if (first.putIfAbsent(sig, e) != null) {
                duplicated.add(sig);
            }
        }
        first.keySet().removeAll(duplicated);
        return new ArrayList<>(first.values());
    }
}
