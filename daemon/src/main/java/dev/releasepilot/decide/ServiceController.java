package dev.releasepilot.decide;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.RetryPolicy;
import dev.releasepilot.act.RetrySchedule;
import dev.releasepilot.act.Scheduler;
import dev.releasepilot.act.StableGuard;
import dev.releasepilot.act.Weights;
import dev.releasepilot.decide.rollout.GateReading;
import dev.releasepilot.decide.rollout.Phase;
import dev.releasepilot.decide.rollout.RolloutRun;
import dev.releasepilot.decide.judge.JudgeVerdict;
import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.Fence;
import dev.releasepilot.journal.FencedOut;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.journal.RecordTooLarge;
import dev.releasepilot.rules.AlertTrigger;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.telemetry.Tracing;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 *
 * <p>With several instances sharing a journal, only the holder of the service's lease decides and acts
 * ({@link Leadership}): every write of its decisions and actions carries its lease's {@link Fence}, and
 * before each actuation it re-checks that the lease lasts at least {@code actWithinNanos} longer. The
 * others stay warm: they evaluate, remember firing alerts and expr triggers, and journal what they
 * received (as {@link EventCodec#RECEIVED} records, which never form state). A new holder catches up from
 * the shared journal, then acts on what is pending ({@link #takeOver}).
 */
final class ServiceController extends VerticleBase {
    private static final Logger LOG = Logger.getLogger(ServiceController.class.getName());
    /**
     * Drift found this many times without a quiet spell in between (see {@link #DRIFT_QUIET_READS}), each
     * time after a repair that was read back, is "unresolved": something keeps undoing the rollback.
     */
    static final int DRIFT_UNRESOLVED_AFTER = 3;
    /** Clean reconcile reads in a row that end a run of drifts (a reload a day never adds up). */
    static final int DRIFT_QUIET_READS = 10;
    /** A snapshot after this many records of the service, so replay reads at most about as many. */
    static final int SNAPSHOT_EVERY_RECORDS = 1_000;
    /** And at this interval if anything was journaled since, so a quiet service's replay stays short too. */
    static final long SNAPSHOT_INTERVAL_MS = 60_000;

    private ServiceMachine machine; // replaced whole when a takeover catches up from the shared journal
    private volatile ServiceRule ruleSnapshot;
    private final Journal journal;
    private final Clock clock;
    private final DecideMetrics metrics;
    private final EventSink events;
    /** Groups of records the journal refused, in order; each group is appended whole (alert + decision). */
    private final ArrayDeque<Pending> backlog = new ArrayDeque<>();
    private int appendsInFlight;
    private int sinceSnapshot;
    private Actuator actuator;
    private volatile ServiceState published;
    private Weights lastWeights;
    private String lastReadError;
    /** Why the backend has not been reached since start (or since its config changed); null once it has. */
    private String unreachable = "not reached yet: the first read-back has not completed";
    private boolean actuating;
    private long pendingSince;
    private RetrySchedule retries;
    private int actuations;
    private long flushTimer = -1;
    // Drift: a repair is counted as corrected only once its weights are read back; the same drift
    // found again right after repairs raises drift_unresolved instead of looping silently.
    private boolean driftRepairPending;
    private volatile int driftRepeats; // read by the metrics gauge on other threads
    private int cleanReads;
    private Event.DriftFound lastDrift;
    private Event.DriftFound reportedRolledBackByOthers;
    private final long baseRetryDelayMs;
    private final long reconcileIntervalMs;
    // This service's own evaluator (its own scratch space and windows), made for it by the pipeline's factory;
    // it binds to this context's thread on first use and refuses calls from any other thread.
    private final dev.releasepilot.window.Evaluator evaluator;
    private final dev.releasepilot.window.EvaluationGrid grid;
    private final TriggerEvaluations exprs; // this service's expr triggers and their windows
    private final Judges judges;            // this service's judge triggers and their blocks
    private final Tracing tracing;
    // The trace of the rollback in flight: ended when the LB confirms it (or a resume ends the episode).
    private Tracing.Trace rollbackTrace = Tracing.Trace.NONE;
    private long actuationStartEpochNanos;
    // Leases (several instances, one shared journal). Leadership.SOLE when there is one instance.
    private final Leadership leadership;
    private final String instanceId;
    private final long actWithinNanos;
    private long caughtUpEpoch;        // the lease epoch this service caught up at; 0: not holding
    private Fence actFence = Fence.NONE; // the fence the actuation in flight started under
    private Long interrupted;          // seq of a rollback decision a takeover found without its action
    private Instant releaseSeen;       // the release the expr triggers were last reset for
    // While not the holder: firing alerts and expr firings received, decided on a takeover.
    private final Map<String, WarmAlert> warm = new LinkedHashMap<>();
    private final BoundedSet warmSeen = new BoundedSet(ServiceMachine.MAX_SEEN);
    private final Map<String, ExprTriggerRun.Fired> warmExprs = new LinkedHashMap<>();

    /** A group of records waiting for the journal, with the fence it was decided under. */
    private record Pending(List<Event> events, Fence fence) {
    }

    private record WarmAlert(AlertSignal signal, AlertTrigger trigger) {
    }

    /** What this instance may do for the service now. */
    private enum Role {
        /** Decide and act (the holder, caught up; or the only instance). */
        ACT,
        /** The shared store is unreachable: decide and act in the safe direction only, unfenced. */
        SAFE_ONLY,
        /** Another instance holds the lease (or this one is still catching up): stay warm, do not decide. */
        WATCH
    }
    private StepDriver steps; // puts the rollout's steps on the LB (created on start, with the context)
    /** How often a rollout in progress reads its gates when no sample arrives (holds end between samples). */
    static final long ROLLOUT_TICK_MS = 100;

    ServiceController(ServiceRule rule, Journal journal, Clock clock, DecideMetrics metrics, Tracing tracing,
                      long baseRetryDelayMs, long reconcileIntervalMs, dev.releasepilot.window.Evaluator evaluator,
                      dev.releasepilot.window.EvaluationGrid grid, EventSink events, Leadership leadership,
                      String instanceId, long actWithinNanos) {
        this.leadership = leadership;
        this.instanceId = instanceId;
        this.actWithinNanos = actWithinNanos;
        this.events = events;
        this.tracing = tracing;
        this.reconcileIntervalMs = reconcileIntervalMs;
        this.evaluator = evaluator;
        this.grid = grid;
        this.exprs = new TriggerEvaluations(rule.name(), task -> context.runOnContext(v -> task.run()), evaluator, grid,
                rule, metrics, clock::millis, TriggerEvaluations.SERIES_PER_TURN, TriggerEvaluations.NANOS_PER_TURN,
                this::conditionFired);
        this.judges = new Judges(evaluator, rule, clock::millis, Math.max(1_000, 4 * grid.stepMs()) * 1_000_000L,
                this::judgeFired);
        this.machine = new ServiceMachine(rule);
        this.ruleSnapshot = rule;
        this.journal = journal;
        this.clock = clock;
        this.metrics = metrics;
        this.baseRetryDelayMs = baseRetryDelayMs;
        this.published = machine.state();
        metrics.state(rule.name(), () -> published);
        metrics.driftUnresolved(rule.name(), () -> driftRepeats >= DRIFT_UNRESOLVED_AFTER);
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
        sinceSnapshot++;
    }

    /** Before deployment: start from a journaled snapshot (replay then applies the records after it). */
    void restore(JsonObject snapshot) {
        machine.restore(snapshot);
        if (machine.release() != null) {
            startRelease(machine.release()); // the release record itself is before the snapshot
        }
        published = machine.state();
        sinceSnapshot = 0;
    }

    /** A release starts every expr trigger afresh at the watermark it carries (the machine resets the others). */
    private void startRelease(Event e) {
        if (e instanceof Event.ReleaseStarted r) {
            releaseSeen = r.at();
            exprs.runs().forEach((name, run) -> {
                java.time.Instant w = r.watermarks().get(name);
                run.startRelease(w == null ? Long.MIN_VALUE : w.toEpochMilli());
            });
            judges.runs().forEach((name, run) -> {
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
        exprs.runs().forEach((name, run) -> {
            long w = run.watermarkMs(clock.millis());
            if (w != Long.MIN_VALUE) {
                marks.put(name, java.time.Instant.ofEpochMilli(w));
            }
        });
        judges.runs().forEach((name, run) -> {
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
        retries = new RetrySchedule(RetryPolicy.pending(java.time.Duration.ofMillis(baseRetryDelayMs)), Scheduler.of(vertx));
        steps = new StepDriver(name(), () -> actuator,
                new RetrySchedule(RetryPolicy.pending(java.time.Duration.ofMillis(baseRetryDelayMs)), Scheduler.of(vertx)),
                new StepOutcome());
        machine.restarted(); // a rollout continues with the time it held; its gates are read afresh
        wantStep();
        vertx.setPeriodic(ROLLOUT_TICK_MS, ROLLOUT_TICK_MS, t -> {
            decideWarmWhenDisconnected();
            rolloutTick();
        });
        if (machine.state().rollbackPending() && role() == Role.ACT) {
            // The process died with a rollback in flight: finish it. Re-applying weights is idempotent.
            // (With a shared journal nobody holds a lease yet: the holder to be completes it on takeover.)
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
        snapshot(true); // records replayed after the last snapshot: the next start need not replay them again
        vertx.setPeriodic(SNAPSHOT_INTERVAL_MS, SNAPSHOT_INTERVAL_MS, t -> snapshot(true));
        return Future.succeededFuture();
    }

    Future<Void> alert(AlertSignal a, AlertTrigger trigger) {
        return onContext(() -> {
            if (role() == Role.WATCH) {
                return watch(a, trigger);
            }
            List<Event> events = machine.onAlert(a, trigger, clock.instant());
            if (events.isEmpty()) {
                metrics.duplicates.increment();
            }
            return handle(events, a.receivedNanos());
        });
    }

    Future<Void> probe(ProbeSignal p, dev.releasepilot.rules.ProbeTrigger trigger) {
        return onContext(() -> role() == Role.WATCH ? Future.<Void>succeededFuture() // the holder probes too
                : handle(machine.onProbe(p, trigger, clock.instant()), p.receivedNanos()));
    }

    Future<JsonObject> command(OperatorCommand c) {
        return onContext(() -> commandAllowed(c) ? handle(machine.onCommand(c, clock.instant()).stream().map(this::withWatermarks).toList(),
                System.nanoTime()).map(v -> view()) : Future.succeededFuture(view()));
    }

    /**
     * Operators' commands go to the holder. While the shared store is down, a rollback or a pause (the
     * safe direction) is taken by any instance; a resume or a release (the unsafe direction: the canary
     * gets traffic again) waits until a lease is held.
     */
    private boolean commandAllowed(OperatorCommand c) {
        Role r = role();
        if (r == Role.ACT) {
            return true;
        }
        Standing s = leadership.standing(name());
        if (r == Role.SAFE_ONLY) {
            if (c instanceof OperatorCommand.Rollback || c instanceof OperatorCommand.Pause || c instanceof OperatorCommand.Abort) {
                return true;
            }
            throw new CommandRefused("service " + name() + ": no lease can be held (" + ((Standing.Disconnected) s).why()
                    + "); only a rollback, a pause or an abort is taken now; a resume, a release or a promotion waits until"
                    + " the journal's database is back");
        }
        String holder = s instanceof Standing.Follower f && !f.holder().isEmpty() && !f.holder().equals(instanceId)
                ? f.holder() : null;
        throw new NotTheHolder("service " + name() + " is decided by " + (holder == null
                ? "the instance that takes its lease next (none holds it this moment)" : "instance " + holder)
                + ", not by this instance (" + instanceId + "); send the command there (GET /api/v1/cluster lists the instances)",
                holder);
    }

    Future<JsonObject> status() {
        return onContext(() -> Future.succeededFuture(view()));
    }

    private void conditionFired(ExprTriggerRun run, ExprTriggerRun.Fired fired) {
        if (role() == Role.WATCH) {
            warmExprs.put(run.trigger.name(), fired); // decided if it still fires when this instance takes over
            return;
        }
        handle(machine.onConditionFired(run.trigger, run.evidence(fired), clock.instant()), run.lastTouchNanos());
    }

    private void judgeFired(JudgeRun run, JudgeVerdict verdict) {
        if (role() == Role.WATCH) {
            return; // the holder's judges decide; a judge's verdict is not carried over a takeover (it judges again)
        }
        handle(machine.onJudgeFired(run.trigger, run.evidence(verdict), verdict.detail(), clock.instant()),
                run.lastTouchNanos());
    }

    /**
     * A fresh verdict of a judge trigger at a step boundary (on this context): see {@link Judges#lookNow}.
     * Empty when the service has no judge of that name.
     */
    Optional<JudgeVerdict> judgeNow(String trigger) {
        return judges.lookNow(trigger);
    }

    /** New samples moved an expr or judge trigger's windows (called from ingest threads): evaluate on this context. */
    void touched(String trigger, long oldestMs, long newestMs) {
        long arrived = System.nanoTime();
        context.runOnContext(v -> {
            if (judges.has(trigger)) {
                judges.touched(trigger, newestMs, arrived);
            } else {
                exprs.touched(trigger, oldestMs, newestMs, arrived);
            }
            rolloutTick(); // a gate may have just started (or stopped) passing
        });
    }

    /** A rollout in progress reads its gates: holds count, steps complete, max_hold pauses. */
    private void rolloutTick() {
        if (machine.rollout() == null || role() != Role.ACT) {
            return; // a rollout moves forward (the unsafe direction) only under a held lease
        }
        if (machine.rule().dryRun() && !machine.rollout().applied()) {
            wantStep(); // dry_run: the step counts as applied once the weights were read at all
        }
        Instant now = clock.instant();
        Map<String, GateReading> gates = new LinkedHashMap<>(machine.gates(now));
        exprs.runs().forEach((n, r) -> gates.put(n, r.gate()));
        RolloutRun run = machine.rollout();
        Phase phase = run.phase();
        boolean holdReached = run.heldMs(now) >= phase.hold().toMillis();
        judges.runs().forEach((n, r) -> {
            GateReading g = r.gate();
            if (holdReached && phase.gates().contains(n) && !g.freshAt(now)) {
                // A step boundary: the judge looks now (one look of the release's budget; asking again before a
                // new block answers the last verdict), so a step completes on a verdict about its own traffic.
                judges.lookNow(n);
                g = r.gate();
            }
            gates.put(n, g);
        });
        List<Event> events = machine.onTick(gates, now);
        if (!events.isEmpty()) {
            handle(events, System.nanoTime());
        }
    }

    /** Hands the rollout's wanted step to the driver (after every change of state). */
    private void wantStep() {
        if (steps == null) {
            return; // replaying, before start
        }
        if (role() != Role.ACT) {
            steps.want(-1, -1); // only the caught-up holder puts steps on the LB (and never during an outage)
            return;
        }
        RolloutRun run = machine.rollout();
        int share = machine.wantedShare();
        if (share >= 0 && machine.rule().dryRun()) {
            // dry_run: the plan is walked and recorded, the load balancer is left alone
            if (!run.applied() && lastWeights != null) {
                Event.StepApplied a = machine.stepApplied(run.step(), share, lastWeights, 0, clock.instant());
                if (a != null) {
                    handle(List.of(a), 0);
                }
            }
            return;
        }
        steps.want(run == null ? -1 : run.step(), share);
    }

    /** The driver's reports, on this context. */
    private final class StepOutcome implements StepDriver.Outcome {
        @Override
        public void applied(int step, int weight, Weights read, long millis) {
            lastWeights = read;
            lastReadError = null;
            unreachable = null;
            Event.StepApplied a = machine.stepApplied(step, weight, read, millis, clock.instant());
            if (a != null) {
                LOG.info(() -> "service " + name() + ": rollout step " + step + " (" + weight + "%) read back in " + millis + " ms");
                handle(List.of(a), 0);
                rolloutTick();
            }
        }

        @Override
        public void failed(int step, int weight, Throwable cause, boolean retryable, RetrySchedule.Step retry) {
            String reason = cause instanceof ActuationFailure f ? f.reason().name().toLowerCase(java.util.Locale.ROOT) : "error";
            LOG.warning(() -> "service " + name() + ": rollout step " + step + " (" + weight + "%) not applied: "
                    + cause.getMessage() + (retryable ? "; retrying in " + retry.nextRetry().toMillis() + " ms" : ""));
            List<Event> events = new ArrayList<>();
            events.add(retry == null ? new Event.ActuationFailed(clock.instant(), reason, String.valueOf(cause.getMessage()), 1)
                    : new Event.ActuationFailed(clock.instant(), reason, retry.error(), 1, retry.repeats(), retry.nextRetry().toMillis()));
            if (!retryable) {
                Event.Decided pause = machine.stepRefused(step, weight, String.valueOf(cause.getMessage()), clock.instant());
                if (pause != null) {
                    events.add(pause);
                }
            }
            handle(events, 0);
        }
    }

    /**
     * Runs on this context every silence check: samples held back because they were stamped ahead of the
     * host's clock are evaluated once their time comes; expr triggers whose sources went quiet move on to
     * NO_DATA.
     */
    private void checkSilence() {
        exprs.checkSilence(System.nanoTime());
        judges.checkSilence(System.nanoTime());
    }

    /** @param newActuator the actuator for a changed backend, or null to keep the current one */
    void reload(ServiceRule rule, Actuator newActuator) {
        ruleSnapshot = rule;
        context.runOnContext(v -> {
            exprs.rules(rule);
            judges.rules(rule);
            machine.rule(rule);
            if (newActuator != null) {
                this.actuator = newActuator;
                unreachable = "not reached yet: the backend changed and has not been read back";
                reconcile();
            }
        });
    }

    private Future<Void> handle(List<Event> decided, long startNanos) {
        return handle(decided, startNanos, currentFence());
    }

    private Future<Void> handle(List<Event> decided, long startNanos, Fence fence) {
        List<Event> events = decided;
        List<Tracing.Trace> traces = List.of();
        if (tracing.enabled()) {
            // One trace per decision: the evaluation step ends now; the journal step when it is durable.
            long arrived = epochNanos(startNanos == 0 ? System.nanoTime() : startNanos);
            long now = epochNanos(System.nanoTime());
            events = new ArrayList<>(decided.size());
            traces = new ArrayList<>();
            for (Event e : decided) {
                if (e instanceof Event.Decided d) {
                    Tracing.Trace t = tracing.decision(name(), d.trigger(), d.kind().label(), arrived);
                    t.step("evaluate", arrived, now, Map.of("reason", String.valueOf(d.reason())));
                    traces.add(t);
                    if (d.kind() == DecisionKind.ROLLBACK) {
                        rollbackTrace.end(now, false, "superseded by another rollback decision");
                        rollbackTrace = t;
                    } else if (d.kind() == DecisionKind.RESUME) {
                        rollbackTrace.end(now, false, "resumed before the load balancer confirmed the rollback");
                        rollbackTrace = Tracing.Trace.NONE;
                    }
                    e = d.traced(t.id());
                }
                events.add(e);
            }
        }
        boolean rollback = false;
        for (Event e : events) {
            machine.apply(e);
            startRelease(e);
            rollback |= e instanceof Event.DriftFound d && d.direction() == DriftDirection.LB_LOST_ROLLBACK;
            if (e instanceof Event.AlertSeen a && a.stale()) {
                metrics.stale(name());
                LOG.info(() -> "service " + name() + ": alert " + a.labels().getOrDefault("alertname", a.fingerprint())
                        + " (fingerprint " + a.fingerprint() + ") ignored as stale: it started at " + a.startsAt()
                        + ", before the current release beyond the stale tolerance of "
                        + machine.rule().staleTolerance().toSeconds() + "s");
            }
            if (e instanceof Event.StepEntered st) {
                metrics.rolloutStep(name(), st.cause());
            } else if (e instanceof Event.ReleasePromoted) {
                metrics.rolloutStep(name(), "promoted");
            }
            if (e instanceof Event.Decided d) {
                metrics.decision(name(), d.kind());
                rollback |= d.kind() == DecisionKind.ROLLBACK;
                if (d.kind() == DecisionKind.RESUME) {
                    retries.reset();
                    driftRepairPending = false;
                }
            }
        }
        published = machine.state();
        wantStep();
        Future<Void> durable = persist(events, fence);
        if (!traces.isEmpty()) {
            long decidedAt = epochNanos(System.nanoTime());
            List<Tracing.Trace> done = traces;
            durable.onComplete(ar -> {
                long at = epochNanos(System.nanoTime());
                for (Tracing.Trace t : done) {
                    t.step("journal", decidedAt, at, Map.of("durable", String.valueOf(ar.succeeded())));
                    if (t != rollbackTrace) {
                        t.end(at, true, "decided"); // a rollback's trace goes on to the actuation
                    }
                }
            });
        }
        if (rollback) {
            // Act once the decision is on disk, or has failed to get there: safety first either way.
            durable.onComplete(x -> actuate(startNanos));
        }
        return durable;
    }

    /**
     * Journals the durable events of one input as one group: an alert and the decision it caused are
     * on disk together or not at all, so a crash between them cannot make a re-sent alert a "duplicate".
     */
    private Future<Void> persist(List<Event> all, Fence fence) {
        List<Event> events = all.stream().filter(Event::durable).toList();
        for (Event e : events) {
            if (!(e instanceof Event.AlertSeen)) { // alerts came from outside; announce what we decided and did
                this.events.publish(name(), e.type(), EventCodec.toJson(e));
            }
        }
        if (!backlog.isEmpty()) {
            if (!events.isEmpty()) {
                backlog.add(new Pending(events, fence)); // keep journal order: nothing overtakes records still waiting
            }
            scheduleFlush();
            return Future.failedFuture("journal unavailable: " + backlog.size() + " record groups waiting for disk");
        }
        if (events.isEmpty()) {
            return Future.succeededFuture();
        }
        return appendGroup(events, fence).transform(ar -> {
            if (ar.succeeded()) {
                return Future.succeededFuture();
            }
            if (ar.cause() instanceof FencedOut) {
                fencedOut(fence);
                return Future.failedFuture(ar.cause());
            }
            if (ar.cause() instanceof RecordTooLarge) {
                // Never fits: keeping it for retry would hold every later record back behind it.
                LOG.severe("service " + name() + ": " + ar.cause().getMessage() + "; that record group is not kept");
                return Future.failedFuture(ar.cause());
            }
            backlog.add(new Pending(events, fence));
            LOG.log(Level.WARNING, "service " + name() + ": journal write failed, " + backlog.size()
                    + " record groups kept for retry", ar.cause());
            scheduleFlush();
            return Future.failedFuture(ar.cause());
        });
    }

    private Future<List<JournalEntry>> appendGroup(List<Event> events, Fence fence) {
        List<Draft> group = events.stream().map(e -> new Draft(e.type(), EventCodec.toJson(e))).toList();
        appendsInFlight++;
        return journal.append(name(), fence, group).onComplete(ar -> {
            appendsInFlight--;
            if (ar.succeeded()) {
                sinceSnapshot += group.size();
                snapshot(false);
            }
        });
    }

    /**
     * Journals the machine's state as a snapshot, when it equals what the journal holds: no append in
     * flight and nothing in the backlog (else replay would apply those records twice).
     */
    private Future<?> snapshot(boolean anyCount) {
        // Only the holder's (or the sole instance's) state is the journal's: nobody else writes snapshots.
        if (role() != Role.ACT || sinceSnapshot == 0 || appendsInFlight > 0 || !backlog.isEmpty()
                || (!anyCount && sinceSnapshot < SNAPSHOT_EVERY_RECORDS)) {
            return Future.succeededFuture();
        }
        int covered = sinceSnapshot;
        sinceSnapshot = 0;
        appendsInFlight++;
        Fence fence = currentFence();
        return journal.append(name(), fence, List.of(new Draft(Journal.SNAPSHOT, machine.snapshot()))).onComplete(ar -> {
            appendsInFlight--;
            if (ar.failed()) {
                sinceSnapshot += covered;
                if (ar.cause() instanceof FencedOut) {
                    fencedOut(fence);
                }
            }
        });
    }

    /** A graceful stop leaves a snapshot, so the next start replays nothing after it. */
    @Override
    public Future<?> stop() {
        Event.HoldChanged held = role() == Role.ACT ? machine.checkpoint(clock.instant()) : null;
        if (held != null) {
            handle(List.of(held), 0); // the time held up to now, so a restart continues from it
        }
        return snapshot(true).recover(e -> Future.succeededFuture()); // best effort: replay covers a missing one
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
        Pending group = backlog.peek();
        if (group == null) {
            return;
        }
        appendGroup(group.events(), group.fence()).onComplete(ar -> {
            if (ar.failed() && ar.cause() instanceof FencedOut) {
                // Decided under a lease that is gone: the new holder caught up without these, and decides
                // again from what it received. Records decided unfenced (during an outage) still follow.
                backlog.removeIf(g -> g.fence().equals(group.fence()));
                fencedOut(group.fence());
                flushBacklog();
                return;
            }
            if (ar.succeeded() || ar.cause() instanceof RecordTooLarge) {
                if (ar.failed()) {
                    LOG.severe("service " + name() + ": " + ar.cause().getMessage() + "; that record group is not kept");
                }
                backlog.poll();
                flushBacklog();
            } else {
                scheduleFlush();
            }
        });
    }

    private void actuate(long startNanos) {
        if (actuating || !machine.state().rollbackPending()) {
            return;
        }
        Standing standing = leadership.standing(name());
        if (standing instanceof Standing.Holder h && h.fence().epoch() == caughtUpEpoch) {
            if (!h.validFor(System.nanoTime(), actWithinNanos)) {
                // Renewals are late: acting now could outlast the lease. Look again shortly; if the lease
                // lapses, the store is down (act unfenced, the safe direction) or another holder acts.
                metrics.leaseTooShort(name());
                vertx.setTimer(100, t -> actuate(startNanos));
                return;
            }
            actFence = h.fence();
        } else if (standing instanceof Standing.Sole || standing instanceof Standing.Disconnected) {
            actFence = Fence.NONE; // a rollback is the safe direction: with the store down, any instance applies it
        } else {
            return; // not the caught-up holder: the holder acts
        }
        if (steps != null && steps.busy()) {
            steps.whenIdle(() -> actuate(startNanos)); // the rollback's weights must be the last written
            return;
        }
        if (pendingSince == 0) {
            pendingSince = startNanos;
        }
        actuating = true;
        retries.cancelTimer();
        actuations++;
        long t0 = System.nanoTime();
        actuationStartEpochNanos = epochNanos(t0);
        String backendKind = machine.rule().backend().kind();
        String trigger = machine.lastTrigger();
        // Quick retries happen inside the actuator chain (act's RetryingActuator); this is one step of
        // the slower loop that keeps a rollback pending until the LB confirms it.
        actuator.apply(new Command.Rollback(name(), trigger, machine.rule().whenStableUnavailable())).onComplete(ar -> {
            actuating = false;
            long took = System.nanoTime() - t0;
            noteReach(ar);
            if (ar.failed() && ar.cause() instanceof ActuationFailure f
                    && f.reason() == ActuationFailure.Reason.STABLE_UNAVAILABLE) {
                held(f);
                return;
            }
            metrics.actuation(backendKind, took, ar.succeeded());
            if (ar.succeeded()) {
                succeeded(ar.result(), trigger, took);
            } else {
                failed(ar.cause());
            }
        });
    }

    private void succeeded(Weights weights, String trigger, long tookNanos) {
        lastWeights = weights;
        lastReadError = null;
        long reaction = pendingSince > 0 ? System.nanoTime() - pendingSince : 0;
        pendingSince = 0;
        int took = actuations;
        actuations = 0;
        retries.reset();
        metrics.rollbackExecuted(name(), trigger, reaction);
        long verified = epochNanos(System.nanoTime());
        rollbackTrace.step("actuate", actuationStartEpochNanos, verified,
                Map.of("weights", weights.toJson().encode(), "attempts", String.valueOf(took)));
        rollbackTrace.end(verified, true, "verified: " + weights.toJson().encode());
        rollbackTrace = Tracing.Trace.NONE;
        if (driftRepairPending) {
            driftRepairPending = false;
            metrics.drift(name());
        }
        String risk = null;
        List<String> stable = machine.rule().backend().stableServers();
        if (!weights.anyServes(stable)) {
            // Only a rollback with when_stable_unavailable: drain gets here: the LB drained the canary
            // although no stable server can serve. Say so in the action's record.
            risk = "drained with no stable server able to serve: " + StableGuard.describe(weights, stable);
            String r = risk;
            LOG.warning(() -> "service " + name() + ": " + r);
        }
        Long completes = interrupted;
        interrupted = null;
        handle(List.of(new Event.Actuated(clock.instant(), weights, tookNanos / 1_000_000, took, risk, completes)), 0, actFence);
    }

    private void failed(Throwable c) {
        String reason = c instanceof ActuationFailure f ? f.reason().name().toLowerCase(java.util.Locale.ROOT) : "error";
        int attempts = c instanceof ActuationFailure f ? f.attempts() : 1;
        // Never forgotten: the rollback stays pending and is tried again after the next backoff step.
        RetrySchedule.Step step = retries.failed(reason, String.valueOf(c.getMessage()), () -> actuate(0));
        rollbackTrace.step("actuate", actuationStartEpochNanos, epochNanos(System.nanoTime()),
                Map.of("error", reason + ": " + c.getMessage(), "attempts", String.valueOf(attempts)));
        LOG.warning(() -> "service " + name() + ": rollback not applied (" + step.failures() + " steps, "
                + attempts + " tries in the last): " + c.getMessage() + "; retrying in " + step.nextRetry().toMillis() + " ms");
        handle(List.of(new Event.ActuationFailed(clock.instant(), reason, step.error(), attempts, step.repeats(),
                step.nextRetry().toMillis())), 0, actFence);
    }

    /** No stable server can serve: hold the canary, say so once per episode, and keep checking. */
    private void held(ActuationFailure f) {
        Weights observed = f.observed();
        if (observed != null) {
            lastWeights = observed;
            lastReadError = null;
        }
        Evidence evidence = new Evidence.StableUnavailable(machine.rule().whenStableUnavailable().label(), observed);
        Event.Decided blocked = machine.rollbackBlocked(f.getMessage(), evidence, clock.instant());
        if (blocked != null) {
            LOG.warning(() -> "service " + name() + ": rollback blocked: " + f.getMessage());
            handle(List.of(blocked), 0, actFence);
        }
        retries.recheck(() -> actuate(0));
    }

    /**
     * Load balancers forget: an HAProxy reload resets runtime weights to the config file's. Read the
     * weights back; if a rolled-back service's canary has traffic again, journal the drift and
     * re-apply the rollback. The other way round (the LB rolled back while the service's release is
     * live) is journaled and shown, once per episode, and left alone.
     */
    private void reconcile() {
        if (actuating) {
            return;
        }
        actuator.apply(new Command.Read(name())).onComplete(ar -> {
            noteReach(ar);
            if (ar.failed()) {
                lastReadError = ar.cause().getMessage();
                return;
            }
            lastWeights = ar.result();
            lastReadError = null;
            if (role() != Role.ACT) {
                // Only the caught-up holder judges drift. A follower's view may be behind: during an outage
                // (SAFE_ONLY) it would "repair" a release it never saw back to its last rollback, and a former
                // holder would re-apply its step, raising the canary without a lease.
                return;
            }
            if (!actuating && steps.drifted(ar.result())) {
                Event.DriftFound lost = new Event.DriftFound(clock.instant(), ar.result(), "load balancer lost rollout step "
                        + machine.rollout().step() + " (" + machine.wantedShare() + "%); re-applying it", DriftDirection.LB_LOST_STEP);
                LOG.warning(() -> "service " + name() + ": " + lost.detail());
                metrics.driftFound(name(), lost.direction());
                handle(List.of(lost), System.nanoTime());
                steps.again();
                return;
            }
            Event.DriftFound drift = actuating ? null : machine.checkDrift(ar.result(), clock.instant());
            if (drift == null) {
                if (!machine.state().rollbackPending() && ++cleanReads >= DRIFT_QUIET_READS) {
                    driftRepeats = 0; // quiet for long enough: whatever undid the rollback has stopped
                }
                reportedRolledBackByOthers = null;
                return;
            }
            if (drift.direction() == DriftDirection.LB_ROLLED_BACK) {
                if (reportedRolledBackByOthers == null) {
                    reportedRolledBackByOthers = drift;
                    LOG.warning(() -> "service " + name() + ": " + drift.detail());
                    metrics.driftFound(name(), drift.direction());
                    handle(List.of(drift), System.nanoTime());
                }
                return;
            }
            driftRepeats++;
            cleanReads = 0;
            lastDrift = drift;
            metrics.driftFound(name(), drift.direction());
            if (driftRepeats == DRIFT_UNRESOLVED_AFTER) {
                LOG.warning(() -> "service " + name() + ": drift unresolved: found " + driftRepeats
                        + " times in a row after verified repairs: " + drift.detail());
            } else {
                LOG.warning(() -> "service " + name() + ": " + drift.detail() + "; re-applying the rollback");
            }
            driftRepairPending = true;
            handle(List.of(drift), System.nanoTime());
        });
    }

    /**
     * A backend is reached when it answered something we understood: a success, or a read-back that
     * cannot judge (the LB answered; the answer matched no known state, or the kind has no read-back).
     * Refused connections, timeouts, refusals (Caddy's 403 without origin) and garbled or oversized
     * replies leave it unreached; /-/ready says so until it is.
     */
    private void noteReach(AsyncResult<Weights> ar) {
        if (ar.succeeded() || (ar.cause() instanceof ActuationFailure f && (f.reason() == ActuationFailure.Reason.VERIFY_MISMATCH
                || f.reason() == ActuationFailure.Reason.UNREADABLE || f.reason() == ActuationFailure.Reason.STABLE_UNAVAILABLE))) {
            unreachable = null;
        } else if (!(ar.cause() instanceof ActuationFailure f && (f.reason() == ActuationFailure.Reason.CIRCUIT_OPEN
                || f.reason() == ActuationFailure.Reason.BUSY))) {
            unreachable = String.valueOf(ar.cause().getMessage());
        }
    }

    private Role role() {
        Standing s = leadership.standing(name());
        if (s instanceof Standing.Sole) {
            return Role.ACT;
        }
        if (s instanceof Standing.Holder h) {
            return h.fence().epoch() == caughtUpEpoch ? Role.ACT : Role.WATCH; // not caught up yet: watch
        }
        return s instanceof Standing.Disconnected ? Role.SAFE_ONLY : Role.WATCH;
    }

    /** The fence this instance's records of the service carry now: the lease it caught up at, or none. */
    private Fence currentFence() {
        return leadership.standing(name()) instanceof Standing.Holder h && h.fence().epoch() == caughtUpEpoch
                ? h.fence() : Fence.NONE;
    }

    /** The journal refused {@code fence}: another instance holds the service now. Stop acting at once. */
    private void fencedOut(Fence fence) {
        if (!fence.fenced()) {
            return;
        }
        LOG.warning(() -> "service " + name() + ": the journal refused a write at lease epoch " + fence.epoch()
                + "; this instance no longer decides or acts for it");
        leadership.fencedOut(name(), fence.epoch());
        if (caughtUpEpoch == fence.epoch()) {
            caughtUpEpoch = 0;
            retries.cancelTimer();
            steps.want(-1, -1);
        }
    }

    /**
     * Not the holder: remember a firing alert (decided if it still fires when this instance takes over)
     * and journal that it arrived here, unfenced and with this instance's id, as history that never
     * forms state. Answers once it is durable, as for the holder, so Alertmanager re-sends otherwise.
     */
    private Future<Void> watch(AlertSignal a, AlertTrigger trigger) {
        boolean known;
        if (a.firing()) {
            known = warmSeen.contains(a.episode());
            warmSeen.add(a.episode());
            warm.put(a.fingerprint(), new WarmAlert(a, trigger));
            if (warm.size() > ServiceMachine.MAX_FIRING) {
                warm.remove(warm.keySet().iterator().next());
            }
        } else {
            known = warm.remove(a.fingerprint()) == null;
        }
        if (known) {
            metrics.duplicates.increment();
            return Future.succeededFuture();
        }
        Event.AlertSeen seen = new Event.AlertSeen(clock.instant(), a.fingerprint(), a.startsAt(), a.firing(), false,
                trigger.name(), a.labels());
        JsonObject body = EventCodec.toJson(seen).put("instance", instanceId);
        return journal.append(name(), Fence.NONE, List.of(new Draft(EventCodec.RECEIVED, body))).mapEmpty();
    }

    /**
     * This instance took the service's lease at {@code fence}: catch up from the shared journal (read off
     * the event loop), rebuild the machine from it, journal the takeover, then act on what is pending: a
     * rollback decided but not acted on is completed (its action record names the decision), and the
     * alerts and expr triggers that fired while this instance watched are decided (episodes the previous
     * holder already decided are known to the caught-up machine and decide nothing).
     */
    Future<Void> takeOver(Fence fence, String previousHolder) {
        return onContext(() -> catchUpAndAct(fence, previousHolder));
    }

    private Future<Void> catchUpAndAct(Fence fence, String previousHolder) {
        caughtUpEpoch = 0;
        return vertx.executeBlocking(() -> journal.replay(Set.of(name()))).transform(ar -> {
            if (!(leadership.standing(name()) instanceof Standing.Holder h) || h.fence().epoch() != fence.epoch()) {
                return Future.succeededFuture(); // lost again while reading
            }
            if (ar.failed()) {
                // The journal could not be read (its database busy or gone): without catching up this
                // instance must not decide. Try again while the lease is still ours.
                LOG.warning(() -> "service " + name() + ": cannot catch up from the journal at epoch " + fence.epoch()
                        + " (" + ar.cause().getMessage() + "); trying again");
                Promise<Void> later = Promise.promise();
                vertx.setTimer(500, t -> catchUpAndAct(fence, previousHolder).onComplete(later));
                return later.future();
            }
            List<JournalEntry> entries = ar.result();
            Long pendingSeq = catchUp(entries);
            caughtUpEpoch = fence.epoch();
            boolean pending = machine.state().rollbackPending();
            interrupted = pending ? pendingSeq : null;
            LOG.info(() -> "service " + name() + ": took over at epoch " + fence.epoch() + (previousHolder == null ? ""
                    : " from " + previousHolder) + ", caught up on " + entries.size() + " records, state "
                    + machine.state() + (pending ? "; completing the rollback it left" : ""));
            Future<Void> recorded = handle(List.of(new Event.TakenOver(clock.instant(), instanceId, fence.epoch(),
                    previousHolder, interrupted)), 0, fence);
            if (pending) {
                actuate(System.nanoTime());
            } else {
                wantStep(); // a rollout in progress: the step the previous holder wanted is put on the LB again
                steps.again();
            }
            decideWarm();
            return recorded.recover(e -> Future.succeededFuture());
        });
    }

    /** Rebuilds the machine from the journal's records of this service; the seq of a rollback not acted on. */
    private Long catchUp(List<JournalEntry> entries) {
        ServiceMachine fresh = new ServiceMachine(machine.rule());
        Long pendingSeq = null;
        int records = 0;
        for (JournalEntry e : entries) {
            if (!EventCodec.formsState(e.type())) {
                continue;
            }
            try {
                if (Journal.SNAPSHOT.equals(e.type())) {
                    fresh.restore(e.body());
                    pendingSeq = null;
                    records = 0;
                    continue;
                }
                Event ev = EventCodec.fromJournal(e.type(), e.body());
                fresh.apply(ev);
                records++;
                if ((ev instanceof Event.Decided d && d.kind() == DecisionKind.ROLLBACK)
                        || (ev instanceof Event.DriftFound df && df.direction() == DriftDirection.LB_LOST_ROLLBACK)) {
                    pendingSeq = e.seq();
                } else if (ev instanceof Event.Actuated) {
                    pendingSeq = null;
                }
            } catch (RuntimeException ex) {
                LOG.warning("service " + name() + ": journal record " + e.seq() + " not understood, skipped: " + ex.getMessage());
            }
        }
        machine = fresh;
        machine.restarted(); // a rollout continues with the time it held; its gates are read afresh
        Event.ReleaseStarted r = fresh.release();
        if (r != null && !r.at().equals(releaseSeen)) {
            startRelease(r); // a release the previous holder took: the expr triggers start afresh for it too
        }
        published = machine.state();
        sinceSnapshot = records;
        backlog.clear(); // groups decided before this takeover were decided by a machine now replaced
        return pendingSeq;
    }

    /**
     * The shared store went away while this instance only watched (a follower, or a holder still catching
     * up): what fired meanwhile is decided now. During an outage any instance rolls back (the safe
     * direction, idempotent); resumes and rollout steps still wait for a lease. Without this, an alert that
     * arrived a moment before the outage waited for Alertmanager's next re-send.
     */
    private void decideWarmWhenDisconnected() {
        if ((!warm.isEmpty() || !warmExprs.isEmpty()) && role() == Role.SAFE_ONLY) {
            decideWarm();
        }
    }

    /** After catching up: decide what fired while this instance only watched. */
    private void decideWarm() {
        Instant now = clock.instant();
        List<WarmAlert> alerts = List.copyOf(warm.values());
        warm.clear();
        warmSeen.clear();
        for (WarmAlert w : alerts) {
            handle(machine.onAlert(w.signal(), w.trigger(), now), System.nanoTime());
        }
        Map<String, ExprTriggerRun.Fired> fired = new LinkedHashMap<>(warmExprs);
        warmExprs.clear();
        fired.forEach((trigger, f) -> {
            ExprTriggerRun run = exprs.runs().get(trigger);
            if (run != null && run.firing()) {
                handle(machine.onConditionFired(run.trigger, run.evidence(f), now), run.lastTouchNanos());
            }
        });
    }

    /**
     * Stop deciding and acting (the lease is handed over or lost). Completes once no actuation is in
     * flight, so a released lease never has an actuation of this instance still under way.
     */
    Future<Void> stepDown() {
        return onContext(() -> {
            caughtUpEpoch = 0;
            if (retries != null) {
                retries.cancelTimer();
            }
            if (steps != null) {
                steps.want(-1, -1); // a rollout step's retries stop with the lease
            }
            Promise<Void> idle = Promise.promise();
            whenIdle(idle);
            return idle.future();
        });
    }

    private void whenIdle(Promise<Void> idle) {
        if (!actuating) {
            idle.complete();
        } else {
            vertx.setTimer(20, t -> whenIdle(idle));
        }
    }

    private JsonObject lease() {
        Standing s = leadership.standing(name());
        if (s instanceof Standing.Sole) {
            return null;
        }
        JsonObject o = new JsonObject().put("instance", instanceId).put("role", role().name().toLowerCase(java.util.Locale.ROOT));
        if (s instanceof Standing.Holder h) {
            o.put("holder", instanceId).put("epoch", h.fence().epoch()).put("caught_up", h.fence().epoch() == caughtUpEpoch);
        } else if (s instanceof Standing.Follower f) {
            o.put("holder", f.holder().isEmpty() ? null : f.holder());
        } else if (s instanceof Standing.Disconnected d) {
            o.put("error", d.why());
        }
        return o;
    }

    private JsonObject view() {
        JsonObject v = machine.view(clock.instant());
        v.put("weights", lastWeights == null ? null : lastWeights.toJson());
        v.put("weights_error", lastReadError);
        v.put("backend_unreachable", unreachable);
        v.put("rollback_pending", machine.state().rollbackPending());
        v.put("drift_unresolved", driftRepeats >= DRIFT_UNRESOLVED_AFTER ? new JsonObject()
                .put("repeats", driftRepeats).put("detail", lastDrift == null ? null : lastDrift.detail())
                .put("at", lastDrift == null ? null : lastDrift.at().toString()) : null);
        v.put("drift_rolled_back_by_others", reportedRolledBackByOthers == null ? null : EventCodec.toJson(reportedRolledBackByOthers));
        v.put("retry", retries != null && retries.failures() > 0 ? new JsonObject()
                .put("failed_steps", retries.failures()) : null);
        v.put("journal_backlog", backlog.size());
        v.put("lease", lease());
        JsonObject triggers = new JsonObject();
        exprs.runs().forEach((n, r) -> triggers.put(n, r.view()));
        v.put("expr_triggers", triggers);
        JsonObject judged = new JsonObject();
        judges.runs().forEach((n, r) -> judged.put(n, r.view()));
        v.put("judge_triggers", judged);
        actuator.circuit().ifPresent(c -> v.put("circuit", new JsonObject().put("state", c.state())
                .put("consecutive_failures", c.consecutiveFailures())));
        return v;
    }

    /** A monotonic {@code System.nanoTime()} reading as wall-clock epoch nanoseconds, for trace timestamps. */
    private long epochNanos(long monotonicNanos) {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() - (System.nanoTime() - monotonicNanos);
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
