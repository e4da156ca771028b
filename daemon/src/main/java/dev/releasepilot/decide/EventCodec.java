package dev.releasepilot.decide;

import dev.releasepilot.decide.rollout.GateReading;
import dev.releasepilot.decide.rollout.GateStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one place where decide's events and evidence become JSON and back: the journal's record bodies
 * (written live, read on replay), the events announced to the {@link EventSink}, and the service view
 * of the API. The shapes are the journal's on-disk format: change them only compatibly.
 */
public final class EventCodec {
    private EventCodec() {
    }

    /** The journal body of an event. */
    public static JsonObject toJson(Event e) {
        if (e instanceof Event.AlertSeen a) {
            return new JsonObject().put("at", a.at().toString()).put("fingerprint", a.fingerprint())
                    .put("startsAt", a.startsAt().toString()).put("status", a.firing() ? "firing" : "resolved")
                    .put("stale", a.stale()).put("trigger", a.trigger()).put("labels", map(a.labels()));
        }
        if (e instanceof Event.ProbeResult p) {
            return new JsonObject().put("at", p.at().toString()).put("trigger", p.trigger()).put("healthy", p.healthy())
                    .put("status", p.status()).put("error", p.error()).put("millis", p.millis());
        }
        if (e instanceof Event.Decided d) {
            JsonObject o = new JsonObject().put("at", d.at().toString()).put("kind", d.kind().label()).put("trigger", d.trigger())
                    .put("reason", d.reason()).put("evidence", toJson(d.evidence()));
            if (d.traceId() != null) {
                o.put("trace_id", d.traceId());
            }
            return o;
        }
        if (e instanceof Event.Actuated a) {
            JsonObject o = new JsonObject().put("at", a.at().toString()).put("result", "ok").put("weights", a.weights().toJson())
                    .put("millis", a.millis()).put("attempts", a.attempts());
            if (a.risk() != null) {
                o.put("risk", a.risk());
            }
            if (a.completes() != null) {
                o.put("completes", a.completes());
            }
            return o;
        }
        if (e instanceof Event.TakenOver t) {
            return new JsonObject().put("at", t.at().toString()).put("holder", t.holder()).put("epoch", t.epoch())
                    .put("previous_holder", t.previousHolder()).put("interrupted", t.interrupted());
        }
        if (e instanceof Event.ActuationFailed f) {
            return new JsonObject().put("at", f.at().toString()).put("result", "failed").put("reason", f.reason())
                    .put("error", f.error()).put("attempts", f.attempts()).put("repeats", f.repeats())
                    .put("next_retry_ms", f.nextRetryMs());
        }
        if (e instanceof Event.DriftFound d) {
            return new JsonObject().put("at", d.at().toString()).put("observed", d.observed().toJson()).put("detail", d.detail())
                    .put("direction", d.direction().label());
        }
        if (e instanceof Event.ReleaseStarted r) {
            JsonObject o = new JsonObject().put("at", r.at().toString()).put("version", r.version())
                    .put("detail", r.detail());
            if (!r.watermarks().isEmpty()) {
                JsonObject marks = new JsonObject();
                new java.util.TreeMap<>(r.watermarks()).forEach((t, w) -> marks.put(t, w.toString()));
                o.put("watermarks", marks);
            }
            return o;
        }
        if (e instanceof Event.StepEntered st) {
            return new JsonObject().put("at", st.at().toString()).put("version", st.version()).put("step", st.step())
                    .put("weight", st.weight()).put("cause", st.cause()).put("gates", gates(st.gates()));
        }
        if (e instanceof Event.StepApplied sa) {
            return new JsonObject().put("at", sa.at().toString()).put("step", sa.step()).put("weight", sa.weight())
                    .put("weights", sa.weights().toJson()).put("millis", sa.millis());
        }
        if (e instanceof Event.HoldChanged h) {
            return new JsonObject().put("at", h.at().toString()).put("step", h.step()).put("status", h.status().label())
                    .put("held_ms", h.heldMs()).put("gates", gates(h.gates()));
        }
        if (e instanceof Event.ReleasePromoted p) {
            return new JsonObject().put("at", p.at().toString()).put("version", p.version()).put("gates", gates(p.gates()));
        }
        throw new IllegalStateException("unhandled event " + e); // unreachable: Event is sealed
    }

