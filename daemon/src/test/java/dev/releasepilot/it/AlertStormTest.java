package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Alertmanager;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alert groups as a real Alertmanager sends them when things go badly: one group of 6,000 alerts
 * (about 6 MB of JSON, PROTOCOLS.md §6) hiding the one alert that matters, and alerts stamped by a host
 * whose clock lags ours.
 */
class AlertStormTest {
    private static final String WEBHOOK = "/api/v1/alerts/alertmanager";
    private static final int STORM = 6_000;

    @TempDir
    Path tmp;

    @Test
    void aGroupOfSixThousandAlertsRollsBackOnTheOneThatMatchesAndItsResendJournalsOnlyWhatChanged() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), null);
             Alertmanager am = new Alertmanager(tmp.resolve("am"), d.url() + WEBHOOK)) {
            // One group (alertname + service): 5,999 warnings the trigger does not want, one critical it does.
            String description = "d".repeat(850);
            JsonArray alerts = new JsonArray();
            for (int i = 0; i < STORM; i++) {
                alerts.add(new JsonObject()
                        .put("labels", new JsonObject().put("alertname", "CheckoutStorm").put("service", "checkout")
                                .put("instance", "host-" + i).put("severity", i == 4_321 ? "critical" : "warning"))
                        .put("annotations", new JsonObject().put("summary", "instance " + i + " misbehaves")
                                .put("description", description)));
            }
            String posted = alerts.encode();
            assertTrue(posted.length() > 5_500_000, "the group is about 6 MB: " + posted.length());
            am.post(posted);

            Poll.until("canary drained on HAProxy", Duration.ofSeconds(30), () -> haproxy.weight("canary1") == 0);
            assertEquals(1, d.count("checkout", "decision", "rollback"));
            assertEquals(1, d.count("checkout", "alert", null), "only the matching alert is journaled");
            JsonObject evidence = d.service("checkout").getJsonObject("last_decision").getJsonObject("evidence")
                    .getJsonArray("alerts").getJsonObject(0);
            assertEquals("host-4321", evidence.getJsonObject("labels").getString("instance"));
            String metrics = d.metrics();
            assertTrue(metrics.contains("release_pilot_signals_received_total{source=\"alertmanager\"} 6000.0"), metrics);
            assertTrue(metrics.contains("release_pilot_signals_unmatched_total 5999.0"), metrics);
            assertTrue(!metrics.contains("reason=\"too_large\""), "nothing was cut: " + metrics);

            // A new alert joins the group: Alertmanager sends all 6,001 again. Only the newcomer is journaled.
            am.post(new JsonArray().add(new JsonObject().put("labels", new JsonObject().put("alertname", "CheckoutStorm")
                    .put("service", "checkout").put("instance", "late").put("severity", "critical"))).encode());
            Poll.until("the group sent again with the newcomer", Duration.ofSeconds(30),
                    () -> d.count("checkout", "alert", null) == 2);
            Poll.until("the whole group counted twice", Duration.ofSeconds(10), () -> d.metrics()
                    .contains("release_pilot_signals_received_total{source=\"alertmanager\"} 12001.0"));
            assertEquals(2, d.count("checkout", "alert", null));
            assertEquals(1, d.count("checkout", "decision", null), "the re-sent group decided nothing new");
        }
    }

    @Test
    void anAlertFromAHostWhoseClockLagsIsActedOnAndAReallyOldOneIsCountedAsStale() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"),
                     "admin-secret");
             Alertmanager am = new Alertmanager(tmp.resolve("am"), d.url() + WEBHOOK)) {
            assertEquals(200, d.post("/api/v1/services/checkout/releases", "application/json",
                    "{\"version\":\"v2\"}", "admin-secret").statusCode());
            Instant release = Instant.parse(d.service("checkout").getJsonObject("release").getString("at"));

            // Started two minutes before the release: the previous version's alert, beyond the 60 s tolerance.
            am.post(alert("CheckoutOld", release.minusSeconds(120)));
            Poll.until("the old alert counted as stale", Duration.ofSeconds(20), () -> d.metrics()
                    .contains("release_pilot_signals_stale_total{service=\"checkout\"} 1.0"));
            JsonObject stale = d.service("checkout").getJsonObject("stale_alerts");
            assertEquals(1, stale.getLong("count"));
            assertEquals("CheckoutOld", stale.getJsonObject("last").getJsonObject("labels").getString("alertname"));
            assertEquals(10, haproxy.weight("canary1"));

            // Its sender's clock is 25 s behind: startsAt is before the release, yet the alert is this release's.
            am.post(alert("CheckoutErrors", release.minusSeconds(25)));
            Poll.until("canary drained on HAProxy", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
            assertEquals(1, d.count("checkout", "decision", "rollback"));
            assertEquals(1, d.service("checkout").getJsonObject("stale_alerts").getLong("count"));
        }
    }

    private static String alert(String name, Instant startsAt) {
        return new JsonArray().add(new JsonObject().put("labels", new JsonObject().put("alertname", name)
                .put("service", "checkout").put("severity", "critical")).put("startsAt", startsAt.toString())).encode();
    }
}
