package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.act.ServerHealth;
import dev.releasepilot.act.Weights;
import dev.releasepilot.rules.AlertTrigger;
import dev.releasepilot.rules.Reaction;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.SyntaxError;
import dev.releasepilot.rules.backend.HaproxyBackend;
import dev.releasepilot.rules.matcher.MatcherParser;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The states a rollback goes through when the load balancer cannot carry it out safely, and drift in
 * both directions; pure, with explicit {@code now} values.
 */
class ServiceMachineBlockedTest {
    private static final Instant T0 = Instant.parse("2026-11-23T15:00:00Z");
    private static final Map<String, String> LABELS = Map.of("alertname", "CheckoutErrors", "severity", "critical");

    private final AlertTrigger paged = trigger();
    private final List<Event> emitted = new ArrayList<>();
    private final ServiceMachine m = new ServiceMachine(rule());

    @Test
    void aBlockedRollbackIsOneDecisionHoldsTheStateAndCompletesOnTheAction() {
        feed(m.onAlert(alert("fp1"), paged, T0));
        assertEquals(ServiceState.ROLLING_BACK, m.state());

        Event.Decided blocked = m.rollbackBlocked("no stable server can serve (stable1 MAINT weight 90)",
                new Evidence.StableUnavailable("hold", weights(90, 10, false)), T0.plusSeconds(1));
        assertNotNull(blocked);
        assertEquals(DecisionKind.ROLLBACK_BLOCKED, blocked.kind());
        assertEquals("paged", blocked.trigger(), "the rollback's own trigger");
        feed(List.of(blocked));
        assertEquals(ServiceState.ROLLBACK_BLOCKED, m.state());
        assertTrue(m.state().rollbackPending());
        assertEquals("rollback_blocked", m.view().getJsonObject("last_decision").getString("kind"));
        assertNull(m.rollbackBlocked("again", new Evidence.StableUnavailable("hold", null), T0.plusSeconds(6)),
                "one record per blocked episode");
        assertEquals(List.of(), m.onAlert(alert("fp2"), paged, T0.plusSeconds(7)).stream()
                .filter(e -> e instanceof Event.Decided).toList(), "a new alert does not decide again");

        feed(List.of(new Event.Actuated(T0.plusSeconds(30), weights(90, 0, true), 3, 2, null)));
        assertEquals(ServiceState.ROLLED_BACK, m.state());
    }

    @Test
    void resumeClearsABlockedRollbackAndPauseIsRefused() {
        feed(m.onAlert(alert("fp1"), paged, T0));
        feed(List.of(m.rollbackBlocked("blocked", new Evidence.StableUnavailable("hold", null), T0.plusSeconds(1))));
        assertThrows(CommandRefused.class, () -> m.onCommand(new OperatorCommand.Pause("hold on"), T0.plusSeconds(2)));
        feed(m.onCommand(new OperatorCommand.Resume("stable is under maintenance, I take over"), T0.plusSeconds(3)));
        assertEquals(ServiceState.STEADY, m.state());
    }

    @Test
    void theLbRolledBackWhileTheReleaseIsLiveIsDriftTheOtherWayAndChangesNoState() {
        feed(m.onCommand(new OperatorCommand.Release("v2", new JsonObject(), "deploy"), T0));
        assertEquals(ServiceState.CANARY, m.state());
        assertNull(m.checkDrift(weights(90, 10, true), T0.plusSeconds(1)), "canary has weight: no drift");
        assertNull(m.checkDrift(weights(90, 0, false), T0.plusSeconds(1)), "no stable server serves: not a rollback");

        Event.DriftFound d = m.checkDrift(weights(90, 0, true), T0.plusSeconds(2));
        assertNotNull(d);
        assertEquals(DriftDirection.LB_ROLLED_BACK, d.direction());
        assertTrue(d.detail().contains("canary1=0") && d.detail().contains("v2"), d.detail());
        feed(List.of(d));
        assertEquals(ServiceState.CANARY, m.state(), "reported, not acted on");
    }

