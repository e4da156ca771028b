package dev.releasepilot.decide;

import static dev.releasepilot.decide.PilotHarness.requests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Poll;
import dev.releasepilot.window.Sample;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Samples stamped ahead of the receiving host's clock. The host's clock is virtual (set per replayed
 * second, 200 ms after the samples' time, as if they arrived live), so the test runs in event time
 * without sleeping: a sample an hour ahead is refused and counted, and a sender 25 s ahead holds back
 * nobody else's decision.
 */
class FutureSamplesTest {
    private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final String SERVICE = """
              - name: checkout
                backend: EXEC
                triggers:
                  - name: error-ratio
                    expr: sum(rate(http_requests_total{service="checkout",code="500"}[5s])) / sum(rate(http_requests_total{service="checkout"}[5s])) > 0.05
                    for: 10s
            """;

    @TempDir
    Path dir;

    private static double dropped(PilotHarness h, String reason) {
        return h.registry.counter("release_pilot_samples_dropped_total", "reason", reason).count();
    }

    /** Waits until the trigger has evaluated at or after {@code ms}; returns its view. */
    private static JsonObject evaluatedAtLeast(PilotHarness h, long ms) {
        return Poll.until("evaluated at " + Instant.ofEpochMilli(ms), Duration.ofSeconds(20), () -> {
            JsonObject t = h.status("checkout").getJsonObject("expr_triggers").getJsonObject("error-ratio");
            String at = t.getString("evaluated_at");
            return at != null && !Instant.parse(at).isBefore(Instant.ofEpochMilli(ms)) ? t : null;
        });
    }

    private static JsonObject rolledBack(PilotHarness h) {
        return Poll.until("a rollback", Duration.ofSeconds(20), () -> {
            JsonObject s = h.status("checkout");
            return "ROLLED_BACK".equals(s.getString("state")) ? s : null;
        });
    }

    private static Instant eventTime(JsonObject status) {
        return Instant.parse(status.getJsonObject("last_decision").getJsonObject("evidence").getString("event_time"));
    }

    @Test
    void aSampleAnHourAheadIsRefusedAndTheRollbackHappensAsWithoutIt() throws Exception {
        VirtualClock host = new VirtualClock(T0);
        try (PilotHarness h = new PilotHarness(dir, SERVICE, host)) {
            for (int s = 0; s < 60; s++) {
                long t = T0 + s * 1000L;
                host.set(t + 200);
                List<Sample> batch = new ArrayList<>(List.of(new Sample(requests("checkout", "200"), t, 10.0 * s),
                        new Sample(requests("checkout", "500"), t, s < 20 ? 0 : 10.0 * (s - 20))));
                if (s == 10) { // a selected series, stamped by a clock an hour ahead
                    batch.add(new Sample(requests("checkout", "200"), t + 3_600_000, 10.0 * s));
                }
                h.feed(batch);
                evaluatedAtLeast(h, t);
            }
            assertEquals(1.0, dropped(h, "too_far_in_future"), "the sample an hour ahead is refused and counted");
            assertEquals(0.0, dropped(h, "out_of_order"), "and so the series' later samples are not out of order");
            JsonObject s = rolledBack(h);
            // Errors from 20 s: the first window that shows them ends at 21 s, held for 10 s.
            assertEquals(Instant.ofEpochMilli(T0 + 31_000), eventTime(s), s.encode());
        }
    }

    @Test
    void aSender25SecondsAheadDelaysNothing() throws Exception {
        VirtualClock host = new VirtualClock(T0);
        try (PilotHarness h = new PilotHarness(dir, SERVICE, host)) {
            for (int s = 0; s < 80; s++) {
                long t = T0 + s * 1000L;
                host.set(t + 200);
                // Instance b's clock runs 25 s fast; it is healthy. It is sent first, each second: the worst
                // order for a trigger whose evaluation time would follow the newest sample.
                h.feed(List.of(new Sample(requests("checkout", "200", "b"), t + 25_000, 10.0 * (s + 25)),
                        new Sample(requests("checkout", "500", "b"), t + 25_000, 0)));
                // Instance a, on time, fails from 50 s on.
                h.feed(List.of(new Sample(requests("checkout", "200", "a"), t, 10.0 * s),
                        new Sample(requests("checkout", "500", "a"), t, s < 50 ? 0 : 10.0 * (s - 50))));
                JsonObject trigger = evaluatedAtLeast(h, t);
                assertTrue(!Instant.parse(trigger.getString("evaluated_at")).isAfter(Instant.ofEpochMilli(t + 200 + 1_000)),
                        "evaluation never runs more than 1 s past the host's clock: " + trigger);
            }
            assertEquals(0.0, dropped(h, "too_far_in_future"), "25 s ahead is within the tolerance: kept");
            JsonObject s = rolledBack(h);
            Instant fired = eventTime(s);
            // On time a's errors show from 51 s; with b's samples held back, the decision comes at most a
            // second of the host's clock later than that, after the 10 s of for.
            assertTrue(!fired.isBefore(Instant.ofEpochMilli(T0 + 61_000)) && !fired.isAfter(Instant.ofEpochMilli(T0 + 63_000)),
                    "decided at " + fired);

            // b's samples are used when their time comes: the host's clock moves on without new samples.
            host.set(T0 + 106_000);
            evaluatedAtLeast(h, T0 + 104_000);
        }
    }
}
