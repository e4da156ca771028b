package dev.releasepilot.ingest.alertmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.decide.AlertSignal;
import dev.releasepilot.decide.Event;
import dev.releasepilot.decide.ServiceMachine;
import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.rules.AlertTrigger;
import dev.releasepilot.rules.Reaction;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.backend.HaproxyBackend;
import dev.releasepilot.rules.matcher.MatcherParser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The largest alert the default limits let through, made of the characters JSON escapes most (a
 * control character becomes six bytes), still makes journal records well under the journal's 1 MiB.
 */
class AlertRecordBoundTest {
    private static final int JOURNAL_MAX_RECORD = 1 << 20; // FileJournal.MAX_RECORD
    private static final Instant NOW = Instant.parse("2026-11-23T15:30:00Z");

    @Test
    void theWorstAlertTheLimitsAllowFitsTheJournal() throws Exception {
        AlertLimits limits = AlertLimits.DEFAULTS;
        // Labels exactly at their limit: alertname (named in the decision's reason too) takes most of it.
        String name = "\u0001".repeat(limits.maxLabelChars() - "alertname".length() - "s".length() - "x".length());
        JsonObject labels = new JsonObject().put("alertname", name).put("s", "x");
        JsonObject annotations = new JsonObject();
        for (int i = 0; i < 8; i++) {
            annotations.put("a" + i, "\u0001".repeat(1_000_000));
        }
        JsonObject alert = new JsonObject().put("status", "firing").put("labels", labels).put("annotations", annotations)
                .put("startsAt", "2026-11-23T15:28:57Z").put("endsAt", "0001-01-01T00:00:00Z")
                .put("fingerprint", "f".repeat(64));
        String body = new JsonObject().put("alerts", new JsonArray().add(alert)).put("externalURL", "\u0001".repeat(100_000))
                .put("version", "4").encode();
        AlertmanagerDecoder.Decoded d = AlertmanagerDecoder.decode(Buffer.buffer(body), NOW, 1L);
        assertEquals(List.of(), d.rejected());
        AlertSignal a = d.alerts().get(0);

        AlertTrigger anything = new AlertTrigger("paged", MatcherParser.parse("{s=\"x\"}"));
        ServiceMachine m = new ServiceMachine(new ServiceRule("checkout", new HaproxyBackend("127.0.0.1:9999", "be",
                List.of("s1"), List.of("c1"), Duration.ofSeconds(2)), List.of(anything), Reaction.ROLLBACK, false,
                Duration.ofMinutes(10), true, List.of()));
        List<Event> events = m.onAlert(a, anything, NOW);
        assertEquals(2, events.size(), "the alert and the decision: " + events);
        for (Event e : events) {
            int bytes = dev.releasepilot.decide.EventCodec.toJson(e).encode().getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes < JOURNAL_MAX_RECORD * 0.6, e.type() + " record of " + bytes + " bytes");
        }
    }

    @Test
    void oneLabelCharacterMoreAndTheAlertIsRefused() throws BadInput {
        AlertLimits limits = AlertLimits.DEFAULTS;
        JsonObject alert = new JsonObject().put("status", "firing")
                .put("labels", new JsonObject().put("alertname", "x".repeat(limits.maxLabelChars() - "alertname".length() + 1)))
                .put("startsAt", "2026-11-23T15:28:57Z");
        String body = new JsonObject().put("alerts", new JsonArray().add(alert)).put("version", "4").encode();
        AlertmanagerDecoder.Decoded d = AlertmanagerDecoder.decode(Buffer.buffer(body), NOW, 1L);
        assertEquals(0, d.alerts().size());
        assertEquals(1, d.oversized());
    }
}
