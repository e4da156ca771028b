package dev.releasepilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.rollout.Rollout;
import dev.releasepilot.rules.rollout.RolloutStep;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code rollout:} and per-trigger {@code on_trigger}: the issue's example as written, and every check with its place. */
class RuleLoaderRolloutTest {
    private static final String HEAD = """
            services:
              - name: checkout
                backend: {type: haproxy, address: 127.0.0.1:9999, backend: be_checkout, stable: [s1], canary: [c1]}
                triggers:
                  - name: errors
                    expr: rate(errors_total[1m]) > 1
                  - name: slow
                    expr: latency_seconds > 0.4
                    on_trigger: step_back
            """;

    private static LoadResult load(String rollout) {
        return RuleLoader.parse("rules.yaml", HEAD + rollout);
    }

    private static String errors(LoadResult r) {
        return String.join("\n", r.errors().stream().map(Problem::toString).toList());
    }

    @Test
    void theIssuesExampleLoadsAsWritten() {
        LoadResult r = RuleLoader.load(Path.of("..", "rules", "rollout-example.yaml"));
        assertTrue(r.ok(), () -> errors(r));
        ServiceRule s = r.rules().services().get(0);
        assertEquals(Rollout.Strategy.CANARY, s.rollout().strategy());
        assertEquals(List.of(5, 25, 75, 100), s.rollout().steps().stream().map(RolloutStep::weight).toList());
        assertEquals(new RolloutStep(25, Duration.ofMinutes(30), Duration.ZERO, List.of("canary-5xx", "canary-slow")),
                s.rollout().steps().get(1));
        assertEquals(Reaction.STEP_BACK, s.reaction("canary-slow"));
        assertEquals(Reaction.ROLLBACK, s.reaction("canary-5xx"));
    }

    @Test
    void blueGreenWithKeepWarm() {
        LoadResult r = load("""
                    rollout:
                      strategy: blue_green
                      steps: [{weight: 100, hold: 2m, max_hold: 5m, gates: [errors]}]
                      keep_warm: 10m
                """);
        assertTrue(r.ok(), () -> errors(r));
        Rollout p = r.rules().services().get(0).rollout();
        assertEquals(Rollout.Strategy.BLUE_GREEN, p.strategy());
        assertEquals(Duration.ofMinutes(10), p.keepWarm());
        assertEquals(Duration.ofMinutes(5), p.steps().get(0).maxHold());
    }

    @Test
    void everyProblemIsReportedWithItsPlace() {
        LoadResult r = load("""
                    rollout:
                      strategy: linear
                      pace: fast
                      steps:
                        - {weight: 25, hold: 1m, gates: [errors, nope]}
                        - {weight: 10, hold: 10q}
                        - {weight: 150}
                        - {weight: 50, hold: 2m, max_hold: 1m, gate: [errors]}
                """);
        String e = errors(r);
        assertNull(r.rules());
        assertTrue(e.contains("rules.yaml:11:17: strategy must be one of canary, blue_green (got 'linear')"), e);
        assertTrue(e.contains("rules.yaml:12:7: unknown key 'pace' in rollout (allowed: strategy, steps, keep_warm)"), e);
        assertTrue(e.contains("rules.yaml:14:50: gate 'nope' names no trigger of this service (triggers: errors, slow)"), e);
        assertTrue(e.contains("rules.yaml:15:30: hold: not a duration"), e);
        assertTrue(e.contains("rules.yaml:16:20: weight (the canary's share in percent) must be a whole number from 1 to 100"), e);
        assertTrue(e.contains("rules.yaml:17:48: unknown key 'gate' in a rollout step"), e);
        assertTrue(e.contains("rules.yaml:17:44: max_hold (60000ms) must be longer than hold (120000ms)"), e);
    }

    @Test
    void aGateNamingATriggerWithErrorsIsNotASecondError() {
        LoadResult r = RuleLoader.parse("rules.yaml", HEAD.replace("expr: latency_seconds > 0.4", "expr: latency_seconds >")
                + """
                    rollout:
                      steps:
                        - {weight: 50, hold: 1m, gates: [errors, slow]}
                        - {weight: 100}
                """);
        assertNull(r.rules());
        assertEquals(1, r.errors().size(), () -> errors(r));
        assertTrue(errors(r).startsWith("rules.yaml:8:"), errors(r));
    }

    @Test
    void weightsAscendAndEndAt100() {
        String e = errors(load("""
                    rollout:
                      steps:
                        - {weight: 25}
                        - {weight: 25}
                        - {weight: 75}
                """));
        assertTrue(e.contains("rules.yaml:13:20: step weights must ascend: 25 follows 25"), e);
        assertTrue(e.contains("rules.yaml:14:20: the last step must have weight 100 (the release completes there)"), e);
    }

    @Test
    void blueGreenNeedsOneFullStepAndKeepWarm() {
        String e = errors(load("""
                    rollout:
                      strategy: blue_green
                      steps: [{weight: 50}, {weight: 100}]
                """));
        assertTrue(e.contains("rules.yaml:12:14: a blue_green rollout has exactly one step, of weight 100"), e);
        assertTrue(e.contains("rules.yaml:11:7: a blue_green rollout needs 'keep_warm'"), e);
        String canary = errors(load("""
                    rollout:
                      steps: [{weight: 100}]
                      keep_warm: 5m
                """));
        assertTrue(canary.contains("rules.yaml:12:18: keep_warm applies to strategy: blue_green only"), canary);
    }

    @Test
    void stepBackNeedsARolloutAndOnTriggerIsChecked() {
        LoadResult r = RuleLoader.parse("rules.yaml", HEAD.replace("expr: rate(errors_total[1m]) > 1",
                "expr: rate(errors_total[1m]) > 1\n        on_trigger: explode"));
        String e = errors(r);
        assertTrue(e.contains("rules.yaml:9:17: step_back needs a 'rollout:'") || e.contains("on_trigger: step_back needs a 'rollout:'"), e);
        assertTrue(e.contains("rules.yaml:7:21: on_trigger must be one of rollback, pause, notify, step_back (got 'explode')"), e);
    }
}
