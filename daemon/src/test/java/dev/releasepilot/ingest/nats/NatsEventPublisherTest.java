package dev.releasepilot.ingest.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.NatsServer;
import dev.releasepilot.peers.Poll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event publisher against a real nats-server. */
class NatsEventPublisherTest {
    @TempDir
    Path dir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void eventsArriveOnTheServicesSubject() throws Exception {
        try (NatsServer server = new NatsServer(dir).start();
             Connection listener = Nats.connect(server.url())) {
            Subscription sub = listener.subscribe("release-pilot.events.>");
            listener.flush(Duration.ofSeconds(2));
            NatsSettings settings = NatsSettings.defaults(server.url(), List.of());
            try (NatsConnector connector = NatsConnector.start(settings, registry);
                 NatsEventPublisher publisher = new NatsEventPublisher(connector, settings, registry)) {
                JsonObject decision = new JsonObject().put("kind", "rollback").put("service", "checkout")
                        .put("trigger", "error-rate").put("at", "2024-05-01T14:02:00Z");
                assertTrue(publisher.publish("checkout", decision));
                assertTrue(publisher.publish("billing.eu west", new JsonObject().put("kind", "pause")));

                Message m = sub.nextMessage(Duration.ofSeconds(10));
                assertNotNull(m, "event delivered");
                assertEquals("release-pilot.events.checkout", m.getSubject());
                assertEquals(decision, new JsonObject(new String(m.getData(), StandardCharsets.UTF_8)));
                Message m2 = sub.nextMessage(Duration.ofSeconds(10));
                assertNotNull(m2);
                assertEquals("release-pilot.events.billing_eu_west", m2.getSubject());
                // Counted just after jnats took the message: the listener may see it first.
                Poll.until("both events counted", Duration.ofSeconds(10),
                        () -> counter("release_pilot_events_published_total") == 2);
            }
        }
    }

    @Test
    void eventsWaitInABoundedQueueUntilNatsIsFirstReachedAndTheExcessIsCounted() throws Exception {
        try (NatsServer server = new NatsServer(dir)) { // not started yet
            NatsSettings settings = NatsSettings.defaults(server.url(), List.of())
                    .withReconnectWait(Duration.ofMillis(50), Duration.ofMillis(200)).withEventQueueLimit(2);
            try (NatsConnector connector = NatsConnector.start(settings, registry);
                 NatsEventPublisher publisher = new NatsEventPublisher(connector, settings, registry)) {
                int queued = 0;
                for (int i = 0; i < 10; i++) {
                    queued += publisher.publish("checkout", new JsonObject().put("n", i)) ? 1 : 0;
                }
                assertEquals(2, queued);
                assertEquals(8, counter("release_pilot_events_dropped_total", "reason", "queue_full"));
                assertFalse(connector.connected().isDone());

                server.start();
                Poll.until("the two queued events reach the server", Duration.ofSeconds(20),
                        () -> server.varz("in_msgs") == 2 && counter("release_pilot_events_published_total") == 2);
                assertEquals(0, counter("release_pilot_events_dropped_total", "reason", "nats_refused"));
            }
        }
    }
}
