package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Valid webhooks under the body limit whose alerts are too big for a journal record (2 MB of
 * annotations, 100,000 labels): the record is bounded or that alert alone refused; the service keeps
 * answering, and its decision survives a restart.
 */
class HugeAlertTest {
    private static final String WEBHOOK = "/api/v1/alerts/alertmanager";
    private static final String JSON = "application/json";

    @TempDir
    Path tmp;

    @Test
    void twoMegabytesOfAnnotationsAreCutWithAMarkerAndTheRollbackIsJournaled() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), null)) {
                JsonObject body = payload(alert("CheckoutErrors", "a").put("annotations", new JsonObject()
                        .put("summary", "high errors").put("description", "e".repeat(2_000_000))));
                HttpResponse<String> r = d.post(WEBHOOK, JSON, body.encode(), null);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(1, new JsonObject(r.body()).getInteger("annotations_truncated"), r.body());
                Poll.until("canary drained", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);

                JsonObject annotations = d.service("checkout").getJsonObject("last_decision").getJsonObject("evidence")
                        .getJsonArray("alerts").getJsonObject(0).getJsonObject("annotations");
                assertEquals("high errors", annotations.getString("summary"));
                String description = annotations.getString("description");
                assertTrue(description.length() < 20_000, "cut: " + description.length());
                assertTrue(description.endsWith("…[truncated " + (2_000_000 - 16 * 1024) + " characters]"),
                        description.substring(description.length() - 60));
                assertTrue(d.metrics().contains(
                        "release_pilot_signals_truncated_total{reason=\"annotations\",source=\"alertmanager\"} 1.0"));

                // The service still takes alerts: the journal was not wedged by the big one.
                assertEquals(200, d.post(WEBHOOK, JSON, payload(alert("CheckoutLatency", "b")).encode(), null).statusCode());
                Poll.until("the later alert journaled", Duration.ofSeconds(10), () -> d.count("checkout", "alert", null) == 2);
            }
            try (RunningDaemon again = RunningDaemon.start(rules, tmp.resolve("data"), null)) {
                assertEquals("ROLLED_BACK", again.service("checkout").getString("state"), "the decision survived");
            }
        }
    }

    @Test
    void anAlertWithAHundredThousandLabelsIsRefusedAloneAndTheOtherAlertsActs() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), null)) {
                JsonObject labels = new JsonObject().put("alertname", "CheckoutErrors").put("severity", "critical");
                for (int i = 0; i < 100_000; i++) {
                    labels.put("l" + i, "v");
                }
                JsonObject wide = alert("CheckoutErrors", "wide").put("labels", labels).put("fingerprint", "0000000000000001");
                String body = payload(wide, alert("CheckoutErrors", "ok")).encode();
                assertTrue(body.length() < 4 * 1024 * 1024, "under the old body limit: " + body.length());

                HttpResponse<String> r = d.post(WEBHOOK, JSON, body, null);
                assertEquals(400, r.statusCode(), r.body());
                JsonObject answer = new JsonObject(r.body());
                assertEquals("1 alert(s) rejected, 1 accepted", answer.getString("error"));
                assertEquals("alerts[0]: more than 128 labels", answer.getJsonArray("detail").getString(0));
                Poll.until("the other alert rolled back", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);
                assertEquals(1, d.count("checkout", "alert", null));
                assertEquals("ok", d.service("checkout").getJsonObject("last_decision").getJsonObject("evidence")
                        .getJsonArray("alerts").getJsonObject(0).getJsonObject("labels").getString("instance"));
                assertTrue(d.metrics().contains(
                        "release_pilot_signals_rejected_total{reason=\"too_large\",source=\"alertmanager\"} 1.0"), d.metrics());
                assertEquals(200, d.post(WEBHOOK, JSON, payload(alert("CheckoutLatency", "b")).encode(), null).statusCode());
            }
            try (RunningDaemon again = RunningDaemon.start(rules, tmp.resolve("data"), null)) {
                assertEquals("ROLLED_BACK", again.service("checkout").getString("state"), "the decision survived");
            }
        }
    }

    private static JsonObject alert(String name, String instance) {
        return new JsonObject().put("status", "firing")
                .put("labels", new JsonObject().put("alertname", name).put("instance", instance)
                        .put("service", "checkout").put("severity", "critical"))
                .put("annotations", new JsonObject().put("summary", "s"))
                .put("startsAt", "2026-11-23T15:28:57.904771809Z").put("endsAt", "0001-01-01T00:00:00Z")
                .put("generatorURL", "");
    }

    /** Shaped like PROTOCOLS.md §1.1: alerts first, version and groupKey after them, as Alertmanager writes it. */
    private static JsonObject payload(JsonObject... alerts) {
        return new JsonObject().put("receiver", "release-pilot").put("status", "firing")
                .put("alerts", new JsonArray(java.util.List.of((Object[]) alerts)))
                .put("groupLabels", new JsonObject()).put("commonLabels", new JsonObject())
                .put("commonAnnotations", new JsonObject()).put("externalURL", "http://am:9093")
                .put("version", "4").put("groupKey", "{}:{alertname=\"CheckoutErrors\"}").put("truncatedAlerts", 0);
    }
}
