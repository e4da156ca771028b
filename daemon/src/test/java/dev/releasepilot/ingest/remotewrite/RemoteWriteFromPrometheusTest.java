package dev.releasepilot.ingest.remotewrite;


import dev.releasepilot.ingest.RecordingSink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Prometheus;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import io.vertx.core.http.HttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes a tiny exporter served from this test and remote-writes to the receiver
 * running in-process: the samples, label sets, timestamps, metadata requests and stale markers a real
 * sender produces arrive as {@link Sample}s.
 */
class RemoteWriteFromPrometheusTest {
    @TempDir
    Path dir;

    /** An exporter with one counter that grows by one per scrape, and an optional gauge. */
    private static HttpServer exporter(ReceiverServer receiver, AtomicInteger scrapes, AtomicBoolean extraGauge)
            throws Exception {
        return receiver.vertx.createHttpServer().requestHandler(req -> {
            int n = scrapes.incrementAndGet();
            StringBuilder body = new StringBuilder()
                    .append("# HELP rp_requests_total Requests served.\n# TYPE rp_requests_total counter\n")
                    .append("rp_requests_total{track=\"canary\",code=\"200\"} ").append(n).append('\n');
            if (extraGauge.get()) {
                body.append("# TYPE rp_extra_gauge gauge\nrp_extra_gauge 42\n");
            }
            req.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(body.toString());
        }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    @Test
    void samplesFromARealPrometheusArriveWithTheirLabelsTimestampsAndStaleMarkers() throws Exception {
        RecordingSink sink = new RecordingSink(name -> name.startsWith("rp_"));
        AtomicInteger scrapes = new AtomicInteger();
        AtomicBoolean extraGauge = new AtomicBoolean(true);
        long startMs = System.currentTimeMillis();
        try (ReceiverServer receiver = new ReceiverServer(sink, 4 * 1024 * 1024, RemoteWriteReceiver.DEFAULT_UNCOMPRESSED_LIMIT)) {
            String target = "127.0.0.1:" + exporter(receiver, scrapes, extraGauge).actualPort();

            try (Prometheus prometheus = Prometheus.scrapingAndWriting(dir, target, receiver.url())) {
                List<Sample> requests = Poll.until("3 samples of rp_requests_total", Duration.ofSeconds(30), () -> {
                    prometheus.assertAlive();
                    List<Sample> s = sink.samples("rp_requests_total");
                    return s.size() >= 3 ? s : null;
                });

                Labels expected = Labels.ofSortedPairs("__name__", "rp_requests_total", "code", "200",
                        "instance", target, "job", "exporter", "replica", "r1", "track", "canary");
                long nowMs = System.currentTimeMillis();
                for (int i = 0; i < requests.size(); i++) {
                    Sample s = requests.get(i);
                    assertEquals(expected, s.labels());
                    assertTrue(s.timestampMs() >= startMs - 1000 && s.timestampMs() <= nowMs,
                            "scrape time " + s.timestampMs() + " within the test's run " + startMs + ".." + nowMs);
                    assertTrue(s.value() >= 1 && s.value() <= scrapes.get() && s.value() == Math.rint(s.value()),
                            "a value the exporter served: " + s.value());
                    if (i > 0) {
                        assertTrue(s.timestampMs() > requests.get(i - 1).timestampMs(), "timestamps increase");
                        assertTrue(s.value() > requests.get(i - 1).value(), "the counter grows scrape by scrape");
                    }
                }
                for (int i = 0; i < expected.size(); i++) {
                    assertTrue(i == 0 || expected.name(i - 1).compareTo(expected.name(i)) < 0);
                }

                // Scrape bookkeeping series (up, scrape_duration_seconds, ...) are sent but not wanted.
                assertTrue(sink.samples().stream().noneMatch(s -> s.labels().metricName().equals("up")));
                assertTrue(receiver.counter("release_pilot_samples_dropped_total", "reason", "unmatched") > 0);
                assertTrue(receiver.counter("release_pilot_signals_received_total", "source", "remote_write")
                        >= sink.samples().size());

                // The series disappears from the scrape: Prometheus sends its stale marker.
                List<Sample> beforeStale = sink.samples("rp_extra_gauge");
                assertFalse(beforeStale.isEmpty());
                assertTrue(beforeStale.stream().noneMatch(Sample::isStaleMarker));
                extraGauge.set(false);
                Sample stale = Poll.until("stale marker for rp_extra_gauge", Duration.ofSeconds(30), () -> sink
                        .samples("rp_extra_gauge").stream().filter(Sample::isStaleMarker).findFirst().orElse(null));
                assertEquals(Labels.ofSortedPairs("__name__", "rp_extra_gauge", "instance", target, "job", "exporter",
                        "replica", "r1"), stale.labels());
                assertTrue(stale.timestampMs() > beforeStale.get(beforeStale.size() - 1).timestampMs());
                assertTrue(Double.isNaN(stale.value()));

                // Metadata-only requests were sent and answered 2xx: Prometheus counts no failure.
                Poll.until("Prometheus sent metadata", Duration.ofSeconds(30),
                        () -> prometheus.selfMetric("prometheus_remote_storage_metadata_total") > 0);
                assertEquals(0, prometheus.selfMetric("prometheus_remote_storage_metadata_failed_total"));
                assertEquals(0, prometheus.selfMetric("prometheus_remote_storage_samples_failed_total"));
                assertFalse(prometheus.log().contains("non-recoverable"), prometheus.log());
                assertEquals(0, receiver.counter("release_pilot_signals_rejected_total", "source", "remote_write",
                        "reason", "malformed"));
            }
        }
    }

    @Test
    void prometheusResendsWhatTheReceiverAnswered503ForSoNothingIsLost() throws Exception {
        RecordingSink sink = new RecordingSink(name -> name.equals("rp_requests_total"));
        sink.refuse(true);
        try (ReceiverServer receiver = new ReceiverServer(sink, 4 * 1024 * 1024, RemoteWriteReceiver.DEFAULT_UNCOMPRESSED_LIMIT)) {
            String target = "127.0.0.1:" + exporter(receiver, new AtomicInteger(), new AtomicBoolean(false)).actualPort();
            try (Prometheus prometheus = Prometheus.scrapingAndWriting(dir, target, receiver.url())) {
                List<Sample> refused = Poll.until("a batch answered 503", Duration.ofSeconds(30), () -> {
                    prometheus.assertAlive();
                    List<Sample> r = sink.refused();
                    return r.isEmpty() ? null : r;
                });
                assertTrue(receiver.counter("release_pilot_signals_rejected_total", "source", "remote_write",
                        "reason", "unavailable") >= 1);
                sink.refuse(false);

                Poll.until("the refused samples re-sent and taken", Duration.ofSeconds(30),
                        () -> sink.samples().containsAll(refused));
                assertTrue(prometheus.selfMetric("prometheus_remote_storage_samples_retried_total") >= refused.size());
                assertEquals(0, prometheus.selfMetric("prometheus_remote_storage_samples_failed_total"));
            }
        }
    }
}
