package dev.releasepilot.decide;

import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.Trigger;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.WorkBudget;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The expr triggers of one service and their evaluation, on the service's context. Samples make
 * instants due ({@link #touched}); the evaluations run in turns of bounded work. The first turn runs at
 * once in the task that made work due, with a small budget ({@link #SERIES_AT_ONCE}, {@link #NANOS_AT_ONCE}),
 * so a light trigger answers without a hop through the queue. What is left continues in turns of at
 * most {@link #SERIES_PER_TURN} series and {@link #NANOS_PER_TURN}, queued through the event loop's
 * {@link EvaluationLane}: one turn of one service in the loop's queue at a time, so an alert for this or
 * another service, a command or another service's light trigger waits for at most one turn of a trigger
 * over 100,000 series, never for its whole evaluation nor for a turn of every busy service on the loop;
 * and a replay faster than real time, whose batches make hundreds of instants due at once, turns into a
 * queue of turns, not into one long block. Each turn starts with the trigger after the one that started
 * the last, so a heavy trigger does not hold back the light triggers of its own service either.
 *
 * <p>Single owner: every method runs on the service's context (the evaluator checks it).
 */
final class TriggerEvaluations {
    /**
     * Series visits per turn. One visit (lock the series, take in its new sample, drop the expired one,
     * compute its rate) costs ≈ 0.1–0.3 µs here, so 20,000 stay well inside {@link #NANOS_PER_TURN};
     * docs/benchmarks.md, "Evaluation", has the measurement.
     */
    static final int SERIES_PER_TURN = 20_000;
    /** Wall time per turn: a fifth of the 50 ms that no trigger may hold an event loop for. */
    static final long NANOS_PER_TURN = 10_000_000L;
    /** Series visits of the turn that runs at once when samples arrive: a light trigger's whole step. */
    static final int SERIES_AT_ONCE = 4_000;
    /** Wall time of the turn that runs at once: the task that delivered the samples stays short. */
    static final long NANOS_AT_ONCE = 2_000_000L;

    private final String service;
    private final Consumer<Runnable> later;
    private final Evaluator evaluator;
    private final EvaluationGrid grid;
    private final DecideMetrics metrics;
    private final BiConsumer<ExprTriggerRun, ExprTriggerRun.Fired> fired;
    private final LongSupplier hostNowMs;
    private final int seriesPerTurn;
    private final long nanosPerTurn;
    private Map<String, ExprTriggerRun> runs;
    private List<ExprTriggerRun> order;
    private int nextFirst;
    private boolean scheduled;
    private long turns;

    /**
     * @param later runs a task later on the service's context, behind the tasks already queued there
     *              ({@code context.runOnContext})
     * @param hostNowMs the host's clock (ms): no trigger is evaluated past it (ExprTriggerRun#touched)
     * @param fired called on the context for every firing a turn observes, with its trigger's run
     */
    TriggerEvaluations(String service, Consumer<Runnable> later, Evaluator evaluator, EvaluationGrid grid, ServiceRule rule,
                       DecideMetrics metrics, LongSupplier hostNowMs, int seriesPerTurn, long nanosPerTurn,
                       BiConsumer<ExprTriggerRun, ExprTriggerRun.Fired> fired) {
        this.service = service;
        this.later = later;
        this.evaluator = evaluator;
        this.grid = grid;
        this.metrics = metrics;
        this.hostNowMs = hostNowMs;
        this.seriesPerTurn = seriesPerTurn;
        this.nanosPerTurn = nanosPerTurn;
        this.fired = fired;
        rules(rule);
    }

    /**
     * The rule was (re)loaded: an unchanged trigger keeps its run (its pending {@code for} survives a
     * reload); a changed one starts afresh but still belongs to the current release.
     */
    void rules(ServiceRule rule) {
        Map<String, ExprTriggerRun> old = runs == null ? Map.of() : runs;
        Map<String, ExprTriggerRun> out = new LinkedHashMap<>();
        for (Trigger t : rule.triggers()) {
            if (t instanceof ExprTrigger e) {
                ExprTriggerRun previous = old.get(e.name());
                if (previous != null && previous.trigger.equals(e)) {
                    out.put(e.name(), previous);
                    continue;
                }
                ExprTriggerRun run = new ExprTriggerRun(e, grid, service, metrics);
                if (previous != null) {
                    run.startRelease(previous.releaseStartMs());
                }
                out.put(e.name(), run);
            }
        }
        runs = Collections.unmodifiableMap(out);
        order = new ArrayList<>(out.values());
        nextFirst = 0;
    }

    Map<String, ExprTriggerRun> runs() {
        return runs;
    }

    /** New samples moved a trigger's windows: make its instants due and start a turn unless one is queued. */
    void touched(String trigger, long oldestMs, long newestMs, long arrivedNanos) {
        ExprTriggerRun run = runs.get(trigger);
        if (run == null) {
            return; // removed by a reload
        }
        run.touched(oldestMs, newestMs, arrivedNanos, hostNowMs.getAsLong());
        if (!scheduled) {
            turnAtOnce();
        }
    }

    /**
     * Samples held back for being ahead of the host's clock become due when their time comes
     * (ExprTriggerRun#heldBack); triggers whose sources went quiet move on in event time (#silent).
     */
    void checkSilence(long nowNanos) {
        long silence = Math.max(1_000, 4 * grid.stepMs()) * 1_000_000L;
        long host = hostNowMs.getAsLong();
        boolean due = false;
        for (ExprTriggerRun run : order) {
            due |= run.heldBack(host);
            due |= run.silent(nowNanos, silence, host);
        }
        if (due && !scheduled) {
            turnAtOnce();
        }
    }

    /** Turns run so far: for tests, which count turns instead of measuring time. */
    long turns() {
        return turns;
    }

    /** A small turn in this task: a light trigger answers without a hop; a heavy one continues in the lane. */
    private void turnAtOnce() {
        if (turn(Math.min(seriesPerTurn, SERIES_AT_ONCE), Math.min(nanosPerTurn, NANOS_AT_ONCE))) {
            queueTurn();
        }
    }

    /** Work remains: the next turn waits in the event loop's lane behind the other services' turns. */
    private void queueTurn() {
        scheduled = true;
        EvaluationLane lane = EvaluationLane.current();
        lane.request(() -> later.accept(() -> {
            try {
                if (scheduled) {
                    scheduled = false;
                    if (turn(seriesPerTurn, nanosPerTurn)) {
                        queueTurn();
                    }
                }
            } finally {
                lane.done(); // the next service's turn is queued behind what arrived during this one
            }
        }));
    }

    /** One turn within the budget; true when work remains. */
    private boolean turn(int series, long nanos) {
        turns++;
        long start = System.nanoTime();
        WorkBudget budget = new WorkBudget(series, nanos);
        boolean more = false;
        int n = order.size();
        int first = n == 0 ? 0 : nextFirst % n;
        nextFirst = first + 1;
        for (int i = 0; i < n; i++) {
            ExprTriggerRun run = order.get((first + i) % n);
            if (!run.pending()) {
                continue;
            }
            if (!budget.exhausted()) {
                long skipped = run.skipped();
                ExprTriggerRun.Fired f = run.step(evaluator, budget);
                metrics.evaluationSkipped(service, run.skipped() - skipped);
                if (f != null) {
                    fired.accept(run, f);
                }
            }
            more |= run.pending();
        }
        metrics.evaluationTurn(service, System.nanoTime() - start);
        return more;
    }
}
