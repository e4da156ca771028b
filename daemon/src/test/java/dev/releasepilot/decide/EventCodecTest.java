package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Typed evidence goes to the journal's JSON shapes and comes back equal; unknown shapes are kept as recorded. */
class EventCodecTest {
    private static final Instant AT = Instant.parse("2026-11-23T15:00:00Z");

    private static Event roundTrip(Event e) {
        return EventCodec.fromJournal(e.type(), new JsonObject(EventCodec.toJson(e).encode()));
    }

    @Test
    void exprEvidenceKeepsItsShapeAndComesBackEqual() {
        Event.Decided d = new Event.Decided(AT, DecisionKind.ROLLBACK, "error-rate", "expr error-rate held",
                new Evidence.ExprHeld("sum(rate(x[1m])) > 0.05", AT.minusSeconds(2), Duration.ofSeconds(30),
                        List.of(new Evidence.Group(Map.of("service", "checkout"), 0.5)),
                        List.of(new Evidence.Group(Map.of(), null))));
        JsonObject evidence = EventCodec.toJson(d).getJsonObject("evidence");
        assertEquals("sum(rate(x[1m])) > 0.05", evidence.getString("expr"));
        assertEquals("2026-11-23T14:59:58Z", evidence.getString("event_time"));
        assertEquals("PT30S", evidence.getString("for"));
        assertEquals(0.5, evidence.getJsonArray("firing").getJsonObject(0).getDouble("value"));
        assertEquals("checkout", evidence.getJsonArray("firing").getJsonObject(0).getJsonObject("labels").getString("service"));
        assertEquals(null, evidence.getJsonArray("requires").getJsonObject(0).getValue("value"), "NaN is written as null");
        assertEquals(d, roundTrip(d));
    }

    @Test
    void aTakeoverAndTheActionThatCompletesAnInterruptedRollbackComeBackEqual() {
        Event.TakenOver t = new Event.TakenOver(AT, "rp-b", 7, "rp-a", 41L);
        assertEquals(t, roundTrip(t));
        Event.TakenOver first = new Event.TakenOver(AT, "rp-a", 1, null, null);
        assertEquals(first, roundTrip(first));
        dev.releasepilot.act.Weights w = new dev.releasepilot.act.Weights(Map.of("stable1", 100, "canary1", 0),
                Map.of("stable1", 100, "canary1", 10));
        Event.Actuated completing = new Event.Actuated(AT, w, 12, 1, null, 41L);
        assertEquals(completing, roundTrip(completing));
        assertEquals(41L, EventCodec.toJson(completing).getLong("completes"));
        Event.Actuated plain = new Event.Actuated(AT, w, 12, 1);
        assertEquals(plain, roundTrip(plain));
        assertEquals(false, EventCodec.toJson(plain).containsKey("completes"), "absent unless it completes one");
        assertEquals(false, EventCodec.formsState(EventCodec.RECEIVED));
        assertEquals(true, EventCodec.formsState("takeover"));
    }

    @Test
    void probeEvidenceAndReleaseWatermarksComeBackEqual() {
        Event.Decided d = new Event.Decided(AT, DecisionKind.ROLLBACK, "health", "3 consecutive failed probes",
                new Evidence.FailedProbes("http://127.0.0.1:1/health", 3, List.of(
                        new Event.ProbeResult(AT, "health", false, 503, null, 4),
                        new Event.ProbeResult(AT.plusSeconds(1), "health", false, 0, "connection refused", 1))));
        assertEquals(d, roundTrip(d));
        assertEquals(503, EventCodec.toJson(d).getJsonObject("evidence").getJsonObject("probe").getJsonArray("results")
                .getJsonObject(0).getInteger("status"));
        Event.ReleaseStarted r = new Event.ReleaseStarted(AT, "v2", new JsonObject().put("weight", 5),
                Map.of("error-rate", AT.minusSeconds(1)));
        assertEquals(r, roundTrip(r));
        dev.releasepilot.act.Weights lb = new dev.releasepilot.act.Weights(Map.of("stable1", 9, "canary1", 1),
                Map.of("stable1", 9, "canary1", 1));
        Event.DriftFound drift = new Event.DriftFound(AT, lb, "load balancer lost the rollback: canary1=1 (want 0)");
        assertEquals(drift, roundTrip(drift));
        assertEquals(lb.toJson(), EventCodec.toJson(drift).getJsonObject("observed"), "weights as the actuators show them");
    }

    @Test
    void rolloutEventsAndGateEvidenceComeBackEqual() {
        List<dev.releasepilot.decide.rollout.GateReading> gates = List.of(
                new dev.releasepilot.decide.rollout.GateReading("canary-5xx", ConditionState.OK, AT.minusSeconds(1),
                        Duration.ofSeconds(7), "0.001"),
                new dev.releasepilot.decide.rollout.GateReading("paged", ConditionState.NO_DATA, null, Duration.ZERO, null));
        dev.releasepilot.act.Weights lb = new dev.releasepilot.act.Weights(Map.of("stable1", 19, "canary1", 1),
                Map.of("stable1", 100, "canary1", 100));
        List<Event> events = List.of(
                new Event.StepEntered(AT, "v2", 2, 25, "held", gates),
                new Event.StepApplied(AT, 2, 25, lb, 4),
                new Event.HoldChanged(AT, 2, dev.releasepilot.decide.rollout.GateStatus.PASS, 1_500, gates),
                new Event.ReleasePromoted(AT, "v2", gates),
                new Event.Decided(AT, DecisionKind.PAUSE, "max_hold", "did not hold", new Evidence.Gates(gates)),
                new Event.Decided(AT, DecisionKind.STEP_BACK, "canary-slow", "slow", new Evidence.Operator("x")),
                new Event.DriftFound(AT, lb, "lost step", DriftDirection.LB_LOST_STEP));
        for (Event e : events) {
            assertEquals(e, roundTrip(e));
        }
        JsonObject step = EventCodec.toJson(events.get(0));
        assertEquals("canary-5xx", step.getJsonArray("gates").getJsonObject(0).getString("trigger"));
        assertEquals("OK", step.getJsonArray("gates").getJsonObject(0).getString("state"));
        assertEquals("pass", EventCodec.toJson(events.get(2)).getString("status"));
    }

    @Test
    void evidenceOfAShapeThisVersionDoesNotKnowIsKeptAsRecorded() {
        JsonObject body = new JsonObject().put("at", AT.toString()).put("kind", "notify").put("trigger", "t")
                .put("reason", "r").put("evidence", new JsonObject().put("something_new", 1));
        Event.Decided d = assertInstanceOf(Event.Decided.class, EventCodec.fromJournal("decision", body));
        assertInstanceOf(Evidence.Recorded.class, d.evidence());
        assertEquals(body, EventCodec.toJson(d), "written back exactly as read");
    }
}
