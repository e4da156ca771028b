package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.StatusServer;
import dev.releasepilot.peers.SteadyLoad;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canary against stable on a real HAProxy (stats polled every 250 ms) in front of a real stable and
 * canary upstream whose error rate and latency the test sets, under steady load: a canary whose
 * absolute numbers stay under the absolute thresholds (0.4 % errors under 0.5 %, 300 ms under 400 ms)
 * but clearly worse than stable's is caught by the relative trigger and by the judges, and a canary
 * like stable is never rolled back, however many looks the judges take.
 */
class CanaryVersusStableTest {
    private static final String SERVER = "haproxy_server_http_responses_total{proxy=\"be_checkout\",server=\"%s\"%s}";
    private static final String RATIO = "sum(rate(" + SERVER.formatted("%1$s", ",code=\"5xx\"") + "[20s]))"
            + " / sum(rate(" + SERVER.formatted("%1$s", "") + "[20s]))";
    private static final String TRAFFIC = "sum(increase(" + SERVER.formatted("%s", "") + "[20s]))";
    /** The absolute triggers every scenario keeps: a canary under them is "fine" by absolute standards. */
    private static final String ABSOLUTE = """
                  - name: canary-5xx-absolute
                    expr: '%s > 0.005'
                    requires: '%s >= 500'
                  - name: canary-slow-absolute
                    expr: 'avg_over_time(haproxy_server_response_time_average_seconds{proxy="be_checkout",server="canary1"}[5s]) > 0.4'
            """.formatted(RATIO.formatted("canary1"), TRAFFIC.formatted("canary1"));
    private static final String RELATIVE = """
                  - name: canary-5xx-vs-stable
                    expr: '%s > 2 * %s and %s > 0.002'
                    requires: '%s >= 500 and %s >= 500'
            """.formatted(RATIO.formatted("canary1"), RATIO.formatted("stable1"), RATIO.formatted("canary1"),
            TRAFFIC.formatted("canary1"), TRAFFIC.formatted("stable1"));
    private static final String LATENCY_JUDGE = """
                  - name: latency-vs-stable
                    judge: {test: mann_whitney, confidence: 0.98, direction: increase, tolerance: 0.2,
                            window: 12s, sample_every: 1s, min_samples: 8, interval: 2s,
                            canary: 'haproxy_server_response_time_average_seconds{proxy="be_checkout",server="canary1"}',
                            stable: 'haproxy_server_response_time_average_seconds{proxy="be_checkout",server="stable1"}'}
            """;
    /**
     * Looks without enough requests spend nothing, so min_samples sets how much evidence the first
     * tested look has: 2,000 requests of a canary failing 0.4 % are 8 failures against none, p ≈ 0.004
     * under the first look's 0.012. The 60 s window holds them at 34 requests/s per server and more
     * (the load aims at 100; a busy machine gives less).
     */
    private static final String ERRORS_JUDGE = """
                  - name: errors-vs-stable
                    judge: {test: two_proportion, confidence: 0.98, window: 60s, sample_every: 2s, interval: 4s,
                            min_samples: 2000,
                            canary_errors: '%s', canary_total: '%s',
                            stable_errors: '%s', stable_total: '%s'}
            """.formatted(SERVER.formatted("canary1", ",code=\"5xx\""), SERVER.formatted("canary1", ""),
            SERVER.formatted("stable1", ",code=\"5xx\""), SERVER.formatted("stable1", ""));