    /**
     * Records an instance journals of what it received while another instance held the service's lease
     * ({@link ServiceController}): history for the reader, never state. Replay and catch-up skip them,
     * so a service's state is built only from what its holders (or, while the shared store was down,
     * any instance, in the safe direction) recorded, and an alert every instance received counts once.
     */
    public static final String RECEIVED = "received";

    /** Whether a journal record of this type rebuilds a service's state (replay, catch-up). */
    public static boolean formsState(String type) {
        return !RECEIVED.equals(type);
    }

    /** An event from a journal record; IllegalArgumentException (or a parse error) when it is not one. */
    public static Event fromJournal(String type, JsonObject b) {
        Instant at = Instant.parse(b.getString("at"));
        return switch (type) {
            case "alert" -> new Event.AlertSeen(at, b.getString("fingerprint"), Instant.parse(b.getString("startsAt")),
                    "firing".equals(b.getString("status")), b.getBoolean("stale", false), b.getString("trigger"),
                    strings(b.getJsonObject("labels", new JsonObject())));
            case "decision" -> new Event.Decided(at, DecisionKind.valueOf(b.getString("kind").toUpperCase(Locale.ROOT)),
                    b.getString("trigger"), b.getString("reason"), evidence(b.getJsonObject("evidence", new JsonObject())),
                    b.getString("trace_id"));
            case "action" -> new Event.Actuated(at, weights(b.getJsonObject("weights", new JsonObject())), b.getLong("millis", 0L),
                    b.getInteger("attempts", 1), b.getString("risk"), b.getLong("completes"));
            case "takeover" -> new Event.TakenOver(at, b.getString("holder"), b.getLong("epoch", 0L),
                    b.getString("previous_holder"), b.getLong("interrupted"));
            case "action_failed" -> new Event.ActuationFailed(at, b.getString("reason"), b.getString("error"),
                    b.getInteger("attempts", 1), b.getInteger("repeats", 1), b.getLong("next_retry_ms", 0L));
            case "drift" -> new Event.DriftFound(at, weights(b.getJsonObject("observed", new JsonObject())), b.getString("detail"),
                    DriftDirection.fromLabel(b.getString("direction", DriftDirection.LB_LOST_ROLLBACK.label())));
            case "release" -> new Event.ReleaseStarted(at, b.getString("version"), b.getJsonObject("detail", new JsonObject()),
                    watermarks(b.getJsonObject("watermarks", new JsonObject())));
            case "rollout_step" -> new Event.StepEntered(at, b.getString("version"), b.getInteger("step"), b.getInteger("weight"),
                    b.getString("cause"), gates(b.getJsonArray("gates", new JsonArray())));
            case "step_applied" -> new Event.StepApplied(at, b.getInteger("step"), b.getInteger("weight"),
                    weights(b.getJsonObject("weights", new JsonObject())), b.getLong("millis", 0L));
            case "hold" -> new Event.HoldChanged(at, b.getInteger("step"),
                    GateStatus.valueOf(b.getString("status").toUpperCase(Locale.ROOT)), b.getLong("held_ms"),
                    gates(b.getJsonArray("gates", new JsonArray())));
            case "release_promoted" -> new Event.ReleasePromoted(at, b.getString("version"),
                    gates(b.getJsonArray("gates", new JsonArray())));
            default -> throw new IllegalArgumentException("unknown journal record type '" + type + "'");
        };
    }

