package dev.releasepilot.ingest.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.ingest.RecordingSink;
import dev.releasepilot.peers.NatsServer;
import dev.releasepilot.peers.Poll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of 50,000 messages right after a NATS restart, into a subscriber whose dispatcher may hold
 * only 100 undecoded messages: jnats drops most of them as a slow consumer, and every message is
 * either taken or counted as dropped, none vanishes.
 */
class NatsBurstTest {
    private static final int MESSAGES = 50_000;
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void everyMessageOfABurstIsTakenOrCounted() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RecordingSink sink = new RecordingSink(name -> name.startsWith("rp_"));
        Vertx vertx = Vertx.vertx();
        try (NatsServer server = new NatsServer(dir).start()) {
            NatsSettings tight = new NatsSettings(server.url(), List.of("metrics.>"), Duration.ofMillis(50),
                    Duration.ofMillis(500), 1024 * 1024, 100, 1_000);
            try (NatsConnector connector = NatsConnector.start(tight, registry);
                 NatsSampleSubscriber subscriber = new NatsSampleSubscriber(vertx, connector, tight, sink,
                         Clock.systemUTC(), registry).start()) {
                Poll.until("subscribed", Duration.ofSeconds(20), () -> server.subscribed("metrics.>"));
                server.kill();
                server.start(); // same port: the connector reconnects and jnats re-subscribes
                Poll.until("re-subscribed after the restart", Duration.ofSeconds(20), () -> server.subscribed("metrics.>"));

                try (Connection c = Nats.connect(new Options.Builder().server(server.url()).build())) {
                    for (int i = 0; i < MESSAGES; i++) {
                        c.publish("metrics.burst", ("{\"metric\":\"rp_burst\",\"value\":" + i + ",\"timestamp_ms\":"
                                + (T0 + i) + "}").getBytes(StandardCharsets.UTF_8));
                    }
                    c.flush(Duration.ofSeconds(10));
                }
                double[] accounted = new double[4];
                Poll.until("every message taken or counted", Duration.ofSeconds(60), () -> {
                    accounted[0] = sink.samples("rp_burst").size();
                    accounted[1] = count(registry, "release_pilot_nats_messages_dropped_total", "reason", "slow_consumer");
                    accounted[2] = count(registry, "release_pilot_signals_rejected_total", "source", "nats", "reason",
                            "overloaded");
                    accounted[3] = count(registry, "release_pilot_signals_rejected_total", "source", "nats", "reason",
                            "unavailable");
                    return accounted[0] + accounted[1] + accounted[2] + accounted[3] >= MESSAGES;
                });
                assertEquals(MESSAGES, accounted[0] + accounted[1] + accounted[2] + accounted[3],
                        "taken, slow_consumer, overloaded, unavailable: " + Arrays.toString(accounted));
                assertTrue(accounted[1] > 0, "the 100-message queue overflowed: " + Arrays.toString(accounted));
                assertTrue(accounted[0] > 0, "some were taken");
                assertEquals(accounted[0] + accounted[2] + accounted[3],
                        count(registry, "release_pilot_samples_ingested_total", "source", "nats"),
                        "every decoded sample is counted as ingested");
            }
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static double count(SimpleMeterRegistry registry, String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        if (c != null) {
            return c.count();
        }
        var f = registry.find(name).tags(tags).functionCounter();
        return f == null ? 0 : f.count();
    }
}
