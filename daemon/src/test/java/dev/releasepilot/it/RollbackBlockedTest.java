package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Traffic;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon against a real HAProxy whose servers are configured {@code weight 0} and weighted at
 * runtime (stable1 90, canary1 10): a rollback never blackholes the frontend. With the only stable
 * server in maintenance the rollback is held as {@code rollback_blocked} (API, metrics, journal) while
 * the canary keeps serving, and completes by itself once the server is ready again; drift that keeps
 * coming back is raised as {@code drift_unresolved}.
 */
class RollbackBlockedTest {
    static final int REQUESTS = 30;

    @TempDir
    Path tmp;

    private Vertx vertx;
    private NamedUpstream stable;
    private NamedUpstream canary;
    private Haproxy haproxy;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        stable = new NamedUpstream(vertx, "stable");
        canary = new NamedUpstream(vertx, "canary");
        haproxy = new Haproxy(tmp.resolve("haproxy"), List.of("server stable1 " + stable.address() + " weight 0",
                "server canary1 " + canary.address() + " weight 0"), false).start();
        haproxy.command("set weight be_checkout/stable1 90;set weight be_checkout/canary1 10");
    }

    @AfterEach
    void stop() throws Exception {
        haproxy.close();
        stable.close();
        canary.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private Daemon daemon(String extraRules) throws Exception {
        Path rules = RunningDaemon.rules(tmp, haproxy.address(), extraRules);
        return Daemon.start(DaemonConfig.defaults(rules, tmp.resolve("data"), "127.0.0.1", 0)
                .withActuationRetryDelayMs(100).withReconcileIntervalMs(200));
    }

    private String get(Daemon d, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private JsonObject service(Daemon d) throws Exception {
        return new JsonObject(get(d, "/api/v1/services/checkout"));
    }

    private void alert(Daemon d) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port()
                        + "/api/v1/alerts/alertmanager")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Payloads.firing("CheckoutErrors", "07b7d17d274ba13e",
                        "2026-11-23T10:00:00Z"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private List<JsonObject> journal(Daemon d, String type) throws Exception {
        JsonArray records = new JsonObject(get(d, "/api/v1/decisions?service=checkout")).getJsonArray("records");
        return records.stream().map(o -> (JsonObject) o).filter(o -> type.equals(o.getString("type"))).toList();
    }

    private static String body(JsonObject record, String key) {
        JsonObject b = record.getJsonObject("body", record);
        return b.getValue(key) == null ? null : String.valueOf(b.getValue(key));
    }

    @Test
    void aRollbackToAStableServerInMaintenanceIsHeldThenCompletesWhenItIsReady() throws Exception {
        haproxy.command("set server be_checkout/stable1 state maint");
        try (Daemon d = daemon(null)) {
            alert(d);
            JsonObject s = Poll.until("rollback_blocked shown", Duration.ofSeconds(10), () -> {
                JsonObject v = service(d);
                return "ROLLBACK_BLOCKED".equals(v.getString("state")) ? v : null;
            });
            assertEquals("rollback_blocked", s.getJsonObject("last_decision").getString("kind"));
            assertTrue(s.getJsonObject("last_decision").getString("reason").contains("stable1 MAINT"),
                    s.encodePrettily());
            assertEquals("paged", s.getJsonObject("last_decision").getString("trigger"), "still the rollback's trigger");
            assertTrue(s.getBoolean("rollback_pending"));
            assertEquals(10, haproxy.weight("canary1"), "the canary keeps its traffic");
            assertEquals(Map.of("canary", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS), "no 503 blackhole");
            String metrics = get(d, "/metrics");
            assertTrue(metrics.contains("release_pilot_service_state{service=\"checkout\",state=\"rollback_blocked\"} 1.0"), metrics);
            assertTrue(metrics.contains("release_pilot_decisions_total{kind=\"rollback_blocked\",service=\"checkout\"} 1.0"), metrics);
            assertTrue(get(d, "/").contains("ROLLBACK_BLOCKED") || get(d, "/api/v1/services").contains("ROLLBACK_BLOCKED"));

            haproxy.command("set server be_checkout/stable1 state ready");
            Poll.until("rollback completes once stable1 can serve", Duration.ofSeconds(10),
                    () -> "ROLLED_BACK".equals(service(d).getString("state")));
            assertEquals(90, haproxy.weight("stable1"), "restored to its runtime weight, not to 0");
            assertEquals(0, haproxy.weight("canary1"));
            assertEquals(Map.of("stable", REQUESTS), Traffic.count(haproxy.frontendPort, REQUESTS));
            Poll.until("the action journaled", Duration.ofSeconds(5), () -> journal(d, "action").size() == 1);
            List<JsonObject> decisions = journal(d, "decision");
            assertEquals(1, decisions.stream().filter(r -> "rollback_blocked".equals(body(r, "kind"))).count(),
                    "one record per blocked episode, however often it was re-checked: " + decisions);
            assertEquals(0, journal(d, "action_failed").size(), "holding is not a failure of the LB");
        }
    }

    @Test
    void drainPolicyDrainsAnywayAndJournalsTheRisk() throws Exception {
        haproxy.command("set server be_checkout/stable1 state maint");
        try (Daemon d = daemon("    when_stable_unavailable: drain\n")) {
            alert(d);
            Poll.until("rolled back", Duration.ofSeconds(10), () -> "ROLLED_BACK".equals(service(d).getString("state")));
            assertEquals(0, haproxy.weight("canary1"));
            // The state changes in memory before the action record is on disk: wait for the record.
            List<JsonObject> actions = Poll.until("the action journaled", Duration.ofSeconds(5),
                    () -> journal(d, "action").size() == 1 ? journal(d, "action") : null);
            String risk = body(actions.get(0), "risk");
            assertNotNull(risk, actions.toString());
            assertTrue(risk.contains("stable1 MAINT"), risk);
        }
    }

    @Test
    void aRepairThatIsUndoneAgainAndAgainRaisesDriftUnresolved() throws Exception {
        try (Daemon d = daemon(null)) {
            alert(d);
            Poll.until("rolled back", Duration.ofSeconds(10), () -> "ROLLED_BACK".equals(service(d).getString("state")));
            assertNull(service(d).getValue("drift_unresolved"));
            for (int i = 1; i <= 3; i++) {
                haproxy.command("set weight be_checkout/canary1 10"); // something keeps putting the canary back
                int corrected = i;
                Poll.until("repair " + i + " read back", Duration.ofSeconds(10),
                        () -> get(d, "/metrics").contains("release_pilot_drift_corrected_total{service=\"checkout\"} "
                                + corrected + ".0") && haproxy.weight("canary1") == 0);
            }
            JsonObject unresolved = service(d).getJsonObject("drift_unresolved");
            assertNotNull(unresolved, service(d).encodePrettily());
            assertEquals(3, unresolved.getInteger("repeats"));
            assertTrue(unresolved.getString("detail").contains("canary1=10"), unresolved.encode());
            assertTrue(get(d, "/metrics").contains("release_pilot_drift_unresolved{service=\"checkout\"} 1.0"));
        }
    }

    @Test
    void anLbRolledBackByHandWhileTheReleaseIsLiveIsReportedAndLeftAlone() throws Exception {
        Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
        try (Daemon d = Daemon.start(DaemonConfig.defaults(rules, tmp.resolve("data"), "127.0.0.1", 0)
                .withTokens(null, "admin-secret").withReconcileIntervalMs(200))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port()
                            + "/api/v1/services/checkout/releases")).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer admin-secret")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"version\":\"v2\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("CANARY", service(d).getString("state"));

            haproxy.command("set weight be_checkout/canary1 0"); // someone rolls back by hand
            JsonObject report = Poll.until("reported", Duration.ofSeconds(10),
                    () -> service(d).getJsonObject("drift_rolled_back_by_others"));
            assertEquals("lb_rolled_back", report.getString("direction"));
            assertTrue(report.getString("detail").contains("canary1=0") && report.getString("detail").contains("v2"),
                    report.encode());
            assertEquals("CANARY", service(d).getString("state"), "reported, not acted on");
            assertEquals(0, haproxy.weight("canary1"));
            assertTrue(get(d, "/metrics").contains(
                    "release_pilot_drift_detected_total{direction=\"lb_rolled_back\",service=\"checkout\"} 1.0"));
            List<JsonObject> drifts = Poll.until("the drift journaled", Duration.ofSeconds(5),
                    () -> journal(d, "drift").isEmpty() ? null : journal(d, "drift"));
            assertEquals(1, drifts.size(), drifts.toString());
            assertEquals("lb_rolled_back", body(drifts.get(0), "direction"));
        }
    }
}