    /** The JSON of a decision's evidence, in the journal's shapes. */
    public static JsonObject toJson(Evidence evidence) {
        if (evidence instanceof Evidence.FiringAlert a) {
            return new JsonObject().put("alerts", new JsonArray().add(new JsonObject()
                    .put("fingerprint", a.fingerprint()).put("startsAt", a.startsAt().toString())
                    .put("labels", map(a.labels())).put("annotations", map(a.annotations()))
                    .put("sender", a.sender()).put("receivedAt", a.receivedAt().toString())));
        }
        if (evidence instanceof Evidence.FailedProbes p) {
            JsonArray results = new JsonArray();
            p.results().forEach(r -> results.add(toJson(r)));
            return new JsonObject().put("probe", new JsonObject().put("url", p.url())
                    .put("consecutive_failures", p.consecutiveFailures()).put("results", results));
        }
        if (evidence instanceof Evidence.ExprHeld x) {
            return new JsonObject().put("expr", x.expr()).put("event_time", x.eventTime().toString())
                    .put("for", x.forDuration().toString()).put("firing", groups(x.firing()))
                    .put("requires", x.requires() == null ? null : groups(x.requires()));
        }
        if (evidence instanceof Evidence.Judged j) {
            return new JsonObject().put("judge", new JsonObject().put("test", j.test()).put("direction", j.direction())
                    .put("event_time", j.eventTime().toString()).put("look", j.look()).put("alpha", j.alpha())
                    .put("statistic", j.statistic()).put("p_value", j.pValue()).put("canary", toJson(j.canary()))
                    .put("stable", toJson(j.stable())).put("detail", j.detail()));
        }
        if (evidence instanceof Evidence.Operator o) {
            return new JsonObject().put("operator", o.reason());
        }
        if (evidence instanceof Evidence.StableUnavailable u) {
            return new JsonObject().put("when_stable_unavailable", u.whenStableUnavailable())
                    .put("observed", u.observed() == null ? null : u.observed().toJson());
        }
        if (evidence instanceof Evidence.Gates g) {
            return new JsonObject().put("gates", gates(g.gates()));
        }
        if (evidence instanceof Evidence.Recorded r) {
            return r.json().copy();
        }
        throw new IllegalStateException("unhandled evidence " + evidence); // unreachable: Evidence is sealed
    }

    /** Evidence from its journaled JSON; a shape this version does not know is kept as {@link Evidence.Recorded}. */
    static Evidence evidence(JsonObject o) {
        JsonArray alerts = o.getJsonArray("alerts");
        if (o.size() == 1 && alerts != null && alerts.size() == 1) {
            JsonObject a = alerts.getJsonObject(0);
            return new Evidence.FiringAlert(a.getString("fingerprint"), Instant.parse(a.getString("startsAt")),
                    strings(a.getJsonObject("labels", new JsonObject())), strings(a.getJsonObject("annotations", new JsonObject())),
                    a.getString("sender"), Instant.parse(a.getString("receivedAt")));
        }
        JsonObject probe = o.getJsonObject("probe");
        if (o.size() == 1 && probe != null) {
            List<Event.ProbeResult> results = new ArrayList<>();
            for (Object r : probe.getJsonArray("results", new JsonArray())) {
                JsonObject j = (JsonObject) r;
                results.add(new Event.ProbeResult(Instant.parse(j.getString("at")), j.getString("trigger"),
                        j.getBoolean("healthy", false), j.getInteger("status", 0), j.getString("error"), j.getLong("millis", 0L)));
            }
            return new Evidence.FailedProbes(probe.getString("url"), probe.getInteger("consecutive_failures", 0), results);
        }
        if (o.containsKey("expr") && o.containsKey("event_time") && o.containsKey("firing")) {
            JsonArray requires = o.getJsonArray("requires");
            return new Evidence.ExprHeld(o.getString("expr"), Instant.parse(o.getString("event_time")),
                    Duration.parse(o.getString("for")), groups(o.getJsonArray("firing")),
                    requires == null ? null : groups(requires));
        }
        if (o.size() == 1 && o.getValue("judge") instanceof JsonObject j) {
            return new Evidence.Judged(j.getString("test"), j.getString("direction"), Instant.parse(j.getString("event_time")),
                    j.getInteger("look", 0), j.getDouble("alpha", 0.0), j.getDouble("statistic"), j.getDouble("p_value"),
                    side(j.getJsonObject("canary", new JsonObject())), side(j.getJsonObject("stable", new JsonObject())),
                    j.getString("detail"));
        }
        if (o.size() == 1 && o.getValue("operator") instanceof String reason) {
            return new Evidence.Operator(reason);
        }
        if (o.size() <= 2 && o.getValue("when_stable_unavailable") instanceof String policy) {
            JsonObject observed = o.getJsonObject("observed");
            return new Evidence.StableUnavailable(policy, observed == null ? null : weights(observed));
        }
        if (o.size() == 1 && o.getValue("gates") instanceof JsonArray g) {
            return new Evidence.Gates(gates(g));
        }
        return new Evidence.Recorded(o.copy());
    }

