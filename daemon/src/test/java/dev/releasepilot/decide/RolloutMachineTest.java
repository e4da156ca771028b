package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.act.Weights;
import dev.releasepilot.decide.rollout.GateReading;
import dev.releasepilot.decide.rollout.GateStatus;
import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.rules.ServiceRule;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rollout engine inside the state machine, in virtual time: holds, gates, steps, graduated reactions,
 * releases that supersede or are refused, and replay. No clock, no sleep: every instant is passed in.
 */
class RolloutMachineTest {
    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");
    private static final String CANARY = """
            services:
              - name: checkout
                backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s1], canary: [c1]}
                triggers:
                  - name: errors
                    expr: rate(errors_total[1m]) > 1
                  - name: slow
                    expr: latency_seconds > 0.4
                    on_trigger: step_back
                  - name: marginal
                    expr: latency_seconds > 0.3
                    on_trigger: pause
                rollout:
                  steps:
                    - {weight: 5, hold: 10s, max_hold: 60s, gates: [errors, slow]}
                    - {weight: 25, hold: 20s, gates: [errors, slow]}
                    - {weight: 100}
            """;
    private static final String BLUE_GREEN = """
            services:
              - name: checkout
                backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s1], canary: [c1]}
                triggers:
                  - name: errors
                    expr: rate(errors_total[1m]) > 1
                    on_trigger: pause
                rollout:
                  strategy: blue_green
                  steps: [{weight: 100, hold: 5s, gates: [errors]}]
                  keep_warm: 30s
            """;

    private final List<Event> journal = new ArrayList<>();

    private static ServiceRule rule(String yaml) {
        LoadResult r = RuleLoader.parse("rules.yaml", yaml);
        assertTrue(r.ok(), r.errors()::toString);
        return r.rules().services().get(0);
    }

    /** Applies and journals what an input caused, as the service's controller does. */
    private List<Event> run(ServiceMachine m, List<Event> events) {
        events.forEach(m::apply);
        journal.addAll(events);
        return events;
    }

    private static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    private static Map<String, GateReading> gates(ConditionState state, Instant evaluatedAt) {
        return Map.of("errors", new GateReading("errors", state, evaluatedAt, Duration.ofSeconds(2), null),
                "slow", new GateReading("slow", ConditionState.OK, evaluatedAt, Duration.ofSeconds(2), null));
    }

    private static Map<String, GateReading> ok(Instant now) {
        return gates(ConditionState.OK, now);
    }

    private static final Weights READ = new Weights(Map.of("s1", 19, "c1", 1), Map.of("s1", 100, "c1", 100));

    private ServiceMachine released(String yaml) {
        ServiceMachine m = new ServiceMachine(rule(yaml));
        run(m, m.onCommand(new OperatorCommand.Release("v2", new JsonObject(), "test"), T0));
        return m;
    }

    private void applied(ServiceMachine m, Instant now) {
        run(m, List.of(m.stepApplied(m.rollout().step(), m.wantedShare(), READ, 3, now)));
    }

    @Test
    void aCleanWalkHoldsEachStepThenPromotes() {
        ServiceMachine m = released(CANARY);
        assertEquals(ServiceState.CANARY, m.state());
        assertEquals(5, m.wantedShare());
        assertEquals(List.of(), m.onTick(ok(at(0)), at(0)), "no hold before the weights are read back");
        applied(m, at(1));
        List<Event> e = run(m, m.onTick(ok(at(1)), at(1)));
        assertEquals(GateStatus.PASS, ((Event.HoldChanged) e.get(0)).status());
        run(m, m.onTick(ok(at(6)), at(6))); // a checkpoint, still step 1
        assertEquals(1, m.rollout().step());
        e = run(m, m.onTick(ok(at(11)), at(11)));
        Event.StepEntered next = (Event.StepEntered) e.get(e.size() - 1);
        assertEquals(2, next.step());
        assertEquals(25, next.weight());
        assertEquals("held", next.cause());
        assertEquals(2, next.gates().size(), "the gates' evidence goes with the step");
        applied(m, at(12));
        run(m, m.onTick(ok(at(12)), at(12)));
        e = run(m, m.onTick(ok(at(32)), at(32)));
        assertEquals(100, ((Event.StepEntered) e.get(e.size() - 1)).weight());
        applied(m, at(33));
        e = run(m, m.onTick(ok(at(33)), at(33)));
        assertInstanceOf(Event.ReleasePromoted.class, e.get(e.size() - 1), "the last step completes once read back");
        assertEquals(ServiceState.STEADY, m.state());
        assertNull(m.rollout());
        assertEquals("promoted", m.view(at(34)).getJsonObject("release").getString("outcome"));
    }

