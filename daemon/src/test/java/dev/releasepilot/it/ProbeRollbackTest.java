package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real HTTP health endpoint that starts failing: three consecutive failures roll the canary back. */
class ProbeRollbackTest {
    @TempDir
    Path tmp;

    private static String probeRules(int healthPort) {
        return """
                      - name: health
                        probe: {url: "http://127.0.0.1:%d/health", interval: 200ms, timeout: 150ms}
                        consecutive_failures: 3
                """.formatted(healthPort);
    }

    @Test
    void threeConsecutiveFailedProbesRollBackAtOnce() throws Exception {
        Vertx vertx = Vertx.vertx();
        AtomicInteger status = new AtomicInteger(200);
        AtomicInteger hits = new AtomicInteger();
        HttpServer health = vertx.createHttpServer().requestHandler(r -> {
            hits.incrementAndGet();
            r.response().setStatusCode(status.get()).end("ok");
        }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            String yaml = java.nio.file.Files.readString(rules).replace("    on_trigger:", probeRules(health.actualPort()) + "    on_trigger:");
            java.nio.file.Files.writeString(rules, yaml);
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), null)) {
                Poll.until("several healthy probes", Duration.ofSeconds(10), () -> hits.get() >= 4);
                assertEquals("STEADY", d.service("checkout").getString("state"));
                assertEquals(0, d.records("checkout").size(), "healthy probes are not journaled");

                // One failure in a run of successes is not enough.
                status.set(503);
                int at = hits.get();
                Poll.until("one failed probe", Duration.ofSeconds(5), () -> hits.get() >= at + 1);
                status.set(200);
                Poll.until("healthy again", Duration.ofSeconds(5), () -> d.service("checkout")
                        .getJsonObject("failing_probes").isEmpty());
                assertEquals("STEADY", d.service("checkout").getString("state"));

                // The endpoint goes away entirely: refused connections.
                long t0 = System.nanoTime();
                health.close().await(5, TimeUnit.SECONDS);
                Poll.until("canary drained", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                JsonObject decision = d.service("checkout").getJsonObject("last_decision");
                assertEquals("health", decision.getString("trigger"));
                JsonArray results = decision.getJsonObject("evidence").getJsonObject("probe").getJsonArray("results");
                assertEquals(3, results.size(), decision.encodePrettily());
                results.forEach(r -> assertTrue(!((JsonObject) r).getBoolean("healthy")));
                System.out.println("probe path: endpoint down -> canary weight 0 in " + ms + " ms (200 ms interval)");
            }
        } finally {
            vertx.close().await(5, TimeUnit.SECONDS);
        }
    }
}