    /** A rollout's gates: {@code [{trigger, state, evaluated_at, fresh_within_ms, detail}]}. */
    public static JsonArray gates(List<GateReading> gates) {
        JsonArray a = new JsonArray();
        for (GateReading g : gates) {
            a.add(new JsonObject().put("trigger", g.trigger()).put("state", g.state().name())
                    .put("evaluated_at", g.evaluatedAt() == null ? null : g.evaluatedAt().toString())
                    .put("fresh_within_ms", g.freshWithin().toMillis()).put("detail", g.detail()));
        }
        return a;
    }

    private static List<GateReading> gates(JsonArray a) {
        List<GateReading> out = new ArrayList<>(a.size());
        for (Object o : a) {
            JsonObject g = (JsonObject) o;
            String at = g.getString("evaluated_at");
            out.add(new GateReading(g.getString("trigger"), ConditionState.valueOf(g.getString("state")),
                    at == null ? null : Instant.parse(at), Duration.ofMillis(g.getLong("fresh_within_ms", 0L)),
                    g.getString("detail")));
        }
        return out;
    }

    private static JsonObject toJson(Evidence.JudgedSide s) {
        return new JsonObject().put("samples", s.samples()).put("center", s.center()).put("failures", s.failures())
                .put("effective", s.effective());
    }

    private static Evidence.JudgedSide side(JsonObject o) {
        return new Evidence.JudgedSide(o.getLong("samples", 0L), o.getDouble("center"), o.getLong("failures", 0L),
                o.getLong("effective", 0L));
    }

    private static JsonArray groups(List<Evidence.Group> groups) {
        JsonArray a = new JsonArray();
        for (Evidence.Group g : groups) {
            a.add(new JsonObject().put("labels", map(g.labels())).put("value", g.value()));
        }
        return a;
    }

    private static List<Evidence.Group> groups(JsonArray a) {
        List<Evidence.Group> out = new ArrayList<>(a.size());
        for (Object g : a) {
            JsonObject j = (JsonObject) g;
            out.add(new Evidence.Group(strings(j.getJsonObject("labels", new JsonObject())), j.getDouble("value")));
        }
        return out;
    }

    private static JsonObject map(Map<String, String> m) {
        return new JsonObject(new LinkedHashMap<>(m));
    }

    private static Map<String, String> strings(JsonObject o) {
        Map<String, String> out = new LinkedHashMap<>();
        o.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
        return out;
    }

    /**
     * Weights as {@link dev.releasepilot.act.Weights#toJson} writes them: {@code {server: {weight, initial}}},
     * with {@code up} and {@code state} where the LB reported health.
     */
    private static dev.releasepilot.act.Weights weights(JsonObject o) {
        Map<String, Integer> current = new LinkedHashMap<>();
        Map<String, Integer> initial = new LinkedHashMap<>();
        Map<String, dev.releasepilot.act.ServerHealth> health = new LinkedHashMap<>();
        o.forEach(e -> {
            if (e.getValue() instanceof JsonObject w) {
                current.put(e.getKey(), w.getInteger("weight"));
                if (w.getInteger("initial") != null) {
                    initial.put(e.getKey(), w.getInteger("initial"));
                }
                if (w.getValue("up") instanceof Boolean up) {
                    health.put(e.getKey(), new dev.releasepilot.act.ServerHealth(up, w.getString("state", ""), ""));
                }
            } else if (e.getValue() instanceof Number n) { // a bare weight: read as the current one
                current.put(e.getKey(), n.intValue());
            }
        });
        return new dev.releasepilot.act.Weights(current, initial, health);
    }

    private static Map<String, Instant> watermarks(JsonObject o) {
        Map<String, Instant> out = new LinkedHashMap<>();
        o.forEach(e -> out.put(e.getKey(), Instant.parse((String) e.getValue())));
        return out;
    }
}
