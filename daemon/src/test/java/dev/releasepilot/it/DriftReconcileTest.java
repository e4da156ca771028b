package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Load balancers forget: a reload of a real HAProxy after a rollback is detected and repaired. */
class DriftReconcileTest {
    @TempDir
    Path tmp;

    @Test
    void aReloadedHaproxyGetsTheCanaryDrainedAgainWithinTheReconcileInterval() throws Exception {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            DaemonConfig cfg = DaemonConfig.defaults(rules, tmp.resolve("data"), "127.0.0.1", 0)
                    .withReconcileIntervalMs(300);
            try (Daemon daemon = Daemon.start(cfg)) {
                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + daemon.port();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/alerts/alertmanager"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Payloads.firing("CheckoutErrors", "07b7d17d274ba13e",
                                "2026-11-23T10:00:00Z"))).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                Poll.until("rolled back", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0);

                haproxy.reload();
                // The new worker starts from the config file (weight 10); the daemon must notice and fix it.
                // Wait for the repair itself, not only for weight 0: right after the reload the old worker
                // may still answer with its 0, and an edit made before the repair would merge two drifts.
                Poll.until("canary drained again after the reload", Duration.ofSeconds(10),
                        () -> driftsCorrected(http, base) >= 1 && haproxy.weight("canary1") == 0);

                // Someone edits the weight by hand: same repair.
                haproxy.command("set weight be_checkout/canary1 7");
                Poll.until("canary drained again after a manual edit", Duration.ofSeconds(10),
                        () -> driftsCorrected(http, base) == 2 && haproxy.weight("canary1") == 0);

                String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(metrics.contains("release_pilot_drift_corrected_total{service=\"checkout\"} 2.0"), metrics);
                String journal = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/decisions?service=checkout")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertEquals(2, journal.split("\"type\":\"drift\"", -1).length - 1, journal);
                assertTrue(journal.contains("canary1=10 (want 0)"), "the first drift records what the reload restored");
                assertTrue(journal.contains("canary1=7 (want 0)"));
            }
        }
    }

    /** release_pilot_drift_corrected_total for checkout, from the daemon's /metrics (0 before the first). */
    private static double driftsCorrected(HttpClient http, String base) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String prefix = "release_pilot_drift_corrected_total{service=\"checkout\"} ";
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElse(0);
    }
}
