package dev.releasepilot.decide;

import static dev.releasepilot.decide.PilotHarness.requests;
import static dev.releasepilot.decide.PilotHarness.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.releasepilot.peers.Poll;
import dev.releasepilot.window.Sample;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several services with expr triggers, each evaluated on its own event loop while their samples are
 * written from one thread per service at once: each service sees only its own values (a shared
 * evaluator mixed them up, rolling back healthy services and missing failing ones).
 */
class ConcurrentServicesTest {
    private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    private static final int SECONDS = 180;

    @TempDir
    Path dir;

    /** Per second, one batch: 10 requests/s on code 200 and {@code errorShare} × 10 on code 500. */
    private static List<List<Sample>> trace(String service, double errorShare) {
        List<List<Sample>> out = new ArrayList<>();
        for (int s = 0; s < SECONDS; s++) {
            long t = T0 + s * 1000L;
            out.add(List.of(new Sample(requests(service, "200"), t, 10.0 * s),
                    new Sample(requests(service, "500"), t, 10.0 * errorShare * s)));
        }
        return out;
    }

    @Test
    void eachServiceSeesOnlyItsOwnValues() throws Exception {
        List<String> healthy = List.of("healthy-a", "healthy-b", "healthy-c");
        StringBuilder yaml = new StringBuilder(service("failing", ""));
        healthy.forEach(h -> yaml.append(service(h, "")));
        try (PilotHarness h = new PilotHarness(dir, yaml.toString(), Clock.systemUTC())) {
            ExecutorService senders = Executors.newFixedThreadPool(healthy.size() + 1);
            try {
                List<Future<?>> sent = new ArrayList<>();
                List<List<List<Sample>>> traces = new ArrayList<>();
                traces.add(trace("failing", 1.0)); // as many 500s as 200s: half the requests fail
                healthy.forEach(name -> traces.add(trace(name, 0.0)));
                for (List<List<Sample>> trace : traces) {
                    sent.add(senders.submit(() -> {
                        for (List<Sample> batch : trace) {
                            h.feed(batch);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : sent) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                senders.shutdownNow();
            }

            JsonObject failing = Poll.until("the failing service rolled back", Duration.ofSeconds(20), () -> {
                JsonObject s = h.status("failing");
                return "ROLLED_BACK".equals(s.getString("state")) ? s : null;
            });
            JsonObject evidence = failing.getJsonObject("last_decision").getJsonObject("evidence");
            assertEquals(0.5, evidence.getJsonArray("firing").getJsonObject(0).getDouble("value"), 1e-9,
                    "the failing service's own ratio: " + evidence);

            String last = Instant.ofEpochMilli(T0 + (SECONDS - 1) * 1000L).toString();
            for (String name : healthy) {
                JsonObject s = Poll.until(name + " evaluated its last sample", Duration.ofSeconds(20), () -> {
                    JsonObject st = h.status(name);
                    JsonObject t = st.getJsonObject("expr_triggers").getJsonObject("error-ratio");
                    return last.equals(t.getString("evaluated_at")) ? st : null;
                });
                JsonObject trigger = s.getJsonObject("expr_triggers").getJsonObject("error-ratio");
                assertEquals("OK", trigger.getString("state"), name + ": " + trigger);
                assertEquals(0.0, trigger.getJsonArray("value").getJsonObject(0).getDouble("value"), 0.0,
                        name + " sees its own 0 % errors: " + trigger);
                assertEquals("STEADY", s.getString("state"), name + " never moved: " + s);
                assertNull(s.getValue("last_decision"), name + " decided nothing: " + s);
            }
        }
    }
}
