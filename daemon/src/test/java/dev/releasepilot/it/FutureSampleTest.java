package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.ingest.remotewrite.WriteRequestBuilder;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, case 1, through the real daemon and a real HAProxy: a canary failure written by
 * remote_write, with one sample of a selected series stamped an hour ahead in the middle. The sample is
 * refused and counted; the rollback happens as without it.
 */
class FutureSampleTest {
    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    private void write(RunningDaemon d, WriteRequestBuilder w) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(d.url() + "/api/v1/write"))
                .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(w.snappy())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode(), r.body());
    }

    @Test
    void aSampleAnHourAheadIsRefusedAndTheCanaryStillRollsBack() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, """
                    services:
                      - name: checkout
                        backend: {type: haproxy, address: "%s", backend: be_checkout, stable: [stable1], canary: [canary1]}
                        triggers:
                          - name: error-ratio
                            expr: sum(rate(http_requests_total{service="checkout",code="500"}[30s])) / sum(rate(http_requests_total{service="checkout"}[30s])) > 0.05
                            for: 10s
                        on_trigger: rollback
                    """.formatted(haproxy.address()));
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), null)) {
                long now = System.currentTimeMillis();
                // The last two minutes, replayed 10 s per request: healthy, then half the requests fail.
                for (int from = -120; from <= 0; from += 10) {
                    WriteRequestBuilder w = new WriteRequestBuilder();
                    for (int s = from; s < from + 10 && s <= 0; s++) {
                        int i = s + 120;
                        long t = now + s * 1000L;
                        w.sample(t, 10.0 * i, "__name__", "http_requests_total", "code", "200", "service", "checkout");
                        w.sample(t, i < 60 ? 0 : 10.0 * (i - 60), "__name__", "http_requests_total", "code", "500",
                                "service", "checkout");
                    }
                    write(d, w);
                    if (from == -60) { // a sender whose clock is an hour ahead, on a series the trigger selects
                        write(d, new WriteRequestBuilder().sample(now + 3_600_000, 1e6, "__name__", "http_requests_total",
                                "code", "200", "service", "checkout"));
                    }
                }
                Poll.until("the canary rolled back", Duration.ofSeconds(20),
                        () -> "ROLLED_BACK".equals(d.service("checkout").getString("state")));
                String metrics = d.metrics();
                assertTrue(metrics.contains("release_pilot_samples_dropped_total{reason=\"too_far_in_future\"} 1.0"), metrics);
                assertTrue(metrics.contains("release_pilot_samples_dropped_total{reason=\"out_of_order\"} 0.0"),
                        "the series' later samples were kept: " + metrics);
                assertEquals(0, haproxy.weight("canary1"), "the canary drained in the real HAProxy");
            }
        }
    }
}
