package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad webhook bodies get 400/413/415 with a JSON error, and change nothing; duplicates decide once. */
class WebhookInputTest {
    private static final String PATH = "/api/v1/alerts/alertmanager";
    private static final String JSON = "application/json";

    @TempDir
    Path tmp;
    Haproxy haproxy;
    RunningDaemon d;

    @BeforeEach
    void start() {
        haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
        d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), null);
    }

    @AfterEach
    void stop() {
        d.close();
        haproxy.close();
    }

    @Test
    void badBodiesAreRejectedWithTheRightStatusAndChangeNothing() {
        assertError(d.post(PATH, JSON, "{\"version\":\"4\",\"alerts\":[", null), 400, "not valid JSON");
        assertError(d.post(PATH, JSON, "[1,2]", null), 400, "JSON object");
        assertError(d.post(PATH, JSON, "{\"version\":4,\"alerts\":[]}", null), 400, "version");
        assertError(d.post(PATH, JSON, "{\"version\":\"4\"}", null), 400, "'alerts'");
        assertError(d.post(PATH, "text/plain", Payloads.firing("CheckoutErrors", "aa", "2026-11-23T10:00:00Z"), null),
                415, "content type");
        assertError(d.post(PATH, null, Payloads.firing("CheckoutErrors", "aa", "2026-11-23T10:00:00Z"), null),
                415, "content type");
        // A valid payload is never refused for its size (Alertmanager would send it again and again):
        // past the 4 Mi-character string limit the reading stops, what was read counts, and the answer says so.
        String huge = "{\"version\":\"4\",\"alerts\":[],\"pad\":\"" + "x".repeat(5 * 1024 * 1024) + "\"}";
        HttpResponse<String> big = d.post(PATH, JSON, huge, null);
        assertEquals(200, big.statusCode(), big.body());
        assertTrue(new JsonObject(big.body()).getString("truncated").contains("over the limit"), big.body());

        // One broken alert among valid ones: the valid one is taken, the answer lists the broken one.
        String mixed = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z")
                .replace("\"alerts\":[", "\"alerts\":[{\"status\":\"burning\",\"labels\":{\"a\":\"b\"},\"startsAt\":\"x\"},");
        HttpResponse<String> r = d.post(PATH, JSON, mixed, null);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(new JsonObject(r.body()).getJsonArray("detail").getString(0).startsWith("alerts[0]"), r.body());

        assertEquals(1, d.count("checkout", "decision", "rollback"), "the valid alert still acted");
        assertTrue(d.metrics().contains("release_pilot_signals_rejected_total{reason=\"malformed\",source=\"alertmanager\"} 3.0"),
                d.metrics());
        assertTrue(d.metrics().contains("release_pilot_signals_rejected_total{reason=\"content_type\",source=\"alertmanager\"} 2.0"));
        assertTrue(d.metrics().contains("release_pilot_signals_rejected_total{reason=\"too_large\",source=\"alertmanager\"} 1.0"));
        assertEquals(200, d.get("/-/healthy").statusCode(), "the daemon keeps running");
    }

    @Test
    void bodiesThatChangeNothingLeaveStateAndJournalAsTheyWere() {
        JsonObject before = d.service("checkout");
        int records = d.records("checkout").size();
        d.post(PATH, JSON, "{nope", null);
        d.post(PATH, "application/xml", "<alerts/>", null);
        assertEquals(before.getString("state"), d.service("checkout").getString("state"));
        assertEquals(records, d.records("checkout").size());
        assertEquals(10, haproxy.weight("canary1"));
    }

    @Test
    void theSameAlertDeliveredTwiceOrByBothHaPeersDecidesOnce() {
        String body = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T15:28:57.904771809Z");
        assertEquals(200, d.post(PATH, JSON, body, null).statusCode());
        // The HA peer's copy differs only in externalURL.
        assertEquals(200, d.post(PATH, JSON, body.replace("http://am:9093", "http://am2:9093"), null).statusCode());
        assertEquals(200, d.post(PATH, JSON, body, null).statusCode());
        Poll.until("rollback applied", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);
        assertEquals(1, d.count("checkout", "decision", "rollback"));
        assertEquals(1, d.count("checkout", "alert", null));
        assertTrue(d.metrics().contains("release_pilot_signals_deduplicated_total 2.0"), d.metrics());
    }

    private static void assertError(HttpResponse<String> r, int status, String messagePart) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonObject o = new JsonObject(r.body());
        assertTrue(o.getString("error").contains(messagePart), "error '" + o.getString("error") + "' should mention " + messagePart);
    }
}
