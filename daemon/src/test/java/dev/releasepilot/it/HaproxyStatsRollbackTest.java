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
 * Issue 6 end to end: HAProxy's own counters, polled every 250 ms, drive the rule of
 * rules/haproxy-stats-example.yaml against a real HAProxy with real upstreams under steady load.
 */
class HaproxyStatsRollbackTest {
    private static final String TRIGGER = "canary-5xx-ratio";

    @TempDir
    Path tmp;
    Vertx vertx;
    StatusServer stable;
    StatusServer canary;
    Haproxy haproxy;
    RunningDaemon d;
    SteadyLoad load;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        stable = StatusServer.start(vertx, 200);
        canary = StatusServer.start(vertx, 200);
        haproxy = new Haproxy(tmp.resolve("haproxy"), List.of("server stable1 127.0.0.1:" + stable.port + " weight 100",
                "server canary1 127.0.0.1:" + canary.port + " weight 100"), false).start();
        String example = Files.readString(Path.of("..", "rules", "haproxy-stats-example.yaml"))
                .replace("127.0.0.1:9999", haproxy.address());
        Path rules = tmp.resolve("rules.yaml");
        Files.writeString(rules, example);
        d = RunningDaemon.start(rules, tmp.resolve("data"), null);
        load = SteadyLoad.start(haproxy.frontendPort, 200, Duration.ofMinutes(2));
        Poll.until("the 5xx-ratio trigger judged healthy under traffic", Duration.ofSeconds(15),
                () -> trigger().getString("state").equals("OK"));
    }

    @AfterEach
    void stop() throws Exception {
        load.close();
        d.close();
        haproxy.close();
        vertx.close().await(5, TimeUnit.SECONDS);
    }

    private JsonObject trigger() {
        return d.service("checkout").getJsonObject("expr_triggers").getJsonObject(TRIGGER);
    }

    @Test
    void aCanaryAnswering5xxIsDrainedWithinAboutASecond() {
        long t0 = System.nanoTime();
        canary.answer(500);
        Poll.until("canary drained", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("haproxy-stats path: canary 5xx -> weight 0 in " + ms + " ms (250 ms poll, [2s] window, for: 1s)");
        JsonObject decision = d.service("checkout").getJsonObject("last_decision");
        assertEquals("rollback", decision.getString("kind"));
        assertEquals(TRIGGER, decision.getString("trigger"));
        JsonObject firing = decision.getJsonObject("evidence").getJsonArray("firing").getJsonObject(0);
        assertTrue(firing.getDouble("value") > 0.02, decision.encodePrettily());
        assertEquals(100, haproxy.weight("stable1"));
    }

    @Test
    void aReloadResetsCountersWithoutAFalseRollbackAndAnOutageIsNoDataNotHealthy() {
        haproxy.reload(); // counters drop to zero: a counter reset, never a negative rate
        String evaluatedBefore = trigger().getString("evaluated_at");
        Poll.until("judged healthy again after the reload", Duration.ofSeconds(15), () -> {
            JsonObject t = trigger();
            return t.getString("evaluated_at").compareTo(evaluatedBefore) > 0 && t.getString("state").equals("OK");
        });
        assertEquals(1, new JsonObject(d.get("/api/v1/sources").body()).getJsonArray("sources").getJsonObject(0)
                .getInteger("reloads_detected"), "the reload was seen");

        haproxy.stop();
        Poll.until("NO_DATA while HAProxy is down", Duration.ofSeconds(15), () -> trigger().getString("state").equals("NO_DATA"));
        JsonObject source = new JsonObject(d.get("/api/v1/sources").body()).getJsonArray("sources").getJsonObject(0);
        assertEquals(false, source.getBoolean("up"));
        assertTrue(d.metrics().contains("release_pilot_haproxy_stats_up{address=\"" + haproxy.address() + "\"} 0.0"));

        haproxy.start();
        Poll.until("healthy again once HAProxy is back", Duration.ofSeconds(20), () -> trigger().getString("state").equals("OK"));
        assertEquals(0, d.count("checkout", "decision", null), "no decision through reload and outage");
        assertEquals("STEADY", d.service("checkout").getString("state"));
    }
}