    @Test
    void noDataHoldsTheStepWithoutLosingTimeAndAFailureRestartsTheHold() {
        ServiceMachine m = released(CANARY);
        applied(m, at(0));
        run(m, m.onTick(ok(at(0)), at(0)));
        run(m, m.onTick(gates(ConditionState.NO_DATA, at(6)), at(6)));
        for (int s = 7; s < 57; s += 7) {
            assertTrue(run(m, m.onTick(gates(ConditionState.NO_DATA, at(s)), at(s))).stream()
                    .noneMatch(x -> x instanceof Event.StepEntered), "low traffic never promotes");
        }
        assertEquals(6_000, m.rollout().heldMs(at(57)), "the 6 s held before the data stopped are kept");
        run(m, m.onTick(ok(at(57)), at(57)));
        assertEquals(8_000, m.rollout().heldMs(at(59)));
        List<Event> e = run(m, m.onTick(gates(ConditionState.PENDING, at(59)), at(59)));
        assertEquals(0, ((Event.HoldChanged) e.get(0)).heldMs(), "a gate whose trigger is pending restarts the hold");
        assertEquals(DecisionKind.PAUSE, ((Event.Decided) last(run(m, m.onTick(ok(at(60)), at(60))))).kind(),
                "max_hold (60 s) ran out before the hold could complete");
    }

    @Test
    void aFailingGateRestartsTheHold() {
        ServiceMachine m = released(CANARY);
        applied(m, at(0));
        run(m, m.onTick(ok(at(0)), at(0)));
        run(m, m.onTick(gates(ConditionState.FIRING, at(8)), at(8)));
        run(m, m.onTick(ok(at(9)), at(9)));
        assertTrue(run(m, m.onTick(ok(at(18)), at(18))).stream().noneMatch(x -> x instanceof Event.StepEntered));
        assertEquals(2, ((Event.StepEntered) last(run(m, m.onTick(ok(at(19)), at(19))))).step());
    }

    @Test
    void aStaleGateDoesNotCompleteAStep() {
        ServiceMachine m = released(CANARY);
        applied(m, at(0));
        run(m, m.onTick(ok(at(0)), at(0)));
        assertTrue(run(m, m.onTick(ok(at(5)), at(12))).stream().noneMatch(x -> x instanceof Event.StepEntered),
                "evaluated 7 s before the boundary: not fresh");
        assertEquals(2, ((Event.StepEntered) last(run(m, m.onTick(ok(at(12)), at(12))))).step());
    }

    @Test
    void maxHoldPausesAndResumeStartsItOver() {
        ServiceMachine m = released(CANARY);
        applied(m, at(0));
        run(m, m.onTick(gates(ConditionState.NO_DATA, at(59)), at(59)));
        Event.Decided d = (Event.Decided) last(run(m, m.onTick(gates(ConditionState.NO_DATA, at(60)), at(60))));
        assertEquals(DecisionKind.PAUSE, d.kind());
        assertEquals("max_hold", d.trigger());
        assertEquals(ServiceState.PAUSED, m.state());
        assertEquals(List.of(), m.onTick(ok(at(61)), at(61)), "paused: the hold does not count");
        run(m, m.onCommand(new OperatorCommand.Resume("go on"), at(100)));
        assertEquals(ServiceState.CANARY, m.state());
        assertTrue(run(m, m.onTick(gates(ConditionState.NO_DATA, at(120)), at(120))).isEmpty(), "max_hold counts from the resume");
    }

    @Test
    void stepBackReturnsToThePreviousStepAndPauseHoldsIt() {
        ServiceMachine m = released(CANARY);
        applied(m, at(0));
        run(m, m.onTick(ok(at(0)), at(0)));
        run(m, m.onTick(ok(at(10)), at(10)));
        applied(m, at(11));
        assertEquals(25, m.wantedShare());
        ServiceRule r = m.rule();
        List<Event> e = run(m, m.onConditionFired((ExprTrigger) r.triggers().get(1), new Evidence.Operator("slow"), at(15)));
        assertEquals(DecisionKind.STEP_BACK, ((Event.Decided) e.get(0)).kind());
        assertEquals(1, ((Event.StepEntered) e.get(1)).step());
        assertEquals(5, m.wantedShare());
        assertEquals(ServiceState.CANARY, m.state());
        e = run(m, m.onConditionFired((ExprTrigger) r.triggers().get(2), new Evidence.Operator("marginal"), at(16)));
        assertEquals(DecisionKind.PAUSE, ((Event.Decided) e.get(0)).kind());
        assertEquals(ServiceState.PAUSED, m.state());
        assertEquals(5, m.wantedShare(), "a paused release keeps its step's weight");
    }

