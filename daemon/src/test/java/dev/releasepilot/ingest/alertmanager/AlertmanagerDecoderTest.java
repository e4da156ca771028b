package dev.releasepilot.ingest.alertmanager;


import dev.releasepilot.ingest.BadInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.decide.AlertSignal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Alertmanager webhook (payload version "4") as captured from Alertmanager 0.25 (PROTOCOLS.md §1.1). */
class AlertmanagerDecoderTest {
    private static final Instant RECEIVED = Instant.parse("2026-11-23T15:29:00Z");

    /** The captured firing body; the second alert (instance b) was elided in the capture and is rebuilt here. */
    static final String FIRING = "{\"receiver\":\"hook-basic\",\"status\":\"firing\",\"alerts\":["
            + "{\"status\":\"firing\",\"labels\":{\"alertname\":\"CheckoutErrors\",\"instance\":\"a\",\"service\":\"checkout\","
            + "\"severity\":\"critical\"},\"annotations\":{\"runbook\":\"http://x\",\"summary\":\"high errors\"},"
            + "\"startsAt\":\"2026-11-23T15:28:57.904771809Z\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"\","
            + "\"fingerprint\":\"07b7d17d274ba13e\"},"
            + "{\"status\":\"firing\",\"labels\":{\"alertname\":\"CheckoutErrors\",\"instance\":\"b\",\"service\":\"checkout\","
            + "\"severity\":\"critical\"},\"annotations\":{\"runbook\":\"http://x\",\"summary\":\"high errors\"},"
            + "\"startsAt\":\"2026-11-23T15:28:58.1Z\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"\","
            + "\"fingerprint\":\"42b2a7c7f289b593\"}],"
            + "\"groupLabels\":{\"alertname\":\"CheckoutErrors\"},\"commonLabels\":{\"alertname\":\"CheckoutErrors\","
            + "\"service\":\"checkout\",\"severity\":\"critical\"},\"commonAnnotations\":{},\"externalURL\":\"http://vm:19093\","
            + "\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"CheckoutErrors\\\"}\",\"truncatedAlerts\":1}\n";

    /** The captured resolved body, verbatim. */
    static final String RESOLVED = "{\"receiver\":\"hook-basic\",\"status\":\"resolved\",\"alerts\":[{\"status\":\"resolved\","
            + "\"labels\":{\"alertname\":\"PromStyle\",\"service\":\"checkout\"},\n"
            + " \"annotations\":{\"summary\":\"s\"},\"startsAt\":\"2026-11-23T15:29:52.023Z\",\"endsAt\":\"2026-11-23T15:29:59.849Z\",\n"
            + " \"generatorURL\":\"http://prom:9090/graph?g0.expr=up\",\"fingerprint\":\"66858eabc703e644\"}],\n"
            + " \"groupLabels\":{\"alertname\":\"PromStyle\"},\"commonLabels\":{\"alertname\":\"PromStyle\",\"service\":\"checkout\"},\n"
            + " \"commonAnnotations\":{\"summary\":\"s\"},\"externalURL\":\"http://vm:19093\",\"version\":\"4\",\n"
            + " \"groupKey\":\"{}:{alertname=\\\"PromStyle\\\"}\",\"truncatedAlerts\":0}\n";

    @Test
    void decodesTheCapturedFiringPayload() throws BadInput {
        AlertmanagerDecoder.Decoded d = decode(FIRING);
        assertEquals(List.of(), d.rejected());
        assertEquals("{}:{alertname=\"CheckoutErrors\"}", d.groupKey());
        assertEquals(2, d.alerts().size());
        AlertSignal a = d.alerts().get(0);
        assertTrue(a.firing());
        assertEquals("07b7d17d274ba13e", a.fingerprint());
        assertEquals(Instant.parse("2026-11-23T15:28:57Z").plusNanos(904_771_809), a.startsAt(), "nanoseconds kept");
        assertEquals(904_771_809, a.startsAt().getNano());
        assertNull(a.endsAt(), "year 1 means unset");
        assertEquals(Map.of("alertname", "CheckoutErrors", "instance", "a", "service", "checkout", "severity", "critical"),
                a.labels());
        assertEquals("high errors", a.annotations().get("summary"));
        assertEquals("http://vm:19093", a.sender());
        assertEquals(RECEIVED, a.receivedAt());
        assertEquals(42L, a.receivedNanos());
        assertEquals("07b7d17d274ba13e@2026-11-23T15:28:57.904771809Z", a.episode());

        AlertSignal b = d.alerts().get(1);
        assertEquals("b", b.labels().get("instance"));
        assertEquals(100_000_000, b.startsAt().getNano(), "one fractional digit");
    }

