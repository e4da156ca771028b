package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Control endpoints: closed without an admin token, bearer-checked with one; resume and releases. */
class ControlApiTest {
    private static final String ALERT = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void withoutAnAdminTokenControlIsForbiddenAndSaysHowToEnableIt() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), null)) {
            HttpResponse<String> r = d.post("/api/v1/services/checkout/rollback", "application/json", "{}", null);
            assertEquals(403, r.statusCode());
            assertTrue(new JsonObject(r.body()).getString("detail").contains("--admin-token-file"));
            assertEquals(10, haproxy.weight("canary1"));
            assertEquals(403, d.post("/-/reload", null, "", null).statusCode());
        }
    }

    @Test
    void resumeClearsRolledBackAndANewReleaseMakesOldAlertsStale() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), "s3cret")) {
            assertEquals(401, d.post("/api/v1/services/checkout/resume", "application/json", "{}", "wrong").statusCode());
            HttpResponse<String> nothing = d.post("/api/v1/services/checkout/resume", "application/json", "{}", "s3cret");
            assertEquals(409, nothing.statusCode(), "nothing to resume in STEADY");
            assertEquals(404, d.post("/api/v1/services/nope/resume", "application/json", "{}", "s3cret").statusCode());

            d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null);
            Poll.until("rolled back", Duration.ofSeconds(10), () -> d.service("checkout").getString("state").equals("ROLLED_BACK"));

            HttpResponse<String> resumed = d.post("/api/v1/services/checkout/resume", "application/json",
                    "{\"reason\":\"fixed by hand\"}", "s3cret");
            assertEquals(200, resumed.statusCode(), resumed.body());
            assertEquals("STEADY", new JsonObject(resumed.body()).getString("state"));

            // A new release goes live; an alert that started before it is about the old version.
            HttpResponse<String> rel = d.post("/api/v1/services/checkout/releases", "application/json",
                    "{\"version\":\"v2\",\"canary_weight\":10}", "s3cret");
            assertEquals(200, rel.statusCode(), rel.body());
            assertEquals("CANARY", new JsonObject(rel.body()).getString("state"));
            haproxy.command("set weight be_checkout/canary1 10");
            d.post("/api/v1/alerts/alertmanager", "application/json",
                    Payloads.firing("CheckoutLatency", "1111111111111111", "2026-11-23T09:00:00Z"), null);
            Poll.until("stale alert recorded", Duration.ofSeconds(10), () -> d.records("checkout").stream()
                    .map(o -> ((JsonObject) o).getJsonObject("body")).anyMatch(b -> b.getBoolean("stale", false)));
            assertEquals("CANARY", d.service("checkout").getString("state"));
            assertEquals(10, haproxy.weight("canary1"));

            // A manual rollback works with the token, and is journaled as the operator's.
            HttpResponse<String> rb = d.post("/api/v1/services/checkout/rollback", "application/json",
                    "{\"reason\":\"drill\"}", "s3cret");
            assertEquals(200, rb.statusCode());
            Poll.until("manual rollback applied", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);
            assertEquals("operator", d.service("checkout").getJsonObject("last_decision").getString("trigger"));
        }
    }

    @Test
    void aReloadWithABrokenFileKeepsTheRunningRules() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), "s3cret")) {
                String good = java.nio.file.Files.readString(rules);
                java.nio.file.Files.writeString(rules, good.replace("cooldown: 10m", "cooldown: ten minutes"));
                HttpResponse<String> r = d.post("/-/reload", null, "", "s3cret");
                assertEquals(400, r.statusCode(), r.body());
                assertTrue(new JsonObject(r.body()).getString("error").contains("rules.yaml:9:15: cooldown: not a duration"), r.body());
                assertTrue(d.metrics().contains("release_pilot_config_last_reload_successful 0.0"));
                assertEquals(200, d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null).statusCode());
                Poll.until("the old rules still act", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);

                java.nio.file.Files.writeString(rules, good.replace("name: checkout", "name: checkout\n    dry_run: true"));
                assertEquals(200, d.post("/-/reload", null, "", "s3cret").statusCode());
                assertTrue(d.metrics().contains("release_pilot_config_last_reload_successful 1.0"));
                assertTrue(d.service("checkout").getBoolean("dry_run"));
                assertEquals("ROLLED_BACK", d.service("checkout").getString("state"), "state survives a reload");
            }
        }
    }

    @Test
    void dryRunRecordsWouldRollbackAndLeavesTheLoadBalancerAlone() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            String yaml = java.nio.file.Files.readString(rules).replace("on_trigger: rollback", "on_trigger: rollback\n    dry_run: true");
            java.nio.file.Files.writeString(rules, yaml);
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), null)) {
                assertEquals(200, d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null).statusCode());
                JsonObject s = d.service("checkout");
                assertEquals("would_rollback", s.getJsonObject("last_decision").getString("kind"));
                assertEquals("STEADY", s.getString("state"));
                assertEquals(10, haproxy.weight("canary1"));
                assertTrue(d.metrics().contains("release_pilot_decisions_total{kind=\"would_rollback\",service=\"checkout\"} 1.0"));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
