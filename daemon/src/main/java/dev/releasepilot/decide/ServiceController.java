package dev.releasepilot.decide;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Retrier;
import dev.releasepilot.act.Weights;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.rules.AlertTrigger;
import dev.releasepilot.rules.ServiceRule;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns one service: its state machine, its actuator and its share of the journal. Deployed as its own
 * verticle, so everything here runs on one event-loop context and needs no locks; callers on other
 * threads hand work over with {@link #onContext}.
 *
 * <p>Order for a rollback: events applied in memory → journaled (fsync) → actuator applies and reads
 * back → the action's outcome journaled. A failed journal write never stops a rollback: the LB is what
 * protects users, the record follows from a backlog as soon as the disk takes it.
 */
final class ServiceController extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(ServiceController.class.getName());
    private static final long MAX_RETRY_DELAY_MS = 60_000;

    private final ServiceMachine machine;
    private volatile ServiceRule ruleSnapshot;
    private final Journal journal;
    private final Clock clock;
    private final DecideMetrics metrics;
    private final EventSink events;
    private final ArrayDeque<Event> backlog = new ArrayDeque<>();
    private Actuator actuator;
    private volatile ServiceState published;
    private Weights lastWeights;
    private String lastReadError;
    private boolean actuating;
    private long pendingSince;
    private long retryTimer = -1;
    private long retryDelayMs;
    private long flushTimer = -1;
    private final long baseRetryDelayMs;
    private final long reconcileIntervalMs;
    // This service's own evaluator (its own scratch space), made for it by the pipeline's factory; it binds
    // to this context's thread on first use and refuses calls from any other thread.
    private final dev.releasepilot.window.Evaluator evaluator;
    private final dev.releasepilot.window.EvaluationGrid grid;
    private java.util.Map<String, ExprTriggerRun> exprRuns = java.util.Map.of();

    ServiceController(ServiceRule rule, Journal journal, Clock clock, DecideMetrics metrics, long baseRetryDelayMs,
                      long reconcileIntervalMs, dev.releasepilot.window.Evaluator evaluator,
                      dev.releasepilot.window.EvaluationGrid grid, EventSink events) {
        this.events = events;
        this.reconcileIntervalMs = reconcileIntervalMs;
        this.evaluator = evaluator;
        this.grid = grid;
        this.exprRuns = exprRuns(rule, java.util.Map.of(), grid, metrics);
        this.machine = new ServiceMachine(rule);
        this.ruleSnapshot = rule;
        this.journal = journal;
        this.clock = clock;
        this.metrics = metrics;
        this.baseRetryDelayMs = baseRetryDelayMs;
        this.retryDelayMs = baseRetryDelayMs;
        this.published = machine.state();
        metrics.state(rule.name(), () -> published);
        metrics.journalBacklog(rule.name(), backlog);
    }

    String name() {
        return ruleSnapshot.name();
    }

    /** The rule as last loaded; safe to read from any thread (matching happens on the caller's). */
    ServiceRule ruleSnapshot() {
        return ruleSnapshot;
    }

    /** Before deployment: rebuild state from the journal. */
    void replay(Event e) {
        machine.apply(e);
        startRelease(e);
        published = machine.state();
    }

    /** A release starts every expr trigger afresh at the watermark it carries (the machine resets the others). */
    private void startRelease(Event e) {
        if (e instanceof Event.ReleaseStarted r) {
            exprRuns.forEach((name, run) -> {
                java.time.Instant w = r.watermarks().get(name);
                run.startRelease(w == null ? Long.MIN_VALUE : w.toEpochMilli());
            });
        }
    }

    /** Stamps a release with each expr trigger's event-time watermark as it arrives, so it can be journaled. */
    private Event withWatermarks(Event e) {
        if (!(e instanceof Event.ReleaseStarted r)) {
            return e;
        }
        java.util.Map<String, java.time.Instant> marks = new java.util.LinkedHashMap<>();
        exprRuns.forEach((name, run) -> {
            long w = run.watermarkMs(clock.millis());
            if (w != Long.MIN_VALUE) {
                marks.put(name, java.time.Instant.ofEpochMilli(w));
            }
        });
        return r.withWatermarks(marks);
    }

    void actuator(Actuator a) {
        this.actuator = a;
    }

    @Override
    public Future<?> start() {
        if (machine.state() == ServiceState.ROLLING_BACK) {
            // The process died with a rollback in flight: finish it. Re-applying weights is idempotent.
            LOG.info(() -> "service " + name() + ": resuming a rollback that was in flight at shutdown");
            actuate(0);
        } else {
            reconcile();
        }
        long silenceCheck = Math.max(250, grid.stepMs());
        vertx.setPeriodic(silenceCheck, silenceCheck, t -> checkSilence());
        if (reconcileIntervalMs > 0) {
            vertx.setPeriodic(reconcileIntervalMs, reconcileIntervalMs, t -> reconcile());
        }
        return Future.succeededFuture();
    }

    Future<Void> alert(AlertSignal a, AlertTrigger trigger) {
        return onContext(() -> {
            List<Event> events = machine.onAlert(a, trigger, clock.instant());
            if (events.isEmpty()) {
                metrics.duplicates.increment();
            }
            return handle(events, a.receivedNanos());
        });
    }

    Future<Void> probe(ProbeSignal p, dev.releasepilot.rules.ProbeTrigger trigger) {
        return onContext(() -> handle(machine.onProbe(p, trigger, clock.instant()), p.receivedNanos()));
    }

    Future<JsonObject> command(OperatorCommand c) {
        return onContext(() -> handle(machine.onCommand(c, clock.instant()).stream().map(this::withWatermarks).toList(),
                System.nanoTime()).map(v -> view()));
    }

    Future<JsonObject> status() {
        return onContext(() -> Future.succeededFuture(view()));
    }

    /** Trigger runs for the rule; an unchanged trigger keeps its run (its pending {@code for} survives a reload). */
    private static java.util.Map<String, ExprTriggerRun> exprRuns(ServiceRule rule, java.util.Map<String, ExprTriggerRun> old,
                                                                   dev.releasepilot.window.EvaluationGrid grid,
                                                                   DecideMetrics metrics) {
        java.util.Map<String, ExprTriggerRun> out = new java.util.LinkedHashMap<>();
        for (dev.releasepilot.rules.Trigger t : rule.triggers()) {
            if (t instanceof dev.releasepilot.rules.ExprTrigger e) {
                ExprTriggerRun previous = old.get(e.name());
                if (previous != null && previous.trigger.equals(e)) {
                    out.put(e.name(), previous);
                    continue;
                }
                ExprTriggerRun run = new ExprTriggerRun(e, grid, rule.name(), metrics);
                if (previous != null) {
                    run.startRelease(previous.releaseStartMs()); // a changed trigger still belongs to the current release
                }
                out.put(e.name(), run);
            }
        }
        return out;
    }

    /** New samples moved an expr trigger's windows (called from ingest threads): evaluate on this context. */
    void touched(String trigger, long oldestMs, long newestMs) {
        long arrived = System.nanoTime();
        context.runOnContext(v -> {
            ExprTriggerRun run = exprRuns.get(trigger);
            if (run == null) {
                return; // removed by a reload
            }
            ExprTriggerRun.Fired fired = run.touched(evaluator, oldestMs, newestMs, arrived, clock.millis());
            if (fired != null) {
                handle(machine.onConditionFired(run.trigger, run.evidence(fired), clock.instant()), arrived);
            }
        });
    }

    /**
     * Runs on this context every silence check: samples held back because they were stamped ahead of the
     * host's clock are evaluated once their time comes; expr triggers whose sources went quiet move on to
     * NO_DATA.
     */
    private void checkSilence() {
        long now = System.nanoTime();
        long hostNowMs = clock.millis();
        long silence = Math.max(1_000, 4 * grid.stepMs()) * 1_000_000L;
        for (ExprTriggerRun run : exprRuns.values()) {
            ExprTriggerRun.Fired held = run.heldBack(evaluator, hostNowMs);
            if (held != null) {
                handle(machine.onConditionFired(run.trigger, run.evidence(held), clock.instant()), now);
            }
            ExprTriggerRun.Fired fired = run.silent(evaluator, now, silence, hostNowMs);
            if (fired != null) {
                handle(machine.onConditionFired(run.trigger, run.evidence(fired), clock.instant()), now);
            }
        }
    }

    /** @param newActuator the actuator for a changed backend, or null to keep the current one */
    void reload(ServiceRule rule, Actuator newActuator) {
        ruleSnapshot = rule;
        context.runOnContext(v -> {
            exprRuns = exprRuns(rule, exprRuns, grid, metrics);
            machine.rule(rule);
            if (newActuator != null) {
                this.actuator = newActuator;
            }
        });
    }

    private Future<Void> handle(List<Event> events, long startNanos) {
        boolean rollback = false;
        for (Event e : events) {
            machine.apply(e);
            startRelease(e);
            rollback |= e instanceof Event.DriftFound;
            if (e instanceof Event.Decided d) {
                metrics.decision(name(), d.kind());
                rollback |= d.kind() == DecisionKind.ROLLBACK;
                if (d.kind() == DecisionKind.RESUME) {
                    cancelRetry();
                }
            }
        }
        published = machine.state();
        Future<Void> durable = persist(events);
        if (rollback) {
            // Act once the decision is on disk, or has failed to get there: safety first either way.
            durable.onComplete(x -> actuate(startNanos));
        }
        return durable;
    }

    private Future<Void> persist(List<Event> all) {
        List<Event> events = all.stream().filter(Event::durable).toList();
        for (Event e : events) {
            if (!(e instanceof Event.AlertSeen)) { // alerts came from outside; announce what we decided and did
                this.events.publish(name(), e.type(), e.body());
            }
        }
        if (!backlog.isEmpty()) {
            backlog.addAll(events); // keep journal order: nothing overtakes records still waiting
            scheduleFlush();
            return Future.failedFuture("journal unavailable: " + backlog.size() + " records waiting for disk");
        }
        if (events.isEmpty()) {
            return Future.succeededFuture();
        }
        List<Future<?>> appends = new ArrayList<>(events.size());
        for (Event e : events) {
            appends.add(journal.append(name(), e.type(), e.body()));
        }
        return Future.join(appends).transform(ar -> {
            if (ar.succeeded()) {
                return Future.succeededFuture();
            }
            for (int i = 0; i < events.size(); i++) {
                if (appends.get(i).failed()) {
                    backlog.add(events.get(i));
                }
            }
            LOG.log(Level.WARNING, "service " + name() + ": journal write failed, " + backlog.size()
                    + " records kept for retry", ar.cause());
            scheduleFlush();
            return Future.failedFuture(ar.cause());
        });
    }

    private void scheduleFlush() {
        if (flushTimer < 0) {
            flushTimer = vertx.setTimer(500, t -> {
                flushTimer = -1;
                flushBacklog();
            });
        }
    }

    private void flushBacklog() {
        Event e = backlog.peek();
        if (e == null) {
            return;
        }
        journal.append(name(), e.type(), e.body()).onComplete(ar -> {
            if (ar.succeeded()) {
                backlog.poll();
                flushBacklog();
            } else {
                scheduleFlush();
            }
        });
    }

    private void actuate(long startNanos) {
        if (actuating || machine.state() != ServiceState.ROLLING_BACK) {
            return;
        }
        if (pendingSince == 0) {
            pendingSince = startNanos;
        }
        actuating = true;
        cancelRetry();
        long t0 = System.nanoTime();
        int[] attempts = {0};
        String backendKind = machine.rule().backend().kind();
        String trigger = machine.lastTrigger();
        new Retrier(vertx, 3, 50, 1_000).run(() -> {
            attempts[0]++;
            return actuator.apply(new Command.Rollback(name(), trigger));
        }).onComplete(ar -> {
            actuating = false;
            long took = System.nanoTime() - t0;
            metrics.actuation(backendKind, took, ar.succeeded());
            if (ar.succeeded()) {
                lastWeights = ar.result();
                lastReadError = null;
                long reaction = pendingSince > 0 ? System.nanoTime() - pendingSince : 0;
                pendingSince = 0;
                retryDelayMs = baseRetryDelayMs;
                metrics.rollbackExecuted(name(), trigger, reaction);
                handle(List.of(new Event.Actuated(clock.instant(), ar.result().toJson(), took / 1_000_000,
                        attempts[0])), 0);
            } else {
                Throwable c = ar.cause();
                String reason = c instanceof ActuationFailure f ? f.reason().name().toLowerCase(java.util.Locale.ROOT) : "error";
                LOG.warning(() -> "service " + name() + ": rollback not applied after " + attempts[0]
                        + " attempts: " + c.getMessage() + "; retrying in " + retryDelayMs + " ms");
                handle(List.of(new Event.ActuationFailed(clock.instant(), reason, String.valueOf(c.getMessage()),
                        attempts[0])), 0);
                // Never forgotten: the rollback stays pending and is tried again with growing delays.
                retryTimer = vertx.setTimer(retryDelayMs, t -> {
                    retryTimer = -1;
                    actuate(0);
                });
                retryDelayMs = Math.min(MAX_RETRY_DELAY_MS, retryDelayMs * 2);
            }
        });
    }

    private void cancelRetry() {
        if (retryTimer >= 0) {
            vertx.cancelTimer(retryTimer);
            retryTimer = -1;
        }
        retryDelayMs = baseRetryDelayMs;
    }

    /**
     * Load balancers forget: an HAProxy reload resets runtime weights to the config file's. Read the
     * weights back; if a rolled-back service's canary has traffic again, journal the drift and
     * re-apply the rollback.
     */
    private void reconcile() {
        if (actuating) {
            return;
        }
        actuator.apply(new Command.Read(name())).onComplete(ar -> {
            if (ar.failed()) {
                lastReadError = ar.cause().getMessage();
                return;
            }
            lastWeights = ar.result();
            lastReadError = null;
            Event.DriftFound drift = actuating ? null : machine.checkDrift(ar.result(), clock.instant());
            if (drift != null) {
                LOG.warning(() -> "service " + name() + ": " + drift.detail() + "; re-applying the rollback");
                metrics.drift(name());
                handle(List.of(drift), System.nanoTime());
            }
        });
    }

    private JsonObject view() {
        JsonObject v = machine.view();
        v.put("weights", lastWeights == null ? null : lastWeights.toJson());
        v.put("weights_error", lastReadError);
        v.put("rollback_pending", machine.state() == ServiceState.ROLLING_BACK);
        v.put("journal_backlog", backlog.size());
        JsonObject triggers = new JsonObject();
        exprRuns.forEach((n, r) -> triggers.put(n, r.view()));
        v.put("expr_triggers", triggers);
        if (actuator instanceof dev.releasepilot.act.CircuitBreakingActuator cb) {
            v.put("circuit", new JsonObject().put("state", cb.state().label())
                    .put("consecutive_failures", cb.consecutiveFailures()));
        }
        return v;
    }

    /** Runs {@code work} on this service's context and delivers the result on the caller's context. */
    private <T> Future<T> onContext(Supplier<Future<T>> work) {
        Promise<T> p = Promise.promise();
        Context caller = Vertx.currentContext();
        context.runOnContext(v -> {
            Future<T> f;
            try {
                f = work.get();
            } catch (RuntimeException e) {
                f = Future.failedFuture(e);
            }
            f.onComplete(ar -> {
                if (caller != null && caller != context) {
                    caller.runOnContext(x -> p.handle(ar));
                } else {
                    p.handle(ar);
                }
            });
        });
        return p.future();
    }
}
