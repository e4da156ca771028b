package dev.releasepilot.decide;

import dev.releasepilot.decide.rollout.GateReading;
import dev.releasepilot.decide.rollout.RolloutRun;
import dev.releasepilot.rules.AlertTrigger;
import dev.releasepilot.rules.Reaction;
import dev.releasepilot.rules.ServiceRule;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-service state machine. Pure: it reads no clock and does no I/O. {@code on*} methods say
 * which events an input causes given the current state; {@link #apply} is the only thing that changes
 * state, and it is used both live and when replaying the journal.
 */
public final class ServiceMachine {
    static final int MAX_FIRING = 1_000;
    static final int MAX_SEEN = 4_096;

    private ServiceRule rule;
    private ServiceState state = ServiceState.STEADY;
    private ServiceState beforePause = ServiceState.STEADY;
    private Event.ReleaseStarted release;
    private final Map<String, Event.AlertSeen> firing = new LinkedHashMap<>(); // by fingerprint
    private final BoundedSet seen = new BoundedSet(MAX_SEEN);
    private Instant cooldownUntil;
    private Event.Decided lastDecision;
    private Event.Actuated lastAction;
    private Event.ActuationFailed lastFailure;
    // Alerts ignored as stale (journaled, so the count survives a restart) and the newest of them.
    private long staleAlerts;
    private Event.AlertSeen lastStale;
    // Per probe trigger: the current run of consecutive failures, and its newest results as evidence.
    private final Map<String, Integer> probeRuns = new LinkedHashMap<>();
    private final Map<String, java.util.ArrayDeque<Event.ProbeResult>> probeEvidence = new LinkedHashMap<>();
    static final int MAX_PROBE_EVIDENCE = 10;
    // The release walking the rule's rollout plan, null when none is in progress; and how the last one ended.
    private RolloutRun rollout;
    private String releaseOutcome;
    private final Map<String, Event.ProbeResult> lastProbe = new LinkedHashMap<>(); // per probe trigger, for gates

    public ServiceMachine(ServiceRule rule) {
        this.rule = rule;
    }

    /** A reload swaps the rule; state, dedupe memory and cooldown carry over. */
    public void rule(ServiceRule newRule) {
        this.rule = newRule;
    }

    public ServiceRule rule() {
        return rule;
    }

    public ServiceState state() {
        return state;
    }

    /** The release in force (null before the first), as journaled: a snapshot's restore hands it to the expr triggers. */
    public Event.ReleaseStarted release() {
        return release;
    }

    /** The rollout in progress, or null. */
    public RolloutRun rollout() {
        return rollout;
    }

    /**
     * The canary share the load balancer should hold for the rollout in progress, or -1 when the
     * rollout does not drive the weights now (none in progress, or a rollback has them).
     */
    public int wantedShare() {
        return rollout == null || state.rollbackPending() || state == ServiceState.ROLLED_BACK ? -1 : rollout.phase().weight();
    }

    /** The rollout's step weights were read back: the event that lets its hold count, or null if the step moved on. */
    public Event.StepApplied stepApplied(int step, int weight, dev.releasepilot.act.Weights read, long millis, Instant now) {
        if (rollout == null || rollout.step() != step || rollout.phase().weight() != weight || rollout.applied()) {
            return null;
        }
        return new Event.StepApplied(now, step, weight, read, millis);
    }

    /** Time passed and the gates were read: what the rollout in progress does (nothing while paused). */
    public List<Event> onTick(Map<String, GateReading> gates, Instant now) {
        if (rollout == null || state != ServiceState.CANARY) {
            return List.of();
        }
        return rollout.tick(gates, now);
    }

    /**
     * The alert and probe triggers as rollout gates (the controller adds the expr triggers, which it
     * evaluates). An alert trigger passes while none of its alerts fires: Alertmanager sends nothing for
     * a healthy service, so it is always as fresh as now. A probe trigger passes while its last result
     * was healthy and is recent; a run of failures is PENDING, a completed run FIRING.
     */
    public Map<String, GateReading> gates(Instant now) {
        Map<String, GateReading> out = new LinkedHashMap<>();
        for (dev.releasepilot.rules.Trigger t : rule.triggers()) {
            if (t instanceof AlertTrigger) {
                long n = firing.values().stream().filter(a -> a.trigger().equals(t.name())).count();
                out.put(t.name(), new GateReading(t.name(), n == 0 ? ConditionState.OK : ConditionState.FIRING, now,
                        java.time.Duration.ZERO, n == 0 ? "no alert firing" : n + " alerts firing"));
            } else if (t instanceof dev.releasepilot.rules.ProbeTrigger p) {
                Event.ProbeResult last = lastProbe.get(p.name());
                int run = probeRuns.getOrDefault(p.name(), 0);
                ConditionState state = last == null ? ConditionState.NO_DATA : run == 0 ? ConditionState.OK
                        : run >= p.consecutiveFailures() ? ConditionState.FIRING : ConditionState.PENDING;
                out.put(p.name(), new GateReading(p.name(), state, last == null ? null : last.at(),
                        p.interval().multipliedBy(2).plus(p.timeout()),
                        last == null ? "no probe yet" : run == 0 ? "healthy" : run + " consecutive failures"));
            }
        }
        return out;
    }

    /**
     * The step's weights cannot be applied and trying again will not help (a static balance algorithm
     * refusing a share): the release pauses, with the load balancer's answer as evidence.
     */
    public Event.Decided stepRefused(int step, int weight, String error, Instant now) {
        if (rollout == null || state != ServiceState.CANARY) {
            return null;
        }
        return new Event.Decided(now, DecisionKind.PAUSE, "rollout", "release " + rollout.version() + " step " + step
                + " (" + weight + "%) cannot be applied: " + error, new Evidence.Recorded(new JsonObject()
                .put("step", step).put("weight", weight).put("error", error)));
    }

    /** The time held so far, journaled before a graceful stop; null when the hold is not counting. */
    public Event.HoldChanged checkpoint(Instant now) {
        return rollout == null || state != ServiceState.CANARY ? null : rollout.checkpoint(now);
    }

    /** After a restart: the gates are unknown until evaluated again; the time held stands. */
    public void restarted() {
        if (rollout != null) {
            rollout.restarted();
        }
    }

    /** The trigger of the latest decision (what a pending rollback is for), or "unknown". */
    public String lastTrigger() {
        return lastDecision == null ? "unknown" : lastDecision.trigger();
    }

    public List<Event> onAlert(AlertSignal a, AlertTrigger trigger, Instant now) {
        Map<String, String> labels = a.labels();
        // Firing alerts are tracked by fingerprint (the label set): Alertmanager may move startsAt
        // earlier when it merges updates, so a resolution or a re-send need not carry the startsAt we saw.
        if (!a.firing()) {
            return firing.containsKey(a.fingerprint())
                    ? List.of(new Event.AlertSeen(now, a.fingerprint(), a.startsAt(), false, false, trigger.name(), labels))
                    : List.of(); // an unknown or already-resolved episode: nothing changes
        }
        // While an alert fires, Alertmanager re-sends it with the same startsAt, or an earlier one when
        // it merged an update; a LATER startsAt means it resolved and fired again (a resolution we may
        // never have been sent, e.g. with send_resolved: false): a new episode.
        Event.AlertSeen current = firing.get(a.fingerprint());
        if ((current != null && !a.startsAt().isAfter(current.startsAt())) || seen.contains(a.episode())) {
            return List.of(); // a retry, a repeat or the HA peer's copy of an episode we already have
        }
        // Stale: started before the release, beyond what the sender's clock lagging ours explains.
        boolean stale = rule.ignoreAlertsBeforeRelease() && release != null
                && a.startsAt().isBefore(rule.staleBefore(release.at()));
        List<Event> out = new ArrayList<>(2);
        out.add(new Event.AlertSeen(now, a.fingerprint(), a.startsAt(), true, stale, trigger.name(), labels));
        if (!stale) {
            Evidence evidence = new Evidence.FiringAlert(a.fingerprint(), a.startsAt(), labels, a.annotations(),
                    a.sender(), a.receivedAt());
            String alertname = a.labels().getOrDefault("alertname", a.fingerprint());
            Event.Decided d = react(trigger.name(), "alert " + alertname + " firing since " + a.startsAt()
                    + " matched trigger " + trigger.name(), evidence, now);
            out.addAll(reacted(d, now));
        }
        return out;
    }

    /**
     * A probe result. Healthy resets the trigger's run of failures; the failure that completes
     * {@code consecutive_failures} in a row decides at once, with the failed results as evidence.
     */
    public List<Event> onProbe(ProbeSignal p, dev.releasepilot.rules.ProbeTrigger trigger, Instant now) {
        Event.ProbeResult r = new Event.ProbeResult(now, trigger.name(), p.healthy(), p.status(), p.error(), p.millis());
        java.util.ArrayDeque<Event.ProbeResult> run = probeEvidence.get(trigger.name());
        int before = probeRuns.getOrDefault(trigger.name(), 0);
        if (p.healthy() || before + 1 != trigger.consecutiveFailures()) {
            return List.of(r); // only the failure that completes the run decides; later ones are the same episode
        }
        List<Event.ProbeResult> failures = new ArrayList<>();
        if (run != null) {
            failures.addAll(run);
        }
        failures.add(r);
        Evidence evidence = new Evidence.FailedProbes(trigger.url(), trigger.consecutiveFailures(), failures);
        Event.Decided d = react(trigger.name(), trigger.consecutiveFailures() + " consecutive failed probes of "
                + trigger.url() + " (last: " + (p.error() != null ? p.error() : "status " + p.status()) + ")", evidence, now);
        List<Event> out = new ArrayList<>(List.of(r));
        out.addAll(reacted(d, now));
        return out;
    }

    /** An expr trigger's condition held for its {@code for}: react like any other trigger. */
    public List<Event> onConditionFired(dev.releasepilot.rules.ExprTrigger t, Evidence evidence, Instant now) {
        String reason = "expr " + t.name() + " held" + (t.forDuration().isZero() ? "" : " for " + t.forDuration().toSeconds() + "s")
                + ": " + t.expr().replaceAll("\\s+", " ").strip();
        return reacted(react(t.name(), reason, evidence, now), now);
    }

    /** A decision and, for a step_back, the step it returns to. */
    private List<Event> reacted(Event.Decided d, Instant now) {
        if (d == null) {
            return List.of();
        }
        return d.kind() == DecisionKind.STEP_BACK ? List.of(d, rollout.stepBack(now)) : List.of(d);
    }

    /** A judge found the canary worse than stable: the same reaction as any trigger's. */
    public List<Event> onJudgeFired(dev.releasepilot.rules.JudgeTrigger t, Evidence evidence, String detail, Instant now) {
        String reason = "judge " + t.name() + " found the canary worse than stable at confidence " + t.confidence()
                + ": " + detail;
        return reacted(react(t.name(), reason, evidence, now), now);
    }

    private Event.Decided react(String trigger, String reason, Evidence evidence, Instant now) {
        Reaction reaction = rule.reaction(trigger);
        if (rollout != null && rollout.blueGreen() && (rollout.phase().warm() || reaction == Reaction.STEP_BACK)) {
            reaction = Reaction.ROLLBACK; // blue-green: any trigger after the switch switches back at once
        } else if (reaction == Reaction.STEP_BACK && rollout == null) {
            reaction = Reaction.NOTIFY; // no release walking a plan: no step to go back to
        }
        if (state.rollbackPending() || state == ServiceState.ROLLED_BACK) {
            return null; // already safe, or on the way there; the alert itself is on record
        }
        if (state == ServiceState.PAUSED && reaction != Reaction.ROLLBACK) {
            return null;
        }
        if (state == ServiceState.FROZEN) {
            return new Event.Decided(now, DecisionKind.SUPPRESSED, trigger, "service is frozen: " + reason, evidence);
        }
        if (cooldownUntil != null && now.isBefore(cooldownUntil)) {
            return new Event.Decided(now, DecisionKind.SUPPRESSED, trigger,
                    "in cooldown until " + cooldownUntil + ": " + reason, evidence);
        }
        DecisionKind kind = switch (reaction) {
            case ROLLBACK -> rule.dryRun() ? DecisionKind.WOULD_ROLLBACK : DecisionKind.ROLLBACK;
            case PAUSE -> rule.dryRun() ? DecisionKind.WOULD_PAUSE : DecisionKind.PAUSE;
            case NOTIFY -> DecisionKind.NOTIFY;
            case STEP_BACK -> rule.dryRun() ? DecisionKind.NOTIFY : DecisionKind.STEP_BACK;
        };
        return new Event.Decided(now, kind, trigger, reason, evidence);
    }

    public List<Event> onCommand(OperatorCommand c, Instant now) {
        Evidence evidence = new Evidence.Operator(c.reason());
        // Java 17: no pattern switch yet, so an if-chain over the sealed set; the final throw is unreachable.
        if (c instanceof OperatorCommand.Resume r) {
            if (state != ServiceState.ROLLED_BACK && !state.rollbackPending()
                    && state != ServiceState.PAUSED && state != ServiceState.FROZEN) {
                throw new CommandRefused("service " + rule.name() + " is " + state + "; nothing to resume");
            }
            return List.of(new Event.Decided(now, DecisionKind.RESUME, "operator", r.reason(), evidence));
        }
        if (c instanceof OperatorCommand.Rollback r) {
            return List.of(new Event.Decided(now, DecisionKind.ROLLBACK, "operator", r.reason(), evidence));
        }
        if (c instanceof OperatorCommand.Pause p) {
            if (state == ServiceState.PAUSED || state == ServiceState.ROLLED_BACK || state.rollbackPending()) {
                throw new CommandRefused("service " + rule.name() + " is " + state + "; cannot pause");
            }
            return List.of(new Event.Decided(now, DecisionKind.PAUSE, "operator", p.reason(), evidence));
        }
        if (c instanceof OperatorCommand.Release r) {
            if (rollout != null && !r.supersede()) {
                throw new CommandRefused("service " + rule.name() + " has release " + rollout.version()
                        + " in progress (step " + rollout.step() + " of " + rollout.steps() + "); abort it, or pass \"supersede\": true",
                        new JsonObject().put("release", rollout.view(now).put("version", rollout.version())));
            }
            Event.ReleaseStarted started = new Event.ReleaseStarted(now, r.version(), r.detail());
            return rule.rollout() == null ? List.of(started)
                    : List.of(started, RolloutRun.start(rule.rollout(), r.version(), now));
        }
        if (c instanceof OperatorCommand.Promote) {
            if (rollout == null || state != ServiceState.CANARY) {
                throw new CommandRefused("service " + rule.name() + " is " + state + (rollout == null ? " with no release in progress" : "")
                        + "; nothing to promote");
            }
            return List.of(new Event.Decided(now, DecisionKind.RELEASE, "operator", "promote: " + c.reason(), evidence),
                    rollout.promote(now));
        }
        if (c instanceof OperatorCommand.Abort) {
            if (rollout == null) {
                throw new CommandRefused("service " + rule.name() + " has no release in progress; nothing to abort");
            }
            return List.of(new Event.Decided(now, DecisionKind.ROLLBACK, "operator", "abort release " + rollout.version()
                    + ": " + c.reason(), evidence));
        }
        throw new IllegalStateException("unhandled command " + c);
    }

    /**
     * Whether the weights read back from the LB contradict the rollback this service holds there: a
     * canary with weight, or no stable server with any (a reload that restored the config's weights,
     * a hand edit).
     */
    public Event.DriftFound checkDrift(dev.releasepilot.act.Weights read, Instant now) {
        if (state == ServiceState.CANARY) {
            // A rollout's steps may drain the canary on purpose (blue-green checks); its driver repairs them.
            return rollout != null ? null : checkRolledBackByOthers(read, now);
        }
        if (state != ServiceState.ROLLED_BACK) {
            return null;
        }
        List<String> wrong = new ArrayList<>();
        for (String canary : rule.backend().canaryServers()) {
            Integer w = read.current().get(canary);
            if (w != null && w != 0) {
                wrong.add(canary + "=" + w + " (want 0)");
            }
        }
        boolean stableServes = rule.backend().stableServers().stream()
                .anyMatch(s -> read.current().getOrDefault(s, 1) > 0);
        if (!stableServes) {
            wrong.add("no stable server has weight");
        }
        return wrong.isEmpty() ? null : new Event.DriftFound(now, read, "load balancer lost the rollback: "
                + String.join(", ", wrong));
    }

    /**
     * The other way round: the service's release is live (CANARY) but the LB gives no canary server any
     * weight while a stable server serves — rolled back by hand, or by a rollback whose record was lost.
     */
    private Event.DriftFound checkRolledBackByOthers(dev.releasepilot.act.Weights read, Instant now) {
        List<String> canary = rule.backend().canaryServers();
        boolean canaryDrained = canary.stream().allMatch(c -> read.current().getOrDefault(c, 1) == 0);
        if (!canaryDrained || !read.anyServes(rule.backend().stableServers())) {
            return null;
        }
        return new Event.DriftFound(now, read, "load balancer is rolled back (" + String.join(", ",
                canary.stream().map(c -> c + "=0").toList()) + ") while service " + rule.name() + " is CANARY"
                + (release == null ? "" : " for release " + release.version()) + "; not acting on it",
                DriftDirection.LB_ROLLED_BACK);
    }

    /**
     * A decided rollback that the LB cannot carry out safely: no stable server can serve. Null when the
     * service is not rolling back or already holds (one record per blocked episode).
     */
    public Event.Decided rollbackBlocked(String detail, Evidence evidence, Instant now) {
        if (state != ServiceState.ROLLING_BACK) {
            return null;
        }
        return new Event.Decided(now, DecisionKind.ROLLBACK_BLOCKED, lastTrigger(), detail, evidence);
    }

    public void apply(Event e) {
        if (e instanceof Event.AlertSeen a) {
            applyAlert(a);
        } else if (e instanceof Event.Decided d) {
            applyDecision(d);
        } else if (e instanceof Event.Actuated a) {
            lastAction = a;
            lastFailure = null;
            if (state.rollbackPending()) {
                state = ServiceState.ROLLED_BACK;
            }
        } else if (e instanceof Event.ProbeResult p) {
            lastProbe.put(p.trigger(), p);
            if (p.healthy()) {
                probeRuns.remove(p.trigger());
                probeEvidence.remove(p.trigger());
            } else {
                java.util.ArrayDeque<Event.ProbeResult> run = probeEvidence.computeIfAbsent(p.trigger(), k -> new java.util.ArrayDeque<>());
                run.addLast(p);
                if (run.size() > MAX_PROBE_EVIDENCE) {
                    run.removeFirst();
                }
                probeRuns.merge(p.trigger(), 1, Integer::sum);
            }
        } else if (e instanceof Event.DriftFound d) {
            if (d.direction() == DriftDirection.LB_LOST_ROLLBACK && state == ServiceState.ROLLED_BACK) {
                state = ServiceState.ROLLING_BACK;
            }
        } else if (e instanceof Event.TakenOver) {
            // a record of the hand-over only: the state it found is already built
        } else if (e instanceof Event.ActuationFailed f) {
            lastFailure = f;
        } else if (e instanceof Event.StepEntered s) {
            if (rollout == null || !rollout.version().equals(s.version())) {
                rollout = rule.rollout() == null ? null : new RolloutRun(rule.rollout(), s.version());
            }
            if (rollout != null) {
                rollout.apply(s);
                releaseOutcome = "in_progress";
            }
        } else if (e instanceof Event.StepApplied || e instanceof Event.HoldChanged) {
            if (rollout != null) {
                rollout.apply(e);
            }
        } else if (e instanceof Event.ReleasePromoted p) {
            rollout = null;
            releaseOutcome = "promoted";
            if (state == ServiceState.CANARY) {
                state = ServiceState.STEADY;
            }
        } else if (e instanceof Event.ReleaseStarted r) {
            if (rollout != null) {
                releaseOutcome = "superseded";
            }
            rollout = null; // a new release supersedes the one walking the plan; its own first step follows
            release = r;
            state = ServiceState.CANARY;
            cooldownUntil = null;
            lastFailure = null;
            // Every trigger starts afresh with a release: alert episodes and runs of failed probes belong
            // to the previous one. An alert still firing is judged again when Alertmanager re-sends it:
            // stale if it started before this release (and the rule says so), a new decision otherwise.
            firing.clear();
            seen.clear();
            probeRuns.clear();
            probeEvidence.clear();
        } else {
            throw new IllegalStateException("unhandled event " + e);
        }
    }

    private void applyAlert(Event.AlertSeen a) {
        if (!a.firing()) {
            firing.remove(a.fingerprint());
            return;
        }
        seen.add(a.episode());
        if (a.stale()) {
            staleAlerts++;
            lastStale = a;
        } else {
            firing.put(a.fingerprint(), a);
            if (firing.size() > MAX_FIRING) {
                firing.remove(firing.keySet().iterator().next());
            }
        }
    }

    private void applyDecision(Event.Decided d) {
        lastDecision = d;
        switch (d.kind()) {
            case ROLLBACK_BLOCKED -> {
                if (state == ServiceState.ROLLING_BACK) {
                    state = ServiceState.ROLLBACK_BLOCKED;
                }
            }
            case ROLLBACK -> {
                state = ServiceState.ROLLING_BACK;
                startCooldown(d);
                if (rollout != null) {
                    rollout = null; // the release ends: the canary goes to 0 and stays there
                    releaseOutcome = "rolled_back";
                }
            }
            case PAUSE -> {
                if (rollout != null && state != ServiceState.PAUSED) {
                    rollout.paused(d.at());
                }
                // No cooldown: a pause only holds the canary still, and a rollback that a trigger asks
                // for while paused must not be suppressed by it. A repeated pause is refused by state.
                beforePause = state;
                state = ServiceState.PAUSED;
            }
            case WOULD_ROLLBACK, WOULD_PAUSE, NOTIFY -> startCooldown(d);
            case RESUME -> {
                boolean releaseRolledBack = release != null && lastAction != null && lastAction.at().isAfter(release.at());
                if (rollout != null) {
                    rollout.resumed(d.at());
                }
                if (state == ServiceState.PAUSED) {
                    state = beforePause;
                } else {
                    // After a rollback the release's canary is gone: back to STEADY until a new release.
                    state = release != null && !releaseRolledBack ? ServiceState.CANARY : ServiceState.STEADY;
                }
                cooldownUntil = null;
                lastFailure = null;
            }
            case SUPPRESSED, RELEASE, STEP_BACK -> {
                // recorded only
            }
        }
    }

    private void startCooldown(Event.Decided d) {
        cooldownUntil = d.at().plus(rule.cooldown());
    }

    /**
     * Everything {@link #apply} has built up, as the body of a journal snapshot: replay starts at the
     * newest snapshot ({@link #restore}) instead of the first record. Probe runs are left out, as replay
     * never had them (probe results are not journaled).
     */
    public JsonObject snapshot() {
        JsonArray firingAlerts = new JsonArray();
        firing.values().forEach(a -> firingAlerts.add(EventCodec.toJson(a)));
        return new JsonObject().put("state", state.name()).put("before_pause", beforePause.name())
                .put("release", release == null ? null : EventCodec.toJson(release))
                .put("firing", firingAlerts).put("seen", new JsonArray(seen.members()))
                .put("cooldown_until", cooldownUntil == null ? null : cooldownUntil.toString())
                .put("last_decision", lastDecision == null ? null : EventCodec.toJson(lastDecision))
                .put("last_action", lastAction == null ? null : EventCodec.toJson(lastAction))
                .put("last_failure", lastFailure == null ? null : EventCodec.toJson(lastFailure))
                .put("rollout", rollout == null ? null : rollout.snapshot()).put("release_outcome", releaseOutcome);
    }

    /** Replaces the state with a {@link #snapshot}'s (the rule stays the current one). */
    public void restore(JsonObject s) {
        state = ServiceState.valueOf(s.getString("state"));
        beforePause = ServiceState.valueOf(s.getString("before_pause"));
        JsonObject r = s.getJsonObject("release");
        release = r == null ? null : (Event.ReleaseStarted) EventCodec.fromJournal("release", r);
        firing.clear();
        for (Object a : s.getJsonArray("firing")) {
            Event.AlertSeen alert = (Event.AlertSeen) EventCodec.fromJournal("alert", (JsonObject) a);
            firing.put(alert.fingerprint(), alert);
        }
        seen.clear();
        for (Object e : s.getJsonArray("seen")) {
            seen.add((String) e);
        }
        String cooldown = s.getString("cooldown_until");
        cooldownUntil = cooldown == null ? null : Instant.parse(cooldown);
        JsonObject d = s.getJsonObject("last_decision");
        lastDecision = d == null ? null : (Event.Decided) EventCodec.fromJournal("decision", d);
        JsonObject a = s.getJsonObject("last_action");
        lastAction = a == null ? null : (Event.Actuated) EventCodec.fromJournal("action", a);
        JsonObject f = s.getJsonObject("last_failure");
        lastFailure = f == null ? null : (Event.ActuationFailed) EventCodec.fromJournal("action_failed", f);
        probeRuns.clear();
        probeEvidence.clear();
        JsonObject run = s.getJsonObject("rollout");
        rollout = run == null || rule.rollout() == null ? null : RolloutRun.restore(rule.rollout(), run);
        releaseOutcome = s.getString("release_outcome");
    }

    /** The view, with the release's progress as of {@code now}. */
    public JsonObject view(Instant now) {
        JsonObject o = view();
        JsonObject r = o.getJsonObject("release");
        if (r != null) {
            r.put("outcome", releaseOutcome);
            if (rollout != null) {
                r.mergeIn(rollout.view(now));
            }
        }
        return o;
    }

    public JsonObject view() {
        JsonObject o = new JsonObject().put("name", rule.name()).put("state", state.name())
                .put("dry_run", rule.dryRun()).put("on_trigger", rule.onTrigger().name().toLowerCase(java.util.Locale.ROOT))
                .put("backend", rule.backend().kind());
        JsonArray alerts = new JsonArray();
        firing.values().forEach(a -> alerts.add(EventCodec.toJson(a)));
        o.put("firing_alerts", alerts);
        JsonObject probes = new JsonObject();
        probeRuns.forEach((t, n) -> probes.put(t, new JsonObject().put("consecutive_failures", n)
                .put("last", EventCodec.toJson(probeEvidence.get(t).peekLast()))));
        o.put("failing_probes", probes);
        o.put("stale_alerts", new JsonObject().put("count", staleAlerts)
                .put("last", lastStale == null ? null : EventCodec.toJson(lastStale)));
        o.put("cooldown_until", cooldownUntil == null ? null : cooldownUntil.toString());
        o.put("release", release == null ? null : EventCodec.toJson(release));
        o.put("last_decision", lastDecision == null ? null : EventCodec.toJson(lastDecision));
        o.put("last_action", lastAction == null ? null : EventCodec.toJson(lastAction));
        o.put("last_failure", lastFailure == null ? null : EventCodec.toJson(lastFailure));
        return o;
    }
}
