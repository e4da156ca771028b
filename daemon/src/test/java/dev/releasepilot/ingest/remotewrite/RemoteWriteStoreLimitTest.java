package dev.releasepilot.ingest.remotewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A store at its series limit keeps what it can and counts the rest; the receiver answers 204, because
 * a 503 would make Prometheus re-send that batch forever and stall the shard for every other series.
 */
class RemoteWriteStoreLimitTest {
    @Test
    void seriesBeyondTheLimitAreDroppedAndCountedNotRetried() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StoreLimits one = new StoreLimits(1, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30), 64);
        SeriesStore store = new SeriesStore(SelectorIndex.builder().add("s/t", PromqlParser.parse("rp_x > 0")).build(),
                one, registry, touches -> { });
        try (ReceiverServer server = new ReceiverServer(store, 1 << 20, 1 << 22)) {
            byte[] body = new WriteRequestBuilder()
                    .sample(1_700_000_000_000L, 1, "__name__", "rp_x", "instance", "a")
                    .sample(1_700_000_000_000L, 1, "__name__", "rp_x", "instance", "b").snappy();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url()))
                    .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "snappy")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, r.statusCode(), r.body());
            assertEquals(1, store.activeSeries());
            assertEquals(1.0, registry.get("release_pilot_samples_dropped_total").tag("reason", "limit").counter().count());
        }
    }
}
