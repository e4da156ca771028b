package dev.releasepilot.decide;

import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.window.Element;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.HostTime;
import dev.releasepilot.window.TriggerVerdict;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * One expr trigger of one service, on the service's context: evaluates it at the event-time grid
 * instants that new samples have passed, feeds a {@link ConditionTracker}, and remembers the last
 * verdict for the API. Pure apart from reading the (thread-safe) series store.
 */
final class ExprTriggerRun {
    /** Evaluations per touch at most: a backlog costs bounded work, the newest instants win. */
    private static final int MAX_INSTANTS = 256;
    private static final int MAX_EVIDENCE = 10;

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ExprTriggerRun.class.getName());

    final ExprTrigger trigger;
    private final String service;
    private final DecideMetrics metrics;
    private ConditionTracker tracker; // replaced by each release: for, FIRING and clear_for belong to one release
    private final EvaluationGrid grid;
    private long lastEvaluatedMs = Long.MIN_VALUE; // the last grid instant evaluated finally
    private long lastObservedMs = Long.MIN_VALUE;  // the last instant evaluated, final or provisional
    private long lastTouchEventMs = Long.MIN_VALUE; // the newest event time samples brought
    private long lastTouchNanos;                    // when (monotonic wall time) they arrived
    private long notBeforeMs = Long.MIN_VALUE;      // the current release's start: older samples do not count
    private long heldBackMs = Long.MIN_VALUE;       // newest sample time not evaluated yet: ahead of the host's clock
    private ConditionStatus last;
    private TriggerVerdict lastVerdict;
    private boolean provisional;                   // lastVerdict is a preview of an instant not final yet
    private long previewedMs = Long.MIN_VALUE;     // the last instant previewed
    private String error;                           // why the last evaluation failed; null when it succeeded
    private long errorSinceMs;

    /** What an evaluation pass found: the verdict and time of the firing, or null when nothing fired. */
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
    }

    /** Where the current release started for this trigger (event time, ms; see {@link #startRelease}). */
    long releaseStartMs() {
        return notBeforeMs;
    }

    /**
     * Samples arrived: evaluates at every grid instant they passed, but none more than
     * {@link HostTime#MAX_AHEAD_MS} past the host's clock ({@code hostNowMs}): samples stamped ahead of it
     * (a sender whose clock runs fast) wait for their time ({@link #heldBack}) instead of moving this
     * trigger's evaluation time past the samples of the senders that are on time. Returns the firing,
     * if one happened.
     */
    Fired touched(Evaluator evaluator, long oldestMs, long newestMs, long nowNanos, long hostNowMs) {
        if (newestMs > lastTouchEventMs) {
            lastTouchEventMs = newestMs;
            lastTouchNanos = nowNanos;
        }
        return advance(evaluator, newestMs, hostNowMs);
    }

    /**
     * Periodically, on the service's context: evaluates samples that were held back because they were
     * ahead of the host's clock, once their time has come. Returns the firing, if one happened.
     */
    Fired heldBack(Evaluator evaluator, long hostNowMs) {
        return heldBackMs == Long.MIN_VALUE ? null : advance(evaluator, heldBackMs, hostNowMs);
    }

    /**
     * No samples for {@code silenceNanos} of wall time: event time only moves with samples, so a source
     * that went quiet (HAProxy down, a sender stopped) would freeze the last verdict, possibly "healthy".
     * Instead, let event time run on by the wall time elapsed since the last sample, so the windows
     * empty out and the trigger turns NO_DATA. Replays faster than real time never get here.
     */
    Fired silent(Evaluator evaluator, long nowNanos, long silenceNanos, long hostNowMs) {
        if (lastTouchEventMs == Long.MIN_VALUE || nowNanos - lastTouchNanos < silenceNanos) {
            return null;
        }
        long estimated = lastTouchEventMs + (nowNanos - lastTouchNanos) / 1_000_000;
        return advance(evaluator, estimated, hostNowMs);
    }

    /**
     * Evaluates, finally, every grid instant in (last evaluated, newestMs): only those, because an
     * instant is complete only once a sample NEWER than it has arrived. One scrape's samples may come in
     * several requests (Prometheus shards a scrape's series over parallel connections), so when samples
     * stamped {@code newestMs} arrive, others stamped {@code newestMs} may still be on their way; an
     * instant at or after {@code newestMs} evaluated now could see half a scrape (half a histogram's
     * buckets, the 5xx counter without the 2xx one) and decide differently from the same samples in
     * one request. Then the first grid instant at or after {@code newestMs} is previewed for the API
     * ({@link #view()}'s {@code provisional}) without touching the condition's state: it neither fires
     * nor interrupts a pending {@code for}. Decisions therefore depend on the samples only, not on how
     * they were split into requests, at the cost of waiting for the next sample (one scrape or poll
     * interval) before an instant decides. Nothing past the host's clock plus
     * {@link HostTime#MAX_AHEAD_MS}: the rest is remembered as held back. Returns the firing, if one
     * happened.
     */
    private Fired advance(Evaluator evaluator, long wantedMs, long hostNowMs) {
        long cap = hostNowMs + HostTime.MAX_AHEAD_MS;
        long target = heldBackMs == Long.MIN_VALUE ? wantedMs : Math.max(wantedMs, heldBackMs);
        long newestMs = Math.min(target, cap);
        heldBackMs = target > cap ? target : Long.MIN_VALUE;
        long after = lastEvaluatedMs;
        Fired fired = null;
        for (long t : grid.due(after, newestMs - 1, MAX_INSTANTS)) {
            fired = observe(evaluator, t, fired);
            lastEvaluatedMs = t;
        }
        long provisional = Math.floorDiv(newestMs + grid.stepMs() - 1, grid.stepMs()) * grid.stepMs();
        if (provisional > lastEvaluatedMs && provisional > previewedMs && provisional <= cap) {
            // Once per instant: a scrape arrives in many requests, and each would otherwise pay a whole
            // evaluation for a value that only the API shows.
            previewedMs = provisional;
            preview(evaluator, provisional);
        }
        return fired;
    }

    /** Evaluates {@code t} for the API only: the condition's state is left alone (see {@link #advance}). */
    private void preview(Evaluator evaluator, long t) {
        try {
            lastVerdict = evaluator.evaluate(trigger, t, notBeforeMs);
            lastObservedMs = t;
            provisional = true;
        } catch (RuntimeException e) {
            // the final evaluation of the same instant reports it
        }
    }

    private Fired observe(Evaluator evaluator, long t, Fired fired) {
        TriggerVerdict v;
        try {
            v = evaluator.evaluate(trigger, t, notBeforeMs);
        } catch (RuntimeException e) {
            failed(t, e);
            return fired;
        }
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
        tracker.observe(t, dev.releasepilot.window.Outcome.NO_DATA);
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