    @Test
    void aRolledBackServiceWhoseCanaryHasWeightAgainIsRolledBackAgain() {
        feed(m.onAlert(alert("fp1"), paged, T0));
        feed(List.of(new Event.Actuated(T0.plusSeconds(1), weights(90, 0, true), 3, 1, null)));
        Event.DriftFound d = m.checkDrift(weights(90, 10, true), T0.plusSeconds(5));
        assertEquals(DriftDirection.LB_LOST_ROLLBACK, d.direction());
        feed(List.of(d));
        assertEquals(ServiceState.ROLLING_BACK, m.state());
    }

    @Test
    void replayThroughTheJournalRebuildsBlockedRiskAndRepeats() {
        feed(m.onCommand(new OperatorCommand.Release("v2", new JsonObject(), "deploy"), T0));
        feed(List.of(m.checkDrift(weights(90, 0, true), T0.plusSeconds(1))));
        feed(m.onAlert(alert("fp1"), paged, T0.plusSeconds(2)));
        feed(List.of(new Event.ActuationFailed(T0.plusSeconds(3), "connect", "refused", 3, 4, 40_000)));
        feed(List.of(m.rollbackBlocked("blocked", new Evidence.StableUnavailable("hold", weights(90, 10, false)),
                T0.plusSeconds(4))));
        ServiceMachine replayed = new ServiceMachine(rule());
        for (Event e : emitted) {
            replayed.apply(EventCodec.fromJournal(e.type(), new JsonObject(EventCodec.toJson(e).encode())));
        }
        assertEquals(ServiceState.ROLLBACK_BLOCKED, replayed.state());
        Event.Decided blocked = (Event.Decided) emitted.get(emitted.size() - 1);
        Event.Decided decoded = (Event.Decided) EventCodec.fromJournal("decision",
                new JsonObject(EventCodec.toJson(blocked).encode()));
        assertEquals(blocked.evidence(), decoded.evidence(), "the evidence comes back typed");
        assertEquals(m.view().encodePrettily(), replayed.view().encodePrettily());
        assertEquals(4, replayed.view().getJsonObject("last_failure").getInteger("repeats"));
        assertEquals(40_000L, replayed.view().getJsonObject("last_failure").getLong("next_retry_ms"));

        feed(List.of(new Event.Actuated(T0.plusSeconds(9), weights(90, 0, true), 3, 3, "drained with no stable server able to serve")));
        Event last = emitted.get(emitted.size() - 1);
        Event.Actuated back = (Event.Actuated) EventCodec.fromJournal(last.type(), new JsonObject(EventCodec.toJson(last).encode()));
        assertEquals("drained with no stable server able to serve", back.risk());
    }

    // --- fixtures

    private void feed(List<Event> events) {
        for (Event e : events) {
            m.apply(e);
            emitted.add(e);
        }
    }

    private static Weights weights(int stable, int canary, boolean stableUp) {
        return new Weights(Map.of("stable1", stable, "canary1", canary), Map.of("stable1", 0, "canary1", 0),
                Map.of("stable1", new ServerHealth(stableUp, stableUp ? "UP" : "MAINT", ""),
                        "canary1", new ServerHealth(true, "UP", "")));
    }

    private static AlertSignal alert(String fingerprint) {
        return new AlertSignal(fingerprint, true, T0, null, LABELS, Map.of(), "http://am:9093", T0, 0);
    }

    private static ServiceRule rule() {
        HaproxyBackend be = new HaproxyBackend("127.0.0.1:9999", "be_checkout", List.of("stable1"), List.of("canary1"),
                Duration.ofSeconds(2));
        return new ServiceRule("checkout", be, List.of(trigger()), Reaction.ROLLBACK, false, Duration.ofMinutes(10), true,
                List.of());
    }

    private static AlertTrigger trigger() {
        try {
            return new AlertTrigger("paged", MatcherParser.parse("{alertname=~\"Checkout.*\", severity=\"critical\"}"));
        } catch (SyntaxError e) {
            throw new AssertionError(e);
        }
    }
}
