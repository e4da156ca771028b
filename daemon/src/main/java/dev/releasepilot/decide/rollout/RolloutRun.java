package dev.releasepilot.decide.rollout;

import dev.releasepilot.decide.ConditionState;
import dev.releasepilot.decide.DecisionKind;
import dev.releasepilot.decide.Event;
import dev.releasepilot.decide.Evidence;
import dev.releasepilot.rules.rollout.Rollout;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One release walking its service's rollout plan: which step it is at, whether the step's weights are
 * on the load balancer, and how long its gates have held. Pure, like the state machine that owns it:
 * time is passed in, {@link #tick} and the command methods say which events follow, and only
 * {@link #apply} (live and on replay) changes anything.
 *
 * <p>The hold counts only while every gate passes (its trigger evaluated with data, neither pending nor
 * firing) and only once the step's weights were read back. A gate without data (low traffic, a source
 * gone quiet, or the gates unknown right after a restart) stops the count without losing it; a gate
 * whose trigger is pending or firing starts the hold again from zero. A step completes when the hold is
 * reached and every gate's latest evaluation is fresh ({@link GateReading#freshAt}). While the gates
 * pass, the time held is checkpointed to the journal every twentieth of the hold (1 s to 30 s), so a
 * restart loses at most that much of it.
 */
public final class RolloutRun {
    static final Duration MIN_CHECKPOINT = Duration.ofSeconds(1);
    static final Duration MAX_CHECKPOINT = Duration.ofSeconds(30);

    private final Rollout plan;
    private final List<Phase> phases;
    private final String version;
    private int index;
    private boolean applied;
    private long heldMs;
    private Instant passingSince; // non-null while the gates pass (status PASS) and the hold counts
    private GateStatus status = GateStatus.WAIT;
    private Instant maxHoldFrom;
    private Instant lastCheckpoint;
    private List<GateReading> lastGates = List.of(); // for the view only: the gates as last read

    public RolloutRun(Rollout plan, String version) {
        this.plan = plan;
        this.phases = Phase.of(plan);
        this.version = version;
    }

    /** The events that start a release on this plan: its first step. */
    public static Event.StepEntered start(Rollout plan, String version, Instant now) {
        return new Event.StepEntered(now, version, 1, Phase.of(plan).get(0).weight(), "start", List.of());
    }

    public String version() {
        return version;
    }

    /** 1-based. */
    public int step() {
        return index + 1;
    }

    public int steps() {
        return phases.size();
    }

    public Phase phase() {
        return phases.get(index);
    }

    public boolean blueGreen() {
        return plan.strategy() == Rollout.Strategy.BLUE_GREEN;
    }

    /** Whether the current step's weights were read back from the load balancer. */
    public boolean applied() {
        return applied;
    }

    public long heldMs(Instant now) {
        return heldMs + (passingSince == null ? 0 : Math.max(0, now.toEpochMilli() - passingSince.toEpochMilli()));
    }

    /**
     * The events that time and the gates' readings cause now: a change of the gates' status (or a
     * checkpoint of the time held), then the next step, the release's promotion, or a pause when the
     * step's {@code max_hold} ran out.
     *
     * @param readings every trigger of the service that a gate may name, by name
     */
    public List<Event> tick(Map<String, GateReading> readings, Instant now) {
        Phase p = phase();
        List<GateReading> gates = new ArrayList<>(p.gates().size());
        for (String g : p.gates()) {
            GateReading r = readings.get(g);
            gates.add(r != null ? r : new GateReading(g, ConditionState.NO_DATA, null, Duration.ZERO, "not evaluated"));
        }
        lastGates = List.copyOf(gates);
        if (!applied) {
            return List.of(); // the hold counts only once the step's weights are on the load balancer
        }
        List<Event> out = new ArrayList<>(2);
        GateStatus s = GateStatus.of(gates);
        long held = heldMs(now);
        if (s != status) {
            held = s == GateStatus.FAIL ? 0 : held;
            out.add(new Event.HoldChanged(now, step(), s, held, gates));
        } else if (s == GateStatus.PASS && !now.isBefore(lastCheckpoint.plus(checkpointEvery(p)))) {
            out.add(new Event.HoldChanged(now, step(), s, held, gates));
        }
        if (s == GateStatus.PASS && held >= p.hold().toMillis() && gates.stream().allMatch(g -> g.freshAt(now))) {
            out.add(next(now, "held", gates));
        } else if (!p.maxHold().isZero() && !now.isBefore(maxHoldFrom.plus(p.maxHold()))) {
            out.add(new Event.Decided(now, DecisionKind.PAUSE, "max_hold", "release " + version + " step " + step()
                    + " (" + p.weight() + "%) did not hold its gates for " + p.hold().toSeconds() + "s within max_hold "
                    + p.maxHold().toSeconds() + "s (held " + held / 1000 + "s; gates " + s.label() + ")",
                    new Evidence.Gates(gates)));
        }
        return out;
    }

    /** An operator's promote: the next step now, whatever the hold. */
    public Event promote(Instant now) {
        return next(now, "promote", lastGates);
    }

    /** A step_back: the previous step's weight, held again (at the first step, the first step held again). */
    public Event.StepEntered stepBack(Instant now) {
        int to = Math.max(0, index - 1);
        return new Event.StepEntered(now, version, to + 1, phases.get(to).weight(), "step_back", lastGates);
    }

    private Event next(Instant now, String cause, List<GateReading> gates) {
        if (index + 1 >= phases.size()) {
            return new Event.ReleasePromoted(now, version, gates);
        }
        return new Event.StepEntered(now, version, index + 2, phases.get(index + 1).weight(), cause, gates);
    }

    private static Duration checkpointEvery(Phase p) {
        Duration d = p.hold().dividedBy(20);
        return d.compareTo(MIN_CHECKPOINT) < 0 ? MIN_CHECKPOINT : d.compareTo(MAX_CHECKPOINT) > 0 ? MAX_CHECKPOINT : d;
    }

    /** The only place progress changes: live and on replay. */
    public void apply(Event e) {
        if (e instanceof Event.StepEntered s) {
            index = Math.min(Math.max(0, s.step() - 1), phases.size() - 1);
            applied = false;
            heldMs = 0;
            passingSince = null;
            status = GateStatus.WAIT;
            maxHoldFrom = s.at();
            lastCheckpoint = s.at();
        } else if (e instanceof Event.StepApplied a && a.step() == step()) {
            applied = true;
        } else if (e instanceof Event.HoldChanged h && h.step() == step()) {
            heldMs = h.heldMs();
            status = h.status();
            passingSince = status == GateStatus.PASS ? h.at() : null;
            lastCheckpoint = h.at();
        }
    }

    /** A checkpoint of the time held, while the hold counts; else null. */
    public Event.HoldChanged checkpoint(Instant now) {
        return passingSince == null ? null : new Event.HoldChanged(now, step(), status, heldMs(now), lastGates);
    }

    /** The release paused: the hold stops counting (and keeps what it had). */
    public void paused(Instant at) {
        heldMs = heldMs(at);
        passingSince = null;
        status = GateStatus.WAIT;
    }

    /** Resumed: the hold counts again once the gates pass, and {@code max_hold} starts over. */
    public void resumed(Instant at) {
        paused(at);
        maxHoldFrom = at;
    }

    /**
     * After a restart the gates are unknown until evaluated again: the time held stands (as last
     * journaled) and counts on once they pass.
     */
    public void restarted() {
        passingSince = null;
        status = GateStatus.WAIT;
    }

    /** Where it stands, for a journal snapshot. */
    public JsonObject snapshot() {
        return new JsonObject().put("version", version).put("step", step()).put("applied", applied).put("held_ms", heldMs)
                .put("status", status.label())
                .put("passing_since", passingSince == null ? null : passingSince.toString())
                .put("max_hold_from", maxHoldFrom == null ? null : maxHoldFrom.toString())
                .put("last_checkpoint", lastCheckpoint == null ? null : lastCheckpoint.toString());
    }

    /** A run as a {@link #snapshot} left it, on the current plan. */
    public static RolloutRun restore(Rollout plan, JsonObject s) {
        RolloutRun r = new RolloutRun(plan, s.getString("version"));
        r.index = Math.min(Math.max(0, s.getInteger("step") - 1), r.phases.size() - 1);
        r.applied = s.getBoolean("applied", false);
        r.heldMs = s.getLong("held_ms", 0L);
        r.status = GateStatus.valueOf(s.getString("status", "wait").toUpperCase(java.util.Locale.ROOT));
        r.passingSince = instant(s.getString("passing_since"));
        r.maxHoldFrom = instant(s.getString("max_hold_from"));
        r.lastCheckpoint = instant(s.getString("last_checkpoint"));
        return r;
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }

    /** {@code release} in the service's view: step, weight, each gate's state and the hold left. */
    public JsonObject view(Instant now) {
        Phase p = phase();
        long held = heldMs(now);
        JsonObject gates = new JsonObject();
        for (GateReading g : lastGates) {
            gates.put(g.trigger(), new JsonObject().put("state", g.state().name())
                    .put("evaluated_at", g.evaluatedAt() == null ? null : g.evaluatedAt().toString())
                    .put("fresh", g.freshAt(now)).put("detail", g.detail()));
        }
        return new JsonObject().put("strategy", plan.strategy().label()).put("step", step()).put("steps", phases.size())
                .put("weight", p.weight()).put("phase", blueGreen() ? (p.warm() ? "keep_warm" : "checks") : "canary")
                .put("applied", applied).put("hold_ms", p.hold().toMillis()).put("held_ms", held)
                .put("hold_left_ms", Math.max(0, p.hold().toMillis() - held)).put("gates_status", status.label())
                .put("max_hold_ms", p.maxHold().toMillis()).put("gates", gates);
    }
}
