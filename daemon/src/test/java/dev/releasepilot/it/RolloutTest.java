package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.StatusServer;
import dev.releasepilot.peers.SteadyLoad;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progressive delivery end to end: a real HAProxy in front of a real stable and a real canary upstream,
 * steady load through it, the canary's counters polled from HAProxy every 250 ms, and the plan walked
 * on compressed holds (1–4 s). The weights asserted are the ones HAProxy reports.
 */
class RolloutTest {
    private static final String ADMIN = "admin-token";

    @TempDir
    Path tmp;
    Vertx vertx;
    StatusServer stable;
    StatusServer canary;
    Haproxy haproxy;
    RunningDaemon d;
    SteadyLoad load;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        stable = StatusServer.start(vertx, 200);
        canary = StatusServer.start(vertx, 200);
        haproxy = new Haproxy(tmp.resolve("haproxy"), List.of("server stable1 127.0.0.1:" + stable.port + " weight 100",
                "server canary1 127.0.0.1:" + canary.port + " weight 100"), false).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.close();
        }
        if (d != null) {
            d.close();
        }
        haproxy.close();
        vertx.close().await(5, TimeUnit.SECONDS);
    }

    /**
     * The canary's 5xx ratio aborts, its 4xx ratio steps back (both need 5 canary responses in 2 s); a
     * probe of the canary itself (a 5xx fails it) is the blue-green checks' gate.
     */
    private Path rules(String rollout) throws Exception {
        String ratio = """
                sum(rate(haproxy_server_http_responses_total{proxy="be_checkout",server="canary1",code="%s"}[2s]))
                          / sum(rate(haproxy_server_http_responses_total{proxy="be_checkout",server="canary1"}[2s])) > 0.2""";
        String yaml = """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: "%s", backend: be_checkout,
                              stable: [stable1], canary: [canary1], timeout: 1s, stats_poll: 250ms}
                    on_trigger: rollback
                    cooldown: 0s
                    triggers:
                      - name: canary-5xx
                        expr: %s
                        requires: sum(increase(haproxy_server_http_responses_total{proxy="be_checkout",server="canary1"}[2s])) >= 5
                      - name: canary-4xx
                        expr: %s
                        requires: sum(increase(haproxy_server_http_responses_total{proxy="be_checkout",server="canary1"}[2s])) >= 5
                        on_trigger: step_back
                      - name: idle-colour
                        probe: {url: "http://127.0.0.1:%d/health", interval: 200ms, timeout: 200ms, expect_status: "200-499"}
                        consecutive_failures: 2
                    rollout:
                %s""".formatted(haproxy.address(), ratio.formatted("5xx"), ratio.formatted("4xx"), canary.port, rollout);
        Path p = tmp.resolve("rules.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private static final String CANARY_PLAN = """
                  steps:
                    - {weight: 20, hold: %s, gates: [canary-5xx, canary-4xx]}
                    - {weight: 50, hold: %s, gates: [canary-5xx, canary-4xx]}
                    - {weight: 100}
            """;

    private void daemonOn(String plan) throws Exception {
        d = RunningDaemon.start(rules(plan), tmp.resolve("data"), ADMIN);
    }

    private HttpResponse<String> post(String action, JsonObject body) {
        return d.post("/api/v1/services/checkout/" + action, "application/json", body.encode(), ADMIN);
    }

    private HttpResponse<String> release(String version) {
        HttpResponse<String> r = post("releases", new JsonObject().put("version", version));
        assertEquals(200, r.statusCode(), r.body());
        return r;
    }

    private JsonObject release() {
        return d.service("checkout").getJsonObject("release");
    }

    private boolean at(int step) {
        JsonObject r = release();
        return r != null && r.getInteger("step", 0) == step && r.getBoolean("applied", false);
    }

    private void underLoad() {
        load = SteadyLoad.start(haproxy.frontendPort, 100, Duration.ofMinutes(2));
    }

    @Test
    void aCleanWalkGoesTo100AndIsJournaledWithTheGatesEvidence() throws Exception {
        daemonOn(CANARY_PLAN.formatted("1s", "1s"));
        underLoad();
        release("v2");
        Poll.until("step 1 on HAProxy", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 1 && haproxy.weight("stable1") == 4);
        Poll.until("release promoted", Duration.ofSeconds(30), () -> "promoted".equals(release().getString("outcome")));
        Poll.until("the promotion journaled", Duration.ofSeconds(10), () -> d.count("checkout", "release_promoted", null) == 1);
        JsonObject s = d.service("checkout");
        assertEquals("STEADY", s.getString("state"));
        assertEquals(0, haproxy.weight("stable1"), "100 %: the stable servers are drained");
        assertTrue(haproxy.weight("canary1") > 0);
        List<JsonObject> steps = d.records("checkout").stream().map(o -> (JsonObject) o)
                .filter(r -> r.getString("type").equals("rollout_step")).map(r -> r.getJsonObject("body")).toList();
        assertEquals(List.of(20, 50, 100), steps.stream().map(b -> b.getInteger("weight")).toList());
        assertEquals("held", steps.get(1).getString("cause"));
        JsonObject gate = steps.get(1).getJsonArray("gates").getJsonObject(0);
        assertEquals("canary-5xx", gate.getString("trigger"));
        assertEquals("OK", gate.getString("state"), "a step completes on gates that passed");
        assertEquals(3, d.count("checkout", "step_applied", null));
        assertEquals(1, d.count("checkout", "release_promoted", null));
    }

    @Test
    void anAbortAtStep2DrainsTheCanaryAndEndsTheRelease() throws Exception {
        daemonOn(CANARY_PLAN.formatted("1s", "10m"));
        underLoad();
        release("v2");
        Poll.until("step 2 on HAProxy", Duration.ofSeconds(30), () -> at(2) && haproxy.weight("canary1") == haproxy.weight("stable1"));
        assertEquals(200, post("abort", new JsonObject().put("reason", "wrong build")).statusCode());
        Poll.until("canary drained", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);
        Poll.until("rolled back", Duration.ofSeconds(10), () -> d.service("checkout").getString("state").equals("ROLLED_BACK"));
        assertEquals("rolled_back", release().getString("outcome"));
        assertTrue(haproxy.weight("stable1") > 0);
        assertEquals(409, post("promote", new JsonObject()).statusCode(), "nothing left to promote");
    }

    @Test
    void aPausedReleaseHoldsItsStepUntilResumed() throws Exception {
        daemonOn(CANARY_PLAN.formatted("2s", "1s"));
        underLoad();
        release("v2");
        Poll.until("step 1 applied", Duration.ofSeconds(10), () -> at(1));
        assertEquals(200, post("pause", new JsonObject()).statusCode());
        Instant paused = Instant.now();
        // Well past the 2 s hold with the gates evaluated (and passing) all along: still step 1.
        Poll.until("gates evaluated 4 s after the pause", Duration.ofSeconds(20), () -> {
            JsonObject t = d.service("checkout").getJsonObject("expr_triggers").getJsonObject("canary-5xx");
            return "OK".equals(t.getString("state")) && Instant.parse(t.getString("evaluated_at")).isAfter(paused.plusSeconds(4));
        });
        assertEquals(1, release().getInteger("step"));
        assertEquals("PAUSED", d.service("checkout").getString("state"));
        assertEquals(20, haproxy.weight("canary1") * 100 / (haproxy.weight("canary1") + haproxy.weight("stable1")));
        assertEquals(200, post("resume", new JsonObject()).statusCode());
        Poll.until("promoted after the resume", Duration.ofSeconds(30), () -> "promoted".equals(release().getString("outcome")));
    }

    @Test
    void aStepBackTriggerReturnsToThePreviousStepAndTheReleaseGoesOnOnceItClears() throws Exception {
        daemonOn(CANARY_PLAN.formatted("1s", "3s"));
        underLoad();
        release("v2");
        Poll.until("step 2 on HAProxy", Duration.ofSeconds(30), () -> at(2) && haproxy.weight("canary1") == haproxy.weight("stable1"));
        canary.answer(404);
        Poll.until("stepped back to 20 %", Duration.ofSeconds(15), () -> at(1) && haproxy.weight("stable1") == 4 * haproxy.weight("canary1"));
        Poll.until("the step_back journaled", Duration.ofSeconds(10), () -> d.count("checkout", "decision", "step_back") == 1);
        assertEquals("ROLLED_BACK".equals(d.service("checkout").getString("state")), false);
        canary.answer(200);
        Poll.until("promoted once the canary is good again", Duration.ofSeconds(45),
                () -> "promoted".equals(release().getString("outcome")));
        Poll.until("the promotion journaled", Duration.ofSeconds(10), () -> d.count("checkout", "release_promoted", null) == 1);
        assertTrue(d.records("checkout").stream().map(o -> (JsonObject) o).anyMatch(r -> r.getString("type").equals("rollout_step")
                && "step_back".equals(r.getJsonObject("body").getString("cause"))));
    }

    @Test
    void withoutTrafficTheGatesHaveNoDataAndTheStepWaits() throws Exception {
        daemonOn(CANARY_PLAN.formatted("1s", "1s"));
        release("v2");
        Poll.until("step 1 applied", Duration.ofSeconds(10), () -> at(1));
        Instant applied = Instant.now();
        Poll.until("3 s of no data at step 1", Duration.ofSeconds(15), () -> {
            JsonObject r = release();
            return Instant.now().isAfter(applied.plusSeconds(3)) && "NO_DATA".equals(r.getJsonObject("gates")
                    .getJsonObject("canary-5xx").getString("state"));
        });
        JsonObject r = release();
        assertEquals(1, r.getInteger("step"), "no data never promotes");
        assertEquals(0L, r.getLong("held_ms"));
        underLoad();
        Poll.until("step 2 once the canary has traffic", Duration.ofSeconds(20), () -> at(2));
    }

    @Test
    void aRestartMidPlanContinuesWithTheTimeHeld() throws Exception {
        Path rules = rules(CANARY_PLAN.formatted("6s", "1s"));
        d = RunningDaemon.start(rules, tmp.resolve("data"), ADMIN);
        underLoad();
        release("v2");
        Poll.until("3 s held at step 1", Duration.ofSeconds(20), () -> at(1) && release().getLong("held_ms") >= 3_000);
        d.close();
        d = RunningDaemon.start(rules, tmp.resolve("data"), ADMIN);
        JsonObject r = release();
        assertEquals(1, r.getInteger("step"));
        assertTrue(r.getLong("held_ms") >= 3_000, "time held survives the restart: " + r.encode());
        assertTrue(r.getLong("held_ms") < 6_000, r.encode());
        Poll.until("step 2 after the rest of the hold", Duration.ofSeconds(20), () -> at(2));
        assertEquals(1, d.count("checkout", "release", null), "the restart did not start a new release");
    }

    @Test
    void blueGreenSwitchesAfterTheChecksAndSwitchesBackOnATriggerWhileWarm() throws Exception {
        daemonOn("""
                      strategy: blue_green
                      steps: [{weight: 100, hold: 1s, gates: [idle-colour]}]
                      keep_warm: 60s
                """);
        underLoad();
        release("v2");
        Poll.until("switched to the new colour", Duration.ofSeconds(20), () -> at(2)
                && haproxy.weight("stable1") == 0 && haproxy.weight("canary1") > 0);
        assertEquals("keep_warm", release().getString("phase"));
        long before = load.total();
        Poll.until("traffic on the new colour", Duration.ofSeconds(10), () -> load.total() > before + 20);
        canary.answer(500);
        Poll.until("switched back", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0 && haproxy.weight("stable1") > 0);
        assertEquals("rolled_back", release().getString("outcome"));
    }

    @Test
    void blueGreenFinishesAfterKeepWarm() throws Exception {
        daemonOn("""
                      strategy: blue_green
                      steps: [{weight: 100, hold: 1s, gates: [idle-colour]}]
                      keep_warm: 2s
                """);
        release("v2");
        Poll.until("checks on the idle colour: no traffic to it", Duration.ofSeconds(10), () -> at(1) && haproxy.weight("canary1") == 0);
        Poll.until("promoted after keep_warm", Duration.ofSeconds(20), () -> "promoted".equals(release().getString("outcome")));
        assertEquals(0, haproxy.weight("stable1"));
        assertEquals("STEADY", d.service("checkout").getString("state"));
    }

    @Test
    void aSecondReleaseIsRefusedWhileOneIsInProgressUnlessItSupersedes() throws Exception {
        daemonOn(CANARY_PLAN.formatted("10m", "10m"));
        release("v2");
        HttpResponse<String> refused = post("releases", new JsonObject().put("version", "v3"));
        assertEquals(409, refused.statusCode(), refused.body());
        JsonObject body = new JsonObject(refused.body());
        assertTrue(body.getString("error").contains("release v2 in progress"), body.encode());
        assertEquals("v2", body.getJsonObject("detail").getJsonObject("release").getString("version"));
        HttpResponse<String> superseding = post("releases", new JsonObject().put("version", "v3").put("supersede", true));
        assertEquals(200, superseding.statusCode(), superseding.body());
        assertEquals("v3", release().getString("version"));
        assertEquals(1, release().getInteger("step"));
    }

    @Test
    void aStaticBalanceAlgorithmRefusesAShareAndTheReleasePausesSayingWhy() throws Exception {
        haproxy.close();
        haproxy = new Haproxy(tmp.resolve("haproxy-static"), List.of("balance static-rr",
                "server stable1 127.0.0.1:" + stable.port + " weight 100",
                "server canary1 127.0.0.1:" + canary.port + " weight 100"), false).start();
        daemonOn(CANARY_PLAN.formatted("1s", "1s"));
        release("v2");
        Poll.until("paused", Duration.ofSeconds(15), () -> d.service("checkout").getString("state").equals("PAUSED"));
        JsonObject decision = d.service("checkout").getJsonObject("last_decision");
        assertEquals("pause", decision.getString("kind"));
        assertTrue(decision.getString("reason").contains("static balance algorithm"), decision.encode());
        Poll.until("the refusal journaled", Duration.ofSeconds(10), () -> d.count("checkout", "action_failed", null) == 1);
        assertEquals(1, d.count("checkout", "action_failed", null), "refused once, not retried");
        assertEquals(100, haproxy.weight("canary1"), "nothing was changed");
    }

    @Test
    void aLoadBalancerThatLosesAStepGetsItBack() throws Exception {
        d = RunningDaemon.start(rules(CANARY_PLAN.formatted("10m", "10m")), tmp.resolve("data"), ADMIN,
                c -> c.withReconcileIntervalMs(200));
        release("v2");
        Poll.until("step 1 on HAProxy", Duration.ofSeconds(10), () -> at(1) && haproxy.weight("stable1") == 4);
        haproxy.reload(); // runtime weights are back to the configuration's 100/100
        Poll.until("step 1 re-applied", Duration.ofSeconds(10), () -> haproxy.weight("stable1") == 4 && haproxy.weight("canary1") == 1
                && d.count("checkout", "drift", null) >= 1);
        JsonObject drift = d.records("checkout").stream().map(o -> (JsonObject) o).filter(r -> r.getString("type").equals("drift"))
                .findFirst().orElseThrow().getJsonObject("body");
        assertEquals("lb_lost_step", drift.getString("direction"));
    }

    @Test
    void theReferencePlanOfTheExampleRulesRunsEndToEndOnCompressedHolds() throws Exception {
        // rules/rollout-example.yaml as shipped, with minutes made seconds and the guard scaled to the test's load.
        String example = Files.readString(Path.of("..", "rules", "rollout-example.yaml"))
                .replace("127.0.0.1:9999", haproxy.address())
                .replace("hold: 10m", "hold: 1s").replace("hold: 30m", "hold: 1s").replace("hold: 60m", "hold: 1s")
                .replace("[1m]", "[2s]").replace(">= 100", ">= 5");
        Path rules = tmp.resolve("reference.yaml");
        Files.writeString(rules, example);
        d = RunningDaemon.start(rules, tmp.resolve("data"), ADMIN);
        underLoad();
        release("v2");
        Poll.until("5 %: stable 19, canary 1", Duration.ofSeconds(10), () -> haproxy.weight("stable1") == 19 && haproxy.weight("canary1") == 1);
        Poll.until("promoted", Duration.ofSeconds(60), () -> "promoted".equals(release().getString("outcome")));
        Poll.until("the promotion journaled", Duration.ofSeconds(10), () -> d.count("checkout", "release_promoted", null) == 1);
        List<Integer> weights = d.records("checkout").stream().map(o -> (JsonObject) o)
                .filter(r -> r.getString("type").equals("rollout_step")).map(r -> r.getJsonObject("body").getInteger("weight")).toList();
        assertEquals(List.of(5, 25, 75, 100), weights);
        assertEquals(0, haproxy.weight("stable1"));
        assertEquals("STEADY", d.service("checkout").getString("state"));
    }

    @Test
    void inDryRunThePlanIsWalkedAndRecordedWithoutTouchingTheLoadBalancer() throws Exception {
        Path rules = rules(CANARY_PLAN.formatted("1s", "1s"));
        Files.writeString(rules, Files.readString(rules).replace("cooldown: 0s", "cooldown: 0s\n    dry_run: true"));
        d = RunningDaemon.start(rules, tmp.resolve("data"), ADMIN);
        underLoad();
        release("v2");
        Poll.until("promoted", Duration.ofSeconds(30), () -> "promoted".equals(release().getString("outcome")));
        assertEquals(100, haproxy.weight("stable1"), "dry run: weights untouched");
        assertEquals(100, haproxy.weight("canary1"));
    }
}
