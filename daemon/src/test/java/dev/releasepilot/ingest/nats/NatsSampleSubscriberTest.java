package dev.releasepilot.ingest.nats;


import dev.releasepilot.ingest.RecordingSink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.NatsServer;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The subscriber against a real nats-server started by the test: delivery, bad input, a server crash. */
class NatsSampleSubscriberTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_999_000L), ZoneOffset.UTC);
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordingSink sink = new RecordingSink(name -> name.startsWith("rp_"));
    private Vertx vertx;

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stopVertx() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private NatsSettings settings(String url) {
        return NatsSettings.defaults(url, List.of("metrics.>")).withReconnectWait(Duration.ofMillis(50), Duration.ofMillis(500));
    }

    private static Connection client(String url) throws Exception {
        return Nats.connect(new Options.Builder().server(url).build());
    }

    private static void send(Connection c, String subject, String json) {
        c.publish(subject, json.getBytes(StandardCharsets.UTF_8));
    }

    private double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private double state(String state) {
        return registry.get("release_pilot_nats_connection_state").tag("state", state).gauge().value();
    }

    /** Publishes a sample with a fresh timestamp until it arrives (the subscription may still be on its way). */
    private Sample deliver(Connection c, String metric, long firstTs) {
        long[] ts = {firstTs};
        return Poll.until(metric + " delivered over NATS", Duration.ofSeconds(20), () -> {
            send(c, "metrics.checkout", "{\"metric\":\"" + metric + "\",\"labels\":{\"service\":\"checkout\"},"
                    + "\"value\":" + ts[0] + ",\"timestamp_ms\":" + ts[0]++ + "}");
            c.flush(Duration.ofSeconds(1));
            List<Sample> got = sink.samples(metric);
            return got.isEmpty() ? null : got.get(0);
        });
    }

    @Test
    void samplesArriveAndKeepArrivingAfterTheServerIsKilledAndRestarted() throws Exception {
        try (NatsServer server = new NatsServer(dir).start();
             NatsConnector connector = NatsConnector.start(settings(server.url()), registry);
             NatsSampleSubscriber subscriber = new NatsSampleSubscriber(vertx, connector, settings(server.url()), sink,
                     CLOCK, registry).start()) {
            Connection c = client(server.url());

            Sample first = deliver(c, "rp_before", T0);
            assertEquals(Labels.ofSortedPairs("__name__", "rp_before", "service", "checkout"), first.labels());
            assertTrue(first.timestampMs() >= T0, "one of the timestamps sent");
            assertEquals((double) first.timestampMs(), first.value(), "value and timestamp of the same message");
            assertEquals(1.0, state("connected"));
            assertTrue(sink.acceptThreads().stream().allMatch(t -> t.getName().startsWith("vert.x-eventloop")),
                    "handed to the sink on an event loop, not the jnats dispatcher thread");

            // A batch: one kept, one unwanted, one invalid; then garbage. The subscription survives all of it.
            send(c, "metrics.batch", "[{\"metric\":\"rp_batch\",\"value\":1},{\"metric\":\"up\",\"value\":1},"
                    + "{\"metric\":\"rp_batch\",\"value\":\"x\"}]");
            send(c, "metrics.garbage", "this is not JSON");
            send(c, "metrics.garbage", "{\"truncated\":");
            send(c, "metrics.after", "{\"metric\":\"rp_after_garbage\",\"value\":2}");
            c.flush(Duration.ofSeconds(1));
            Sample after = Poll.until("sample after the garbage", Duration.ofSeconds(10),
                    () -> sink.samples("rp_after_garbage").stream().findFirst().orElse(null));
            assertEquals(CLOCK.millis(), after.timestampMs(), "no timestamp_ms: the arrival time");
            assertEquals(1, sink.samples("rp_batch").size());
            assertEquals(1, counter("release_pilot_samples_dropped_total", "reason", "unmatched"));
            assertEquals(1, counter("release_pilot_signals_rejected_total", "source", "nats", "reason", "invalid_value"));
            assertEquals(2, counter("release_pilot_signals_rejected_total", "source", "nats", "reason", "malformed"));
            assertTrue(counter("release_pilot_signals_received_total", "source", "nats") >= 4);
            c.close();

            server.kill();
            Poll.until("the connector notices the loss", Duration.ofSeconds(10), () -> state("connected") == 0);
            assertNotEquals(Connection.Status.CONNECTED, connector.status());
            server.start(); // same port

            Poll.until("the connector reconnects", Duration.ofSeconds(20), () -> state("connected") == 1);
            Connection c2 = client(server.url());
            Sample again = deliver(c2, "rp_after_restart", T0 + 5000);
            assertEquals(Labels.ofSortedPairs("__name__", "rp_after_restart", "service", "checkout"), again.labels());
            assertTrue(registry.get("release_pilot_nats_reconnects_total").counter().count() >= 1);
            c2.close();
        }
    }

    @Test
    void subscriberStartedBeforeTheServerGetsSamplesOnceItIsUp() throws Exception {
        NatsServer server = new NatsServer(dir);
        try (NatsConnector connector = NatsConnector.start(settings(server.url()), registry);
             NatsSampleSubscriber subscriber = new NatsSampleSubscriber(vertx, connector, settings(server.url()), sink,
                     CLOCK, registry).start()) {
            Poll.until("the first connect attempt fails", Duration.ofSeconds(10),
                    () -> connector.status() == Connection.Status.DISCONNECTED || connector.status() == Connection.Status.RECONNECTING);
            assertEquals(0.0, state("connected"));
            server.start();
            Connection c = client(server.url());
            assertEquals(Labels.ofSortedPairs("__name__", "rp_late", "service", "checkout"), deliver(c, "rp_late", T0).labels());
            c.close();
        } finally {
            server.close();
        }
    }

    @Test
    void sinkRefusalsAreCounted() throws Exception {
        sink.refuse(true);
        try (NatsServer server = new NatsServer(dir).start();
             NatsConnector connector = NatsConnector.start(settings(server.url()), registry);
             NatsSampleSubscriber subscriber = new NatsSampleSubscriber(vertx, connector, settings(server.url()), sink,
                     CLOCK, registry).start()) {
            Connection c = client(server.url());
            Poll.until("a refused sample is counted", Duration.ofSeconds(20), () -> {
                send(c, "metrics.x", "{\"metric\":\"rp_refused\",\"value\":1}");
                c.flush(Duration.ofSeconds(1));
                return counter("release_pilot_signals_rejected_total", "source", "nats", "reason", "unavailable") > 0;
            });
            assertTrue(sink.samples().isEmpty());
            c.close();
        }
    }

    @Test
    void batchesBeyondTheInFlightLimitAreDroppedAndCountedNotQueued() throws Exception {
        sink.stall(true);
        try (NatsServer server = new NatsServer(dir).start()) {
            NatsSettings oneInFlight = new NatsSettings(server.url(), List.of("metrics.>"), Duration.ofMillis(50),
                    Duration.ofMillis(500), 1024 * 1024, 1000, 1);
            try (NatsConnector connector = NatsConnector.start(oneInFlight, registry);
                 NatsSampleSubscriber subscriber = new NatsSampleSubscriber(vertx, connector, oneInFlight, sink, CLOCK,
                         registry).start()) {
                Connection c = client(server.url());
                // The first batch that reaches the sink stays in flight forever; every later one is dropped.
                Poll.until("a batch dropped as overloaded", Duration.ofSeconds(20), () -> {
                    send(c, "metrics.x", "[{\"metric\":\"rp_a\",\"value\":1},{\"metric\":\"rp_b\",\"value\":1}]");
                    c.flush(Duration.ofSeconds(1));
                    return counter("release_pilot_signals_rejected_total", "source", "nats", "reason", "overloaded") >= 4;
                });
                assertEquals(1, sink.acceptThreads().size(), "only one batch was ever handed over");
                assertEquals(0, counter("release_pilot_signals_rejected_total", "source", "nats", "reason", "overloaded") % 2,
                        "counted per sample");
                c.close();
            }
        }
    }
}
