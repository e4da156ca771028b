package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failed actuations are journaled and retried; a rollback in flight at shutdown completes on restart. */
class RecoveryTest {
    private static final String ALERT = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void aRollbackThatCouldNotBeAppliedIsVisibleRetriedAndCompletedAfterRestart() {
        Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2); // configured, not started: nothing listens
        Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
        Path data = tmp.resolve("data");
        try (RunningDaemon d = RunningDaemon.start(rules, data, null)) {
            assertEquals(200, d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null).statusCode(),
                    "the alert is accepted once it is journaled, even though the LB is down");
            JsonObject s = Poll.until("a journaled actuation failure", Duration.ofSeconds(10), () -> {
                JsonObject v = d.service("checkout");
                return v.getJsonObject("last_failure") != null ? v : null;
            });
            assertEquals("ROLLING_BACK", s.getString("state"));
            assertTrue(s.getBoolean("rollback_pending"));
            assertEquals("connect", s.getJsonObject("last_failure").getString("reason"));
            Poll.until("retries keep going", Duration.ofSeconds(10), () -> d.count("checkout", "action_failed", null) >= 2);
            assertTrue(d.metrics().contains("release_pilot_actuation_failures_total{backend=\"haproxy\"}"));
        }
        // The process is gone with the rollback still pending. HAProxy comes up; the next start finishes it.
        try (Haproxy up = haproxy.start()) {
            assertEquals(10, up.weight("canary1"), "HAProxy starts from its config");
            try (RunningDaemon d = RunningDaemon.start(rules, data, null)) {
                Poll.until("the pending rollback completed after restart", Duration.ofSeconds(10), () -> up.weight("canary1") == 0);
            Poll.until("state ROLLED_BACK", Duration.ofSeconds(5), () -> d.service("checkout").getString("state").equals("ROLLED_BACK"));
                assertEquals(1, d.count("checkout", "decision", "rollback"), "one decision, however many attempts");
            }
        }
    }

    @Test
    void theUnixSocketRuntimeApiWorksLikeTcp() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), FreePort.get(), FreePort.get()).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.socket.toString(), null),
                     tmp.resolve("data"), null)) {
            d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null);
            Poll.until("canary drained over the unix socket", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);
        }
    }
}
