package dev.releasepilot.decide;

import static dev.releasepilot.decide.PilotHarness.requests;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.releasepilot.peers.Poll;
import dev.releasepilot.window.Sample;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release starts every trigger afresh: a trigger that fired for one release (and, with its long
 * clear_for, is still FIRING) fires again for the next bad one. Samples are replayed with historical
 * timestamps through a real Pilot; the reset is re-derived from the journal after a restart.
 */
class ReleaseResetTest {
    private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final String SERVICE = """
              - name: checkout
                backend: EXEC
                cooldown: 1h
                triggers:
                  - name: error-ratio
                    expr: sum(rate(http_requests_total{service="checkout",code="500"}[30s])) / sum(rate(http_requests_total{service="checkout"}[30s])) > 0.05
                    for: 60s
                    clear_for: 10m
            """;

    @TempDir
    Path dir;

    /**
     * Seconds [from, to) of 10 requests/s, half of them failing; counters as a scrape would see them.
     * Sent 20 s at a time, each chunk once the trigger has evaluated the previous one: the windows keep
     * 30 s of slack behind the newest sample, and a replay must not outrun its evaluation by more.
     */
    private static void halfFailing(PilotHarness h, int from, int to) throws Exception {
        for (int chunk = from; chunk < to; chunk += 20) {
            int end = Math.min(to, chunk + 20);
            for (int s = chunk; s < end; s++) {
                long t = T0 + s * 1000L;
                h.feed(List.of(new Sample(requests("checkout", "200"), t, 5.0 * s),
                        new Sample(requests("checkout", "500"), t, 5.0 * s)));
            }
            evaluatedAt(h, end - 1);
        }
    }

    /** Waits until the trigger has evaluated second {@code s}; returns its view. */
    private static JsonObject evaluatedAt(PilotHarness h, int s) {
        String at = Instant.ofEpochMilli(T0 + s * 1000L).toString();
        return Poll.until("evaluated at " + at, Duration.ofSeconds(20), () -> {
            JsonObject t = h.status("checkout").getJsonObject("expr_triggers").getJsonObject("error-ratio");
            return at.equals(t.getString("evaluated_at")) ? t : null;
        });
    }

    private static JsonObject rolledBack(PilotHarness h, String since) {
        return Poll.until("a rollback decided after " + since, Duration.ofSeconds(20), () -> {
            JsonObject s = h.status("checkout");
            JsonObject d = s.getJsonObject("last_decision");
            return "ROLLED_BACK".equals(s.getString("state")) && d != null && d.getString("at").compareTo(since) > 0 ? s : null;
        });
    }

    private static String eventTime(JsonObject status) {
        return status.getJsonObject("last_decision").getJsonObject("evidence").getString("event_time");
    }

    /** Release v1, three minutes at 50 % errors, the rollback, then release v2. Returns v2's status. */
    private static JsonObject firstReleaseRolledBackThenANewOne(PilotHarness h) throws Exception {
        String start = Instant.now().toString();
        h.command("checkout", new OperatorCommand.Release("v1", new JsonObject(), "deploy"));
        halfFailing(h, 0, 180);
        JsonObject first = rolledBack(h, start);
        assertEquals("rollback", first.getJsonObject("last_decision").getString("kind"));
        assertEquals(Instant.ofEpochMilli(T0 + 61_000).toString(), eventTime(first),
                "the first TRUE (two samples in the window) at 1 s, held for 60 s");
        JsonObject firing = evaluatedAt(h, 179);
        assertEquals("FIRING", firing.getString("state"), "still FIRING at the end of the first release: " + firing);

        JsonObject canary = h.command("checkout", new OperatorCommand.Release("v2", new JsonObject(), "fixed"));
        assertEquals("CANARY", canary.getString("state"));
        assertEquals(Instant.ofEpochMilli(T0 + 179_000).toString(),
                canary.getJsonObject("release").getJsonObject("watermarks").getString("error-ratio"),
                "the release starts at the newest sample the trigger had seen, not at the wall clock");
        JsonObject trigger = canary.getJsonObject("expr_triggers").getJsonObject("error-ratio");
        assertEquals("NO_DATA", trigger.getString("state"), "the FIRING state belonged to the previous release");
        return canary;
    }

    @Test
    void aSecondBadReleaseIsRolledBackAgain() throws Exception {
        try (PilotHarness h = new PilotHarness(dir, SERVICE, Clock.systemUTC())) {
            firstReleaseRolledBackThenANewOne(h);
            String released = Instant.now().toString();
            halfFailing(h, 270, 450); // 90 s without samples, then the second release fails the same way
            JsonObject second = rolledBack(h, released);
            assertEquals("rollback", second.getJsonObject("last_decision").getString("kind"));
            assertEquals(Instant.ofEpochMilli(T0 + 331_000).toString(), eventTime(second),
                    "pending from the first TRUE after the gap (271 s), held for 60 s");
        }
    }

    @Test
    void theResetSurvivesARestartSamplesFromBeforeTheReleaseDoNotCount() throws Exception {
        try (PilotHarness h = new PilotHarness(dir, SERVICE, Clock.systemUTC())) {
            firstReleaseRolledBackThenANewOne(h);
            String released = Instant.now().toString();

            h.restart(); // the windows are gone; the journal brings back the release and its watermark
            assertEquals("CANARY", h.status("checkout").getString("state"));

            // A sender retrying the first release's last minute after the restart: those samples are not
            // newer than the release's watermark, so they do not count for it (else: PENDING from 121 s).
            halfFailing(h, 120, 180);
            JsonObject old = evaluatedAt(h, 179);
            assertEquals("NO_DATA", old.getString("state"), "samples from before the release: " + old);

            halfFailing(h, 270, 450);
            JsonObject second = rolledBack(h, released);
            assertEquals(Instant.ofEpochMilli(T0 + 331_000).toString(), eventTime(second));
        }
    }
}