    @Test
    void decodesTheCapturedResolvedPayload() throws BadInput {
        AlertmanagerDecoder.Decoded d = decode(RESOLVED);
        assertEquals(List.of(), d.rejected());
        assertEquals(1, d.alerts().size());
        AlertSignal a = d.alerts().get(0);
        assertFalse(a.firing());
        assertEquals("66858eabc703e644", a.fingerprint());
        assertEquals(Instant.parse("2026-11-23T15:29:52.023Z"), a.startsAt());
        assertEquals(Instant.parse("2026-11-23T15:29:59.849Z"), a.endsAt());
        assertEquals(Map.of("alertname", "PromStyle", "service", "checkout"), a.labels());
    }

    @Test
    void aMissingFingerprintIsComputedAsAlertmanagerWould() throws BadInput {
        JsonObject body = new JsonObject(FIRING);
        body.getJsonArray("alerts").getJsonObject(0).remove("fingerprint");
        body.getJsonArray("alerts").getJsonObject(1).put("fingerprint", "");
        AlertmanagerDecoder.Decoded d = decode(body.encode());
        assertEquals("07b7d17d274ba13e", d.alerts().get(0).fingerprint());
        assertEquals(Fingerprint.of(d.alerts().get(1).labels()), d.alerts().get(1).fingerprint());
    }

    @Test
    void versionMustBeTheStringFour() {
        JsonObject missing = new JsonObject(FIRING);
        missing.remove("version");
        assertEquals("version", bad(missing.encode()).reason());
        assertTrue(bad(missing.encode()).getMessage().contains("(missing)"));

        BadInput numeric = bad(new JsonObject(FIRING).put("version", 4).encode());
        assertEquals("version", numeric.reason());
        assertTrue(numeric.getMessage().contains("'4'") && numeric.getMessage().contains("\"4\""), numeric.getMessage());

        assertEquals("version", bad(new JsonObject(FIRING).put("version", "3").encode()).reason());
    }

    @Test
    void aBodyThatIsNotAJsonObjectIsMalformed() {
        for (String body : List.of("[]", "[" + FIRING + "]", "\"alerts\"", "42", "", "   ", "null")) {
            BadInput e = bad(body);
            assertEquals("malformed", e.reason(), body);
            assertTrue(e.getMessage().contains("JSON object"), e.getMessage());
        }
    }

    @Test
    void invalidJsonIsMalformed() {
        for (String body : List.of("{", "{\"version\":\"4\",", "{version: 4}", "{\"a\":1}}")) {
            BadInput e = bad(body);
            assertEquals("malformed", e.reason(), body);
            assertFalse(e.getMessage().contains("\n"), "one line, no parser dump: " + e.getMessage());
        }
    }

    @Test
    void alertsMustBeAnArray() {
        assertEquals("malformed", bad(new JsonObject(FIRING).put("alerts", "x").encode()).reason());
        JsonObject none = new JsonObject(FIRING);
        none.remove("alerts");
        assertEquals("malformed", bad(none.encode()).reason());
    }

    @Test
    void oneBrokenAlertIsRejectedAndTheValidOnesAreKept() throws BadInput {
        JsonObject body = new JsonObject(FIRING);
        JsonArray alerts = body.getJsonArray("alerts");
        JsonObject good = alerts.getJsonObject(0);
        alerts.add(good.copy().put("startsAt", "yesterday"));                     // [2]
        alerts.add(good.copy().put("status", "pending"));                         // [3]
        alerts.add(good.copy().put("labels", new JsonObject()));                  // [4]
        alerts.add(good.copy().put("labels", new JsonObject().put("n", 1)));      // [5]
        alerts.add("not an alert");                                               // [6]
        alerts.add(good.copy().put("status", 7));                                 // [7]
        JsonObject noStart = good.copy();
        noStart.remove("startsAt");
        alerts.add(noStart);                                                      // [8]
        alerts.add(good.copy().put("endsAt", 12));                                // [9]

        AlertmanagerDecoder.Decoded d = decode(body.encode());
        assertEquals(2, d.alerts().size(), () -> "kept: " + d.alerts());
        assertEquals(List.of("a", "b"), d.alerts().stream().map(a -> a.labels().get("instance")).toList());
        assertEquals(8, d.rejected().size(), () -> "rejected: " + d.rejected());
        for (int i = 0; i < 8; i++) {
            assertTrue(d.rejected().get(i).startsWith("alerts[" + (i + 2) + "]: "), d.rejected().get(i));
        }
        assertTrue(d.rejected().get(1).contains("status"), d.rejected().get(1));
        assertTrue(d.rejected().get(2).contains("labels"), d.rejected().get(2));
        assertTrue(d.rejected().get(6).contains("startsAt"), d.rejected().get(6));
    }

    private static AlertmanagerDecoder.Decoded decode(String body) throws BadInput {
        return AlertmanagerDecoder.decode(Buffer.buffer(body), RECEIVED, 42L);
    }

    private static BadInput bad(String body) {
        return assertThrows(BadInput.class, () -> decode(body), body);
    }
}
