package dev.releasepilot.decide;

import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.window.Element;
import dev.releasepilot.window.Evaluation;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.HostTime;
import dev.releasepilot.window.Outcome;
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
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ExprTriggerRun.class.getName());

    final ExprTrigger trigger;
    private final String service;
    private final DecideMetrics metrics;
    private ConditionTracker tracker; // replaced by each release: for, FIRING and clear_for belong to one release
    private final EvaluationGrid grid;
    private final Windows windows = new Windows();
    private long lastEvaluatedMs = Long.MIN_VALUE; // the last grid instant evaluated finally
    private long lastObservedMs = Long.MIN_VALUE;  // the last instant evaluated, final or provisional
    private long lastTouchEventMs = Long.MIN_VALUE; // the newest event time samples brought
    private long lastTouchNanos;                    // when (monotonic wall time) they arrived
    private long notBeforeMs = Long.MIN_VALUE;      // the current release's start: older samples do not count
    private long targetMs = Long.MIN_VALUE;        // evaluate every grid instant up to here
    private long provisionalMs = Long.MIN_VALUE;   // and then preview this one, if still ahead
    private long previewedMs = Long.MIN_VALUE;     // the last instant previewed
    private boolean provisional;                   // lastVerdict is a preview of an instant not final yet
    private Evaluation<TriggerVerdict> current;    // the evaluation in progress
    private boolean currentFinal;
    private long skipped;                          // backlog instants skipped (MAX_INSTANTS)
    // Before the first evaluation: the oldest sample time touched so far. Evaluation starts at the first grid
    // instant at or after it, not MAX_INSTANTS back from the newest (instants before any sample are NO_DATA,
    // and each would still visit every selected series).
    private long firstSampleMs = Long.MAX_VALUE;
    private long heldBackMs = Long.MIN_VALUE;      // newest sample time not evaluated yet: ahead of the host's clock
    private String error;                          // why the last evaluation failed; null when it succeeded
    private long errorSinceMs;
    private ConditionStatus last;
    private TriggerVerdict lastVerdict;

    /** What an evaluation found: the verdict and time of the firing, or null when nothing fired. */
    record Fired(long eventMs, TriggerVerdict verdict) {
    }

    ExprTriggerRun(ExprTrigger trigger, EvaluationGrid grid, String service, DecideMetrics metrics) {
        this.trigger = trigger;
        this.service = service;
        this.metrics = metrics;
        this.grid = grid;
        this.tracker = new ConditionTracker(trigger.forDuration(), trigger.clearFor());
    }

    /**
     * The newest sample time (event time, ms) this trigger has seen, but no later than just past the host's
     * clock (a sender ahead of it must not hide the next samples from a release), or Long.MIN_VALUE
     * before any.
     */
    long watermarkMs(long hostNowMs) {
        return lastTouchEventMs == Long.MIN_VALUE ? Long.MIN_VALUE
                : Math.min(lastTouchEventMs, hostNowMs + HostTime.MAX_AHEAD_MS);
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
        provisional = false;
        current = null; // an evaluation begun for the previous release must not feed this one
    }

    /** Where the current release started for this trigger (event time, ms; see {@link #startRelease}). */
    long releaseStartMs() {
        return notBeforeMs;
    }

    /**
     * Samples arrived up to {@code newestMs}: the grid instants they passed become due ({@link #step}),
     * but none more than {@link HostTime#MAX_AHEAD_MS} past the host's clock ({@code hostNowMs}): samples
     * stamped ahead of it (a sender whose clock runs fast) wait for their time ({@link #heldBack})
     * instead of moving this trigger's evaluation time past the samples of the senders that are on time.
     */
    void touched(long oldestMs, long newestMs, long nowNanos, long hostNowMs) {
        if (lastEvaluatedMs == Long.MIN_VALUE) {
            firstSampleMs = Math.min(firstSampleMs, oldestMs);
        }
        if (newestMs > lastTouchEventMs) {
            lastTouchEventMs = newestMs;
            lastTouchNanos = nowNanos;
        }
        due(newestMs, hostNowMs);
    }

    /**
     * Periodically, on the service's context: samples that were held back because they were ahead of the
     * host's clock become due once their time has come. Returns whether evaluations are due.
     */
    boolean heldBack(long hostNowMs) {
        if (heldBackMs != Long.MIN_VALUE) {
            due(heldBackMs, hostNowMs);
        }
        return pending();
    }

    /**
     * No samples for {@code silenceNanos} of wall time: event time only moves with samples, so a source
     * that went quiet (HAProxy down, a sender stopped) would freeze the last verdict, possibly "healthy".
     * Instead, let event time run on by the wall time elapsed since the last sample, so the windows
     * empty out and the trigger turns NO_DATA. Replays faster than real time never get here. Returns
     * whether evaluations are due.
     */
    boolean silent(long nowNanos, long silenceNanos, long hostNowMs) {
        if (lastTouchEventMs == Long.MIN_VALUE || nowNanos - lastTouchNanos < silenceNanos) {
            return false;
        }
        due(lastTouchEventMs + (nowNanos - lastTouchNanos) / 1_000_000, hostNowMs);
        return pending();
    }

    /**
     * Makes due, finally, every grid instant in (last evaluated, wantedMs): only those, because an
     * instant is complete only once a sample NEWER than it has arrived. One scrape's samples may come in
     * several requests (Prometheus shards a scrape's series over parallel connections), so when samples
     * stamped {@code wantedMs} arrive, others stamped the same may still be on their way; an instant at or
     * after it evaluated now could see half a scrape and decide differently from the same samples in one
     * request. The first grid instant at or after {@code wantedMs} is then previewed for the API
     * ({@link #view()}'s {@code provisional}), once per instant, without touching the condition's state:
     * it neither fires nor interrupts a pending {@code for}. Nothing past the host's clock plus
     * {@link HostTime#MAX_AHEAD_MS}: the rest is held back.
     */
    private void due(long wantedMs, long hostNowMs) {
        long cap = hostNowMs + HostTime.MAX_AHEAD_MS;
        long target = heldBackMs == Long.MIN_VALUE ? wantedMs : Math.max(wantedMs, heldBackMs);
        long newestMs = Math.min(target, cap);
        heldBackMs = target > cap ? target : Long.MIN_VALUE;
        targetMs = Math.max(targetMs, newestMs);
        long preview = Math.floorDiv(newestMs + grid.stepMs() - 1, grid.stepMs()) * grid.stepMs();
        if (preview <= cap) {
            provisionalMs = Math.max(provisionalMs, preview);
        }
    }

    /** Whether evaluations are due or one is in progress. */
    boolean pending() {
        return current != null || finalDue() || provisionalDue();
    }

    /** When (monotonic wall time) the newest samples arrived: the start of a reaction to them. */
    /** Whether the condition is in a firing episode now (a watching instance decides it when it takes over). */
    boolean firing() {
        return last != null && last.state() == ConditionState.FIRING;
    }

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
            Evaluation<TriggerVerdict> e = current;
            try {
                if (!e.run(budget)) {
                    break;
                }
            } catch (RuntimeException ex) {
                current = null;
                if (currentFinal) {
                    lastEvaluatedMs = e.instant();
                    failed(e.instant(), ex);
                } // a failed preview: the final evaluation of the same instant reports it
                continue;
            }
            current = null;
            if (currentFinal) {
                lastEvaluatedMs = e.instant();
                fired = observe(e.instant(), e.result(), fired);
            } else {
                lastVerdict = e.result(); // for the API only: the condition's state is left alone
                lastObservedMs = e.instant();
                provisional = true;
            }
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
            previewedMs = t; // once per instant: a scrape arrives in many requests
        }
        current = evaluator.start(trigger, t, notBeforeMs, windows);
        return true;
    }

    /** The next grid instant to evaluate finally, or MIN_VALUE; skips (and counts) a backlog over MAX_INSTANTS. */
    private long nextFinal() {
        if (targetMs == Long.MIN_VALUE) {
            return Long.MIN_VALUE; // no samples yet
        }
        long after = evaluatedUpTo();
        long[] due = grid.due(after, targetMs - 1, MAX_INSTANTS);
        if (due.length == 0) {
            return Long.MIN_VALUE;
        }
        long first = after == Long.MIN_VALUE ? due[0] : Math.floorDiv(after, grid.stepMs()) * grid.stepMs() + grid.stepMs();
        if (due[0] > first) { // more than MAX_INSTANTS were due: the newest win
            skipped += (due[0] - first) / grid.stepMs();
            lastEvaluatedMs = due[0] - grid.stepMs();
        }
        return due[0];
    }

    private boolean finalDue() {
        return targetMs != Long.MIN_VALUE && grid.due(evaluatedUpTo(), targetMs - 1, 1).length > 0;
    }

    private boolean provisionalDue() {
        return provisionalMs != Long.MIN_VALUE && provisionalMs > evaluatedUpTo() && provisionalMs > previewedMs
                && !finalDue();
    }

    /** The last grid instant evaluated finally; before the first, just before the oldest sample touched. */
    private long evaluatedUpTo() {
        if (lastEvaluatedMs != Long.MIN_VALUE || firstSampleMs == Long.MAX_VALUE) {
            return lastEvaluatedMs;
        }
        return Math.min(firstSampleMs, targetMs) - 1;
    }

    private Fired observe(long t, TriggerVerdict v, Fired fired) {
        if (error != null) {
            LOG.info(() -> "service " + service + ": trigger " + trigger.name() + " evaluates again after failing since "
                    + Instant.ofEpochMilli(errorSinceMs));
            error = null;
        }
        ConditionStatus s = tracker.observe(t, v.outcome());
        last = s;
        lastVerdict = v;
        lastObservedMs = t;
        provisional = false;
        return s.fired() && fired == null ? new Fired(t, v) : fired;
    }

    /**
     * An evaluation threw: counted every time, logged once per run of failures (not once per sample), and
     * the trigger is ERROR, never healthy and never firing, until an evaluation succeeds. The tracker sees
     * NO_DATA: what the condition was is unknown, so a pending {@code for} must not run on across the gap.
     */
    private void failed(long t, RuntimeException e) {
        metrics.triggerError(service, trigger.name());
        tracker.observe(t, Outcome.NO_DATA);
        lastObservedMs = t;
        lastVerdict = null;
        if (error == null) {
            errorSinceMs = t;
            LOG.log(java.util.logging.Level.WARNING, "service " + service + ": trigger " + trigger.name()
                    + " failed to evaluate at " + Instant.ofEpochMilli(t) + "; it is ERROR until an evaluation succeeds", e);
        }
        error = String.valueOf(e);
    }

    Evidence evidence(Fired f) {
        return new Evidence.ExprHeld(trigger.expr(), Instant.ofEpochMilli(f.eventMs()), trigger.forDuration(),
                groups(f.verdict().expr().passing()),
                f.verdict().requires() == null ? null : groups(f.verdict().requires().compared()));
    }

    private static List<Evidence.Group> groups(List<Element> es) {
        List<Evidence.Group> out = new java.util.ArrayList<>();
        for (Element e : es.subList(0, Math.min(MAX_EVIDENCE, es.size()))) {
            out.add(new Evidence.Group(e.labels().toMap(), Double.isFinite(e.value()) ? e.value() : null));
        }
        return out;
    }

    /**
     * This trigger as a rollout gate: its state (ERROR and "no evaluation yet" count as NO_DATA) as of its
     * last final evaluation. That is fresh for as long as samples (or, once they stop, the silence check
     * after max(1 s, 4 steps)) keep evaluations coming, plus two steps and a second of slack: sparse
     * senders (a 15 s scrape) are evaluated on by the silence check, so their gates do not go stale.
     */
    dev.releasepilot.decide.rollout.GateReading gate() {
        java.time.Duration fresh = java.time.Duration.ofMillis(Math.max(1_000, 4 * grid.stepMs()) + 2 * grid.stepMs() + 1_000);
        if (error != null || last == null) {
            return new dev.releasepilot.decide.rollout.GateReading(trigger.name(), ConditionState.NO_DATA,
                    last == null ? null : Instant.ofEpochMilli(lastEvaluatedMs), fresh, error != null ? error : "no evaluation yet");
        }
        String value = lastVerdict == null || lastVerdict.expr().compared().isEmpty() ? null
                : String.valueOf(lastVerdict.expr().compared().get(0).value());
        return new dev.releasepilot.decide.rollout.GateReading(trigger.name(), last.state(),
                Instant.ofEpochMilli(lastEvaluatedMs), fresh, value);
    }

    JsonObject view() {
        JsonObject o = new JsonObject().put("expr", trigger.expr());
        if (error != null) {
            return o.put("state", ConditionState.ERROR.name()).put("error", error)
                    .put("since", Instant.ofEpochMilli(errorSinceMs).toString())
                    .put("evaluated_at", Instant.ofEpochMilli(lastObservedMs).toString());
        }
        o.put("state", last == null ? ConditionState.NO_DATA.name() : last.state().name());
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
        if (provisional && lastVerdict != null) {
            // evaluated_at and value are a preview: the state is that of the last complete instant.
            o.put("provisional", new JsonObject().put("outcome", lastVerdict.outcome().name()));
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
