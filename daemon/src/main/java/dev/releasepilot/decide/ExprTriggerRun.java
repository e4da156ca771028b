package dev.releasepilot.decide;

import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.window.Element;
import dev.releasepilot.window.Evaluation;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.TriggerVerdict;
import dev.releasepilot.window.Windows;
import dev.releasepilot.window.WorkBudget;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * One expr trigger of one service, on the service's context: evaluates it at the event-time grid
 * instants that new samples have passed, feeds a {@link ConditionTracker}, and remembers the last
 * verdict for the API. Samples only move a target ({@link #touched}); the evaluations happen in
 * {@link #step}s of bounded work that the service's {@link TriggerEvaluations} runs turn after turn, so a
 * trigger over 100,000 series never holds the event loop for long. Keeps its own {@link Windows} (the
 * running state of its range functions), so its cost per instant follows the samples that arrived.
 * Pure apart from reading the (thread-safe) series store.
 */
final class ExprTriggerRun {
    /**
     * Instants of backlog evaluated at most: beyond it the oldest are skipped (and counted), the newest
     * win. The rings keep only the longest range plus 30 s of slack, so an evaluation lagging further
     * behind the samples would no longer see whole windows anyway.
     */
    static final int MAX_INSTANTS = 256;
    private static final int MAX_EVIDENCE = 10;

    final ExprTrigger trigger;
    private ConditionTracker tracker; // replaced by each release: for, FIRING and clear_for belong to one release
    private final EvaluationGrid grid;
    private final Windows windows = new Windows();
    private long lastEvaluatedMs = Long.MIN_VALUE; // the last grid instant evaluated finally
    private long lastObservedMs = Long.MIN_VALUE;  // the last instant evaluated, final or provisional
    private long lastTouchEventMs = Long.MIN_VALUE; // the newest event time samples brought
    private long lastTouchNanos;                    // when (monotonic wall time) they arrived
    private long notBeforeMs = Long.MIN_VALUE;      // the current release's start: older samples do not count
    private long targetMs = Long.MIN_VALUE;        // evaluate every grid instant up to here
    private long provisionalMs = Long.MIN_VALUE;   // and then this one provisionally, if still ahead
    private Evaluation<TriggerVerdict> current;    // the evaluation in progress
    private boolean currentFinal;
    private long skipped;                          // backlog instants skipped (MAX_INSTANTS)
    private ConditionStatus last;
    private TriggerVerdict lastVerdict;

    /** What an evaluation found: the verdict and time of the firing, or null when nothing fired. */
    record Fired(long eventMs, TriggerVerdict verdict) {
    }

    ExprTriggerRun(ExprTrigger trigger, EvaluationGrid grid) {
        this.trigger = trigger;
        this.grid = grid;
        this.tracker = new ConditionTracker(trigger.forDuration(), trigger.clearFor());
    }

    /** The newest sample time (event time, ms) this trigger has seen, or Long.MIN_VALUE before any. */
    long watermarkMs() {
        return lastTouchEventMs;
    }

    /**
     * A new release: the trigger starts afresh ({@code for}, FIRING and {@code clear_for} forgotten) and
     * from now on counts only samples newer than {@code watermarkMs}, the newest it had seen when the
     * release arrived (event time, so a replayed stream behaves as a live one). Long.MIN_VALUE: no bound.
     */
    void startRelease(long watermarkMs) {
        notBeforeMs = watermarkMs;
        tracker = new ConditionTracker(trigger.forDuration(), trigger.clearFor());
        last = null;
        lastVerdict = null;
        current = null; // an evaluation begun for the previous release must not feed this one
    }

    /** Samples arrived up to {@code newestMs}: the grid instants they passed are now due ({@link #step}). */
    void touched(long oldestMs, long newestMs, long nowNanos) {
        if (lastEvaluatedMs == Long.MIN_VALUE && targetMs == Long.MIN_VALUE) {
            // The first samples: evaluate from the first grid instant at or after the oldest of them, not
            // MAX_INSTANTS back from the newest (instants before any sample are NO_DATA, and each would
            // still visit every selected series).
            lastEvaluatedMs = oldestMs - 1;
        }
        if (newestMs > lastTouchEventMs) {
            lastTouchEventMs = newestMs;
            lastTouchNanos = nowNanos;
        }
        due(newestMs);
    }

    /**
     * No samples for {@code silenceNanos} of wall time: event time only moves with samples, so a source
     * that went quiet (HAProxy down, a sender stopped) would freeze the last verdict, possibly "healthy".
     * Instead, let event time run on by the wall time elapsed since the last sample, so the windows
     * empty out and the trigger turns NO_DATA. Replays faster than real time never get here. Returns
     * whether that made evaluations due.
     */
    boolean silent(long nowNanos, long silenceNanos) {
        if (lastTouchEventMs == Long.MIN_VALUE || nowNanos - lastTouchNanos < silenceNanos) {
            return false;
        }
        due(lastTouchEventMs + (nowNanos - lastTouchNanos) / 1_000_000);
        return pending();
    }

    /**
     * Makes due every grid instant in (last evaluated, newestMs], then once more, provisionally, the
     * first grid instant at or after {@code newestMs}: the newest samples almost never sit exactly on
     * the grid, and without this they would wait for the NEXT samples to push the grid past them (a
     * whole poll or scrape interval). The provisional instant is evaluated again, finally, once newer
     * samples pass it.
     */
    private void due(long newestMs) {
        targetMs = Math.max(targetMs, newestMs);
        long provisional = Math.floorDiv(newestMs + grid.stepMs() - 1, grid.stepMs()) * grid.stepMs();
        if (provisional > newestMs) {
            provisionalMs = Math.max(provisionalMs, provisional);
        }
    }

    /** Whether evaluations are due or one is in progress. */
    boolean pending() {
        return current != null || finalDue() || provisionalDue();
    }

    /** When (monotonic wall time) the newest samples arrived: the start of a reaction to them. */
    long lastTouchNanos() {
        return lastTouchNanos;
    }

    /** Backlog instants skipped so far because more than MAX_INSTANTS were due at once. */
    long skipped() {
        return skipped;
    }

    /**
     * Evaluates within the budget: continues the evaluation in progress or starts the next due one,
     * oldest instant first, until the budget is spent or nothing is due. Returns the first firing it
     * observed, if any; call again while {@link #pending()}.
     */
    Fired step(Evaluator evaluator, WorkBudget budget) {
        Fired fired = null;
        while (!budget.exhausted()) {
            if (current == null && !next(evaluator)) {
                break;
            }
            if (!current.run(budget)) {
                break;
            }
            Evaluation<TriggerVerdict> done = current;
            current = null;
            if (currentFinal) {
                lastEvaluatedMs = done.instant();
            }
            fired = observe(done.instant(), done.result(), fired);
        }
        return fired;
    }

    private boolean next(Evaluator evaluator) {
        long t = nextFinal();
        currentFinal = t != Long.MIN_VALUE;
        if (!currentFinal) {
            if (!provisionalDue()) {
                return false;
            }
            t = provisionalMs;
            provisionalMs = Long.MIN_VALUE; // once per touch: evaluated again when samples come
        }
        current = evaluator.start(trigger, t, notBeforeMs, windows);
        return true;
    }

    /** The next grid instant to evaluate finally, or MIN_VALUE; skips (and counts) a backlog over MAX_INSTANTS. */
    private long nextFinal() {
        long[] due = grid.due(lastEvaluatedMs, targetMs, MAX_INSTANTS);
        if (due.length == 0) {
            return Long.MIN_VALUE;
        }
        long first = lastEvaluatedMs == Long.MIN_VALUE ? due[0]
                : Math.floorDiv(lastEvaluatedMs, grid.stepMs()) * grid.stepMs() + grid.stepMs();
        if (due[0] > first) { // more than MAX_INSTANTS were due: the newest win
            skipped += (due[0] - first) / grid.stepMs();
            lastEvaluatedMs = due[0] - grid.stepMs();
        }
        return due[0];
    }

    private boolean finalDue() {
        return grid.due(lastEvaluatedMs, targetMs, 1).length > 0;
    }

    private boolean provisionalDue() {
        return provisionalMs != Long.MIN_VALUE && provisionalMs > lastEvaluatedMs && !finalDue();
    }

    private Fired observe(long t, TriggerVerdict v, Fired fired) {
        ConditionStatus s = tracker.observe(t, v.outcome());
        last = s;
        lastVerdict = v;
        lastObservedMs = t;
        return s.fired() && fired == null ? new Fired(t, v) : fired;
    }

    JsonObject evidence(Fired f) {
        return new JsonObject().put("expr", trigger.expr()).put("event_time", Instant.ofEpochMilli(f.eventMs()).toString())
                .put("for", trigger.forDuration().toString())
                .put("firing", elements(f.verdict().expr().passing()))
                .put("requires", f.verdict().requires() == null ? null : elements(f.verdict().requires().compared()));
    }

    JsonObject view() {
        JsonObject o = new JsonObject().put("expr", trigger.expr())
                .put("state", last == null ? ConditionState.NO_DATA.name() : last.state().name());
        if (last == null) {
            o.put("detail", notBeforeMs == Long.MIN_VALUE ? "no samples yet"
                    : "release started: waiting for samples after " + Instant.ofEpochMilli(notBeforeMs));
        } else {
            o.put("since", Instant.ofEpochMilli(last.sinceMs()).toString())
                    .put("evaluated_at", Instant.ofEpochMilli(lastObservedMs).toString());
        }
        if (last != null && last.state() == ConditionState.PENDING) {
            o.put("pending_for_ms", lastObservedMs - tracker.pendingSinceMs()).put("for_ms", trigger.forDuration().toMillis());
        }
        if (lastVerdict != null) {
            o.put("value", elements(lastVerdict.expr().compared()));
            o.put("requires", lastVerdict.requires() == null ? null : elements(lastVerdict.requires().compared()));
        }
        return o;
    }

    private static JsonArray elements(List<Element> es) {
        JsonArray a = new JsonArray();
        for (Element e : es.subList(0, Math.min(MAX_EVIDENCE, es.size()))) {
            a.add(new JsonObject().put("labels", new JsonObject(new java.util.LinkedHashMap<>(e.labels().toMap())))
                    .put("value", Double.isFinite(e.value()) ? e.value() : null));
        }
        return a;
    }

}