    @TempDir
    Path tmp;
    Vertx vertx;
    StatusServer stable;
    StatusServer canary;
    Haproxy haproxy;
    RunningDaemon d;
    final List<SteadyLoad> load = new java.util.ArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        stable = StatusServer.start(vertx, 200);
        canary = StatusServer.start(vertx, 200);
        stable.delay(100);
        canary.delay(100);
        haproxy = new Haproxy(tmp.resolve("haproxy"), List.of("server stable1 127.0.0.1:" + stable.port + " weight 100",
                "server canary1 127.0.0.1:" + canary.port + " weight 100"), false).start();
    }

    @AfterEach
    void stop() throws Exception {
        for (SteadyLoad l : load) {
            l.close();
        }
        if (d != null) {
            d.close();
        }
        haproxy.close();
        vertx.close().await(5, TimeUnit.SECONDS);
    }

    private void run(String triggers) throws Exception {
        Path rules = tmp.resolve("rules.yaml");
        Files.writeString(rules, """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: "%s", backend: be_checkout,
                              stable: [stable1], canary: [canary1], stats_poll: 250ms}
                    on_trigger: rollback
                    cooldown: 10m
                    triggers:
                """.formatted(haproxy.address()) + triggers);
        d = RunningDaemon.start(rules, tmp.resolve("data"), null);
        // 200 requests/s in all, ~100 per server: each driver waits for its answer (100 ms and more), so 40
        // of them at 5/s keep the rate whatever the upstreams' delays.
        for (int i = 0; i < 40; i++) {
            load.add(SteadyLoad.start(haproxy.frontendPort, 5, Duration.ofMinutes(3)));
        }
    }

    private JsonObject decision() {
        return d.service("checkout").getJsonObject("last_decision");
    }

    private String exprState(String trigger) {
        return d.service("checkout").getJsonObject("expr_triggers").getJsonObject(trigger).getString("state");
    }

    @Test
    void errorsUnderTheAbsoluteThresholdButWorseThanStableAreCaughtByTheRelativeTrigger() throws Exception {
        canary.failOneIn(250); // 0.4 %: under the absolute 0.5 %, but stable has none
        run(ABSOLUTE + RELATIVE);
        Poll.until("canary drained", Duration.ofSeconds(60), () -> haproxy.weight("canary1") == 0);
        JsonObject decision = decision();
        assertEquals("rollback", decision.getString("kind"), decision.encodePrettily());
        assertEquals("canary-5xx-vs-stable", decision.getString("trigger"));
        double ratio = decision.getJsonObject("evidence").getJsonArray("firing").getJsonObject(0).getDouble("value");
        assertTrue(ratio > 0.002 && ratio <= 0.005, "the canary's own error ratio: " + ratio);
        assertEquals("OK", exprState("canary-5xx-absolute"), "the absolute threshold never saw a problem");
        assertEquals(100, haproxy.weight("stable1"));
    }

    @Test
    void latencyUnderTheAbsoluteThresholdButSlowerThanStableIsCaughtByTheJudge() throws Exception {
        canary.delay(300); // under the absolute 400 ms; stable answers in 100 ms
        run(ABSOLUTE + LATENCY_JUDGE);
        Poll.until("canary drained", Duration.ofSeconds(60), () -> haproxy.weight("canary1") == 0);
        JsonObject decision = decision();
        assertEquals("latency-vs-stable", decision.getString("trigger"), decision.encodePrettily());
        JsonObject judged = decision.getJsonObject("evidence").getJsonObject("judge");
        assertEquals("mann_whitney", judged.getString("test"));
        assertTrue(judged.getDouble("p_value") <= judged.getDouble("alpha"), judged.encodePrettily());
        assertTrue(judged.getJsonObject("canary").getLong("samples") >= 8, judged.encodePrettily());
        double canaryMedian = judged.getJsonObject("canary").getDouble("center");
        assertTrue(canaryMedian > 0.2 && canaryMedian < 0.4, "canary median " + canaryMedian);
        assertEquals("OK", exprState("canary-slow-absolute"));
        JsonObject view = d.service("checkout").getJsonObject("judge_triggers").getJsonObject("latency-vs-stable");
        assertEquals("FIRING", view.getString("state"), view.encodePrettily());
    }

    @Test
    void errorsUnderTheAbsoluteThresholdButWorseThanStableAreCaughtByTheProportionJudge() throws Exception {
        canary.failOneIn(250);
        run(ABSOLUTE + ERRORS_JUDGE);
        Poll.until("canary drained", Duration.ofSeconds(120), () -> haproxy.weight("canary1") == 0);
        JsonObject decision = decision();
        assertEquals("errors-vs-stable", decision.getString("trigger"), decision.encodePrettily());
        JsonObject judged = decision.getJsonObject("evidence").getJsonObject("judge");
        assertEquals("two_proportion", judged.getString("test"));
        assertTrue(judged.getJsonObject("canary").getLong("samples") >= 2000, judged.encodePrettily());
        assertTrue(judged.getJsonObject("canary").getDouble("center") < 0.005, judged.encodePrettily());
        assertEquals("OK", exprState("canary-5xx-absolute"));
    }

    @Test
    void aCanaryLikeStableIsNeverRolledBackOverRepeatedLooks() throws Exception {
        canary.failOneIn(250);
        stable.failOneIn(250);
        run(ABSOLUTE + RELATIVE + LATENCY_JUDGE + ERRORS_JUDGE);
        Poll.until("both judges tested the canary at least 8 times each", Duration.ofSeconds(150), () -> {
            JsonObject judges = d.service("checkout").getJsonObject("judge_triggers");
            return judges.getJsonObject("latency-vs-stable").getInteger("tests") >= 8
                    && judges.getJsonObject("errors-vs-stable").getInteger("tests") >= 8;
        });
        JsonObject s = d.service("checkout");
        assertEquals(0, d.count("checkout", "decision", null), s.encodePrettily());
        assertEquals("STEADY", s.getString("state"));
        assertEquals(100, haproxy.weight("canary1"));
        assertEquals("OK", s.getJsonObject("judge_triggers").getJsonObject("latency-vs-stable").getString("state"));
        assertEquals("OK", s.getJsonObject("judge_triggers").getJsonObject("errors-vs-stable").getString("state"));
        assertEquals("OK", exprState("canary-5xx-vs-stable"));
    }
}