    @Test
    void aRollbackEndsTheReleaseAndAnotherReleaseIsRefusedUnlessItSupersedes() {
        ServiceMachine m = released(CANARY);
        CommandRefused refused = assertThrows(CommandRefused.class,
                () -> m.onCommand(new OperatorCommand.Release("v3", new JsonObject(), "x"), at(1)));
        assertEquals("v2", refused.detail().getJsonObject("release").getString("version"));
        run(m, m.onCommand(new OperatorCommand.Release("v3", new JsonObject(), "x", true), at(2)));
        assertEquals("v3", m.rollout().version());
        assertEquals(1, m.rollout().step());
        run(m, m.onCommand(new OperatorCommand.Abort("bad"), at(3)));
        assertEquals(ServiceState.ROLLING_BACK, m.state());
        assertNull(m.rollout());
        assertEquals(-1, m.wantedShare());
        run(m, m.onCommand(new OperatorCommand.Release("v4", new JsonObject(), "x"), at(4)));
        assertEquals("v4", m.rollout().version(), "a rolled-back release no longer counts");
    }

    @Test
    void withoutARolloutAReleaseIsNeverRefused() {
        ServiceMachine m = new ServiceMachine(rule(CANARY.substring(0, CANARY.indexOf("    rollout:"))
                .replace("on_trigger: step_back", "on_trigger: pause")));
        run(m, m.onCommand(new OperatorCommand.Release("v2", new JsonObject(), "x"), at(0)));
        run(m, m.onCommand(new OperatorCommand.Release("v3", new JsonObject(), "x"), at(1)));
        assertNull(m.rollout());
        assertEquals("v3", m.release().version());
    }

    @Test
    void promoteSkipsTheHold() {
        ServiceMachine m = released(CANARY);
        applied(m, at(0));
        List<Event> e = run(m, m.onCommand(new OperatorCommand.Promote("looks fine"), at(1)));
        assertEquals(2, ((Event.StepEntered) last(e)).step());
        assertEquals("promote", ((Event.StepEntered) last(e)).cause());
    }

    @Test
    void replayContinuesWhereItWasWithTheTimeHeld() {
        ServiceMachine m = released(CANARY);
        applied(m, at(0));
        run(m, m.onTick(ok(at(0)), at(0)));
        run(m, m.onTick(ok(at(7)), at(7))); // checkpointed at 7 s held
        ServiceMachine again = new ServiceMachine(m.rule());
        journal.forEach(e -> again.apply(EventCodec.fromJournal(e.type(), EventCodec.toJson(e))));
        again.restarted();
        assertEquals(1, again.rollout().step());
        assertTrue(again.rollout().applied());
        assertEquals(7_000, again.rollout().heldMs(at(30)), "time held survives; time down does not count");
        run(again, again.onTick(ok(at(30)), at(30)));
        assertTrue(run(again, again.onTick(ok(at(32)), at(32))).stream().noneMatch(x -> x instanceof Event.StepEntered));
        assertEquals(2, ((Event.StepEntered) last(run(again, again.onTick(ok(at(33)), at(33))))).step());

        ServiceMachine fromSnapshot = new ServiceMachine(m.rule());
        fromSnapshot.restore(m.snapshot());
        fromSnapshot.restarted();
        assertEquals(7_000, fromSnapshot.rollout().heldMs(at(30)));
    }

    @Test
    void blueGreenChecksTheIdleColourSwitchesThenKeepsTheOldOneWarm() {
        ServiceMachine m = released(BLUE_GREEN);
        assertEquals(0, m.wantedShare(), "before the switch the new colour takes no traffic");
        applied(m, at(0));
        run(m, m.onTick(Map.of("errors", new GateReading("errors", ConditionState.OK, at(0), Duration.ofSeconds(2), null)), at(0)));
        Event.StepEntered sw = (Event.StepEntered) last(run(m, m.onTick(Map.of("errors",
                new GateReading("errors", ConditionState.OK, at(5), Duration.ofSeconds(2), null)), at(5))));
        assertEquals(100, sw.weight());
        applied(m, at(6));
        run(m, m.onTick(Map.of(), at(6)));
        assertEquals("keep_warm", m.view(at(7)).getJsonObject("release").getString("phase"));
        List<Event> e = run(m, m.onConditionFired((ExprTrigger) m.rule().triggers().get(0), new Evidence.Operator("x"), at(10)));
        assertEquals(DecisionKind.ROLLBACK, ((Event.Decided) e.get(0)).kind(), "any trigger while warm switches back, whatever its on_trigger");
        assertEquals(ServiceState.ROLLING_BACK, m.state());

        ServiceMachine ok = released(BLUE_GREEN);
        applied(ok, at(0));
        ok.onTick(Map.of(), at(0)); // no gate reading yet: waits
        run(ok, ok.onCommand(new OperatorCommand.Promote("checked by hand"), at(1)));
        applied(ok, at(2));
        run(ok, ok.onTick(Map.of(), at(2)));
        assertInstanceOf(Event.ReleasePromoted.class, last(run(ok, ok.onTick(Map.of(), at(32)))));
        assertEquals(ServiceState.STEADY, ok.state());
    }

    private static Event last(List<Event> events) {
        return events.get(events.size() - 1);
    }
}
