package dev.releasepilot.window;

import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.Expr;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import dev.releasepilot.rules.promql.VectorSelector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One evaluation at one instant, done in slices so that a trigger selecting 100,000 series never holds
 * its event loop for long: {@link #run} visits at most a given number of series (and stops early at a
 * time budget: {@link WorkBudget}), and the caller continues it later, e.g. after {@code context.runOnContext}. The
 * per-series work is the expression's leaves — range functions (moving each series' {@link WindowState}
 * to t) and instant selectors, and an aggregation straight over one of them, which groups the series as
 * they are visited ({@link Grouping}) instead of building an element per series; once every leaf has its
 * vector, one last slice combines them (other aggregations, arithmetic, the comparison), which costs one
 * cheap step per element.
 *
 * <p>A slice reads each series under its monitor; samples that arrive meanwhile with timestamps up to
 * t are taken in by the series visited after them, exactly as a single pass over a store being written
 * to would. Single owner: run it on the thread of the {@link Evaluator} that started it.
 *
 * @param <R> what the evaluation answers: a {@link TriggerVerdict}, a {@link Verdict} or a {@link Value}
 */
public final class Evaluation<R> {
    private final Evaluator evaluator;
    private final Windows windows;
    private final long t;
    private final long notBeforeMs;
    private final List<Expr> leaves;
    private final Function<Map<Expr, Value>, R> combine;
    private final Map<Expr, Value> values = new HashMap<>();
    private int leaf;
    private Iterator<Series> series;
    private RangeWindows range;
    private List<Element> out;      // the leaf's vector, or
    private Grouping grouping;      // the aggregation it feeds, when the leaf is an aggregation over series
    private R result;
    private boolean done;
    private int slices;
    private int elements;

    Evaluation(Evaluator evaluator, Windows windows, long t, long notBeforeMs, List<Expr> leaves,
               Function<Map<Expr, Value>, R> combine) {
        this.evaluator = evaluator;
        this.windows = windows;
        this.t = t;
        this.notBeforeMs = notBeforeMs;
        this.leaves = leaves;
        this.combine = combine;
    }

    /** The instant (event time, ms) this evaluation answers for. */
    public long instant() {
        return t;
    }

    /**
     * Does the next slice: visits series until the budget is used up (spending it), then combines the
     * leaves' vectors if budget remains. Returns true when the result is ready.
     *
     * @throws IllegalStateException when called on a thread other than the evaluator's owner
     * @throws IllegalArgumentException when the store's index does not register a selector of the expression
     */
    public boolean run(WorkBudget budget) {
        evaluator.checkOwner();
        if (done) {
            return true;
        }
        if (budget.exhausted()) {
            return false;
        }
        slices++;
        while (leaf < leaves.size()) {
            Expr e = leaves.get(leaf);
            if (series == null) {
                Expr source = e instanceof Aggregation a ? a.argument() : e; // Evaluator.isFused
                VectorSelector selector = source instanceof RangeFunctionCall c ? c.selector() : (VectorSelector) source;
                series = evaluator.store().selected(selector).iterator();
                range = source instanceof RangeFunctionCall c ? windows.range(c) : null;
                if (range != null) {
                    range.beginPass();
                }
                if (e instanceof Aggregation a) {
                    grouping = new Grouping(a, windows);
                } else {
                    out = new ArrayList<>();
                }
            }
            while (series.hasNext()) {
                if (budget.exhausted()) {
                    return false;
                }
                Series s = series.next();
                Labels labels = range != null ? range.visit(s, t, notBeforeMs) : evaluator.latest(s, t, notBeforeMs);
                if (labels != null) {
                    double v = range != null ? range.value() : evaluator.latestValue();
                    if (grouping != null) {
                        grouping.add(labels, v);
                    } else {
                        out.add(new Element(labels, v));
                    }
                }
                budget.spend(1);
            }
            if (range != null) {
                range.endPass();
            }
            Value.InstantVector vector = grouping != null ? grouping.result() : new Value.InstantVector(out);
            elements += vector.elements().size();
            values.put(e, vector);
            series = null;
            range = null;
            out = null;
            grouping = null;
            leaf++;
        }
        if (budget.exhausted()) {
            return false; // the combining step gets a slice of its own
        }
        result = combine.apply(values);
        budget.spend(elements / 8);
        done = true;
        return true;
    }

    /** Runs the remaining slices at once: for tests and callers that need the answer now. */
    public R runToEnd() {
        if (!run(WorkBudget.unlimited())) {
            throw new IllegalStateException("an unlimited budget ran out");
        }
        return result;
    }

    /** The result; only once {@link #run} returned true. */
    public R result() {
        if (!done) {
            throw new IllegalStateException("evaluation at " + t + " is not finished");
        }
        return result;
    }

    /** Slices run so far (each call of {@link #run} that found work). */
    public int slices() {
        return slices;
    }
}
