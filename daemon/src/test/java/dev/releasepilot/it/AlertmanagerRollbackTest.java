package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Alertmanager;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton end to end with the real peers: Alertmanager delivers an alert to the daemon's
 * webhook, the daemon drains the canary on a real HAProxy, journals why, and remembers across a restart.
 */
class AlertmanagerRollbackTest {
    @TempDir
    Path tmp;

    @Test
    void alertDeliveredByAlertmanagerDrainsCanaryOnHaproxyAndSurvivesRestart() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            Path data = tmp.resolve("data");
            try (RunningDaemon d = RunningDaemon.start(rules, data, null);
                 Alertmanager am = new Alertmanager(tmp.resolve("am"), d.url() + "/api/v1/alerts/alertmanager")) {
                assertEquals(10, haproxy.weight("canary1"));
                assertEquals("STEADY", d.service("checkout").getString("state"));

                // An alert that matches no trigger: delivered, accepted, no decision.
                am.amtool("alert", "add", "alertname=DiskAlmostFull", "severity=warning", "service=checkout");
                Poll.until("the unrelated alert to reach the daemon", Duration.ofSeconds(20),
                        () -> d.metrics().contains("release_pilot_signals_unmatched_total 1.0"));
                assertEquals(10, haproxy.weight("canary1"));

                // The matching alert, posted the way amtool does it.
                am.amtool("alert", "add", "alertname=CheckoutErrors", "severity=critical", "service=checkout",
                        "--annotation=summary=5xx above 2%");
                Poll.until("canary drained on HAProxy", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
                assertEquals(100, haproxy.weight("stable1"));
                JsonObject s = Poll.until("state ROLLED_BACK", Duration.ofSeconds(5), () -> {
                    JsonObject v = d.service("checkout");
                    return v.getString("state").equals("ROLLED_BACK") ? v : null;
                });
                JsonObject decision = s.getJsonObject("last_decision");
                assertEquals("rollback", decision.getString("kind"));
                assertEquals("paged", decision.getString("trigger"));
                JsonObject evidence = decision.getJsonObject("evidence").getJsonArray("alerts").getJsonObject(0);
                assertEquals("CheckoutErrors", evidence.getJsonObject("labels").getString("alertname"));
                assertEquals(0, s.getJsonObject("weights").getJsonObject("canary1").getInteger("weight"));
                // The state changes in memory before the action record is on disk: wait for the record.
                Poll.until("the action journaled", Duration.ofSeconds(5), () -> d.count("checkout", "action", null) == 1);
                assertTrue(d.metrics().contains("release_pilot_rollbacks_executed_total{service=\"checkout\",trigger=\"paged\"} 1.0"));
                assertTrue(d.metrics().contains("release_pilot_reaction_seconds_count 1"));

                // Alertmanager sends the group again when a second alert joins it: the first one is in
                // that payload again and must not cause a second decision.
                am.amtool("alert", "add", "alertname=CheckoutErrors", "severity=critical", "service=checkout", "instance=b");
                Poll.until("second alert of the group recorded", Duration.ofSeconds(20),
                        () -> d.count("checkout", "alert", null) == 2);
                assertEquals(1, d.count("checkout", "decision", "rollback"));

                // The alert resolves (Prometheus posts it with an endsAt in the past, and an earlier
                // startsAt than amtool's): recorded, no new decision.
                String resolved = """
                        [{"labels":{"alertname":"CheckoutErrors","severity":"critical","service":"checkout"},
                          "startsAt":"%s","endsAt":"%s"}]""".formatted(Instant.now().minusSeconds(60), Instant.now().minusSeconds(1));
                am.post(resolved);
                Poll.until("resolution recorded", Duration.ofSeconds(20), () -> d.records("checkout").stream()
                        .map(o -> ((JsonObject) o).getJsonObject("body"))
                        .anyMatch(b -> "resolved".equals(b.getString("status"))));
                assertEquals(1, d.count("checkout", "decision", "rollback"));
                assertEquals(0, haproxy.weight("canary1"));
            }

            // Restart on the same journal: the service is still rolled back, and says why.
            try (RunningDaemon again = RunningDaemon.start(rules, data, null)) {
                JsonObject s = again.service("checkout");
                assertEquals("ROLLED_BACK", s.getString("state"));
                assertEquals("paged", s.getJsonObject("last_decision").getString("trigger"));
            }
        }
    }
}
