package dev.releasepilot.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.ingest.nats.NatsConnector;
import dev.releasepilot.ingest.nats.NatsSettings;
import dev.releasepilot.peers.NatsServer;
import dev.releasepilot.peers.Poll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event publisher against a real nats-server, with and without JetStream. */
class NatsEventPublisherTest {
    @TempDir
    Path dir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        Logger.getLogger(NatsEventPublisher.class.getName()).addHandler(capture);
        Logger.getLogger(StreamSetup.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        Logger.getLogger(NatsEventPublisher.class.getName()).removeHandler(capture);
        Logger.getLogger(StreamSetup.class.getName()).removeHandler(capture);
    }

    private double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private long warningsAbout(String text) {
        return warnings.stream().filter(r -> r.getMessage().contains(text)).count();
    }

    private NatsEventPublisher publisher(NatsConnector connector, EventStream stream, PublishLimits limits) {
        return new NatsEventPublisher(connector.connected(), stream, limits, registry);
    }

    private static NatsSettings quickReconnect(NatsServer server) {
        return NatsSettings.defaults(server.url(), List.of()).withReconnectWait(Duration.ofMillis(50), Duration.ofMillis(200));
    }

    @Test
    void withoutJetStreamEventsGoToThePlainSubjectsWithOneWarning() throws Exception {
        try (NatsServer server = new NatsServer(dir).start();
             Connection listener = Nats.connect(server.url())) {
            Subscription sub = listener.subscribe("release-pilot.events.>");
            listener.flush(Duration.ofSeconds(2));
            NatsSettings settings = NatsSettings.defaults(server.url(), List.of());
            try (NatsConnector connector = NatsConnector.start(settings, registry);
                 NatsEventPublisher publisher = publisher(connector, EventStream.defaults(), PublishLimits.DEFAULTS)) {
                JsonObject decision = new JsonObject().put("kind", "rollback").put("service", "checkout")
                        .put("trigger", "error-rate").put("at", "2024-05-01T14:02:00Z");
                assertTrue(publisher.publish("checkout", decision));
                assertTrue(publisher.publish("billing.eu west", new JsonObject().put("kind", "pause")));
                for (int i = 0; i < 5; i++) {
                    publisher.publish("checkout", "action", new JsonObject().put("n", i));
                }

                Message m = sub.nextMessage(Duration.ofSeconds(10));
                assertNotNull(m, "event delivered");
                assertEquals("release-pilot.events.checkout", m.getSubject());
                assertEquals(decision, new JsonObject(new String(m.getData(), StandardCharsets.UTF_8)));
                assertEquals(NatsEventPublisher.messageId(m.getSubject(), m.getData()), m.getHeaders().getFirst("Nats-Msg-Id"));
                Message m2 = sub.nextMessage(Duration.ofSeconds(10));
                assertNotNull(m2);
                assertEquals("release-pilot.events.billing_eu_west", m2.getSubject());
                JsonObject action = new JsonObject(new String(sub.nextMessage(Duration.ofSeconds(10)).getData(),
                        StandardCharsets.UTF_8));
                assertEquals("action", action.getString("type"));
                assertEquals("checkout", action.getString("service"));
                // Counted just after jnats took the message: the listener may see it first.
                Poll.until("all events counted", Duration.ofSeconds(10),
                        () -> counter("release_pilot_events_published_total", "via", "core") == 7);
                assertEquals(0, counter("release_pilot_events_published_total", "via", "jetstream"));
                assertEquals(1, warningsAbout("has no JetStream"), warnings::toString);
            }
        }
    }

    @Test
    void eventsWaitInABoundedQueueUntilNatsIsFirstReachedAndTheExcessIsCounted() throws Exception {
        try (NatsServer server = new NatsServer(dir)) { // not started yet
            try (NatsConnector connector = NatsConnector.start(quickReconnect(server), registry);
                 NatsEventPublisher publisher = publisher(connector, EventStream.defaults(),
                         PublishLimits.DEFAULTS.withQueueLimit(2))) {
                int queued = 0;
                for (int i = 0; i < 10; i++) {
                    queued += publisher.publish("checkout", new JsonObject().put("n", i)) ? 1 : 0;
                }
                assertEquals(2, queued);
                assertEquals(8, counter("release_pilot_events_dropped_total", "reason", "queue_full"));
                assertFalse(connector.connected().isDone());

                server.start();
                Poll.until("the two queued events reach the server", Duration.ofSeconds(20),
                        () -> server.varz("in_msgs") == 2 && counter("release_pilot_events_published_total", "via", "core") == 2);
                assertEquals(0, counter("release_pilot_events_dropped_total", "reason", "nats_refused"));
            }
        }
    }

    @Test
    void withJetStreamTheStreamIsCreatedWithItsLimitsAndAConsumerReplaysTheEventsInOrder() throws Exception {
        EventStream stream = new EventStream("RP_TEST", Duration.ofHours(6), 10L * 1024 * 1024);
        try (NatsServer server = new NatsServer(dir).jetStream(true).start()) {
            assertNull(server.stream("RP_TEST"));
            try (NatsConnector connector = NatsConnector.start(NatsSettings.defaults(server.url(), List.of()), registry);
                 NatsEventPublisher publisher = publisher(connector, stream, PublishLimits.DEFAULTS)) {
                for (int i = 0; i < 20; i++) {
                    publisher.publish(i % 2 == 0 ? "checkout" : "billing", "decision", new JsonObject().put("n", i));
                }
                Poll.until("20 events stored", Duration.ofSeconds(20),
                        () -> counter("release_pilot_events_published_total", "via", "jetstream") == 20);
            }
            StreamInfo info = server.stream("RP_TEST");
            StreamConfiguration config = info.getConfiguration();
            assertEquals(List.of("release-pilot.events.>"), config.getSubjects());
            assertEquals(StorageType.File, config.getStorageType());
            assertEquals(Duration.ofHours(6), config.getMaxAge());
            assertEquals(10L * 1024 * 1024, config.getMaxBytes());
            assertEquals(20, info.getStreamState().getMsgCount());

            List<Message> replayed = server.replay("RP_TEST");
            for (int i = 0; i < 20; i++) {
                Message m = replayed.get(i);
                JsonObject event = new JsonObject(new String(m.getData(), StandardCharsets.UTF_8));
                assertEquals(i, event.getInteger("n"), "stream order is publish order");
                assertEquals(i % 2 == 0 ? "release-pilot.events.checkout" : "release-pilot.events.billing", m.getSubject());
                assertEquals(NatsEventPublisher.messageId(m.getSubject(), m.getData()), m.getHeaders().getFirst("Nats-Msg-Id"));
            }
            assertEquals(0, warnings.size(), warnings::toString);
        }
    }

    @Test
    void theSameEventSentTwiceIsStoredOnce() throws Exception {
        try (NatsServer server = new NatsServer(dir).jetStream(true).start();
             NatsConnector connector = NatsConnector.start(NatsSettings.defaults(server.url(), List.of()), registry);
             NatsEventPublisher publisher = publisher(connector, EventStream.defaults(), PublishLimits.DEFAULTS)) {
            JsonObject action = new JsonObject().put("at", "2024-05-01T14:02:01Z").put("result", "ok");
            publisher.publish("checkout", "action", action);
            publisher.publish("checkout", "action", action); // as a resend after a lost ack would
            publisher.publish("checkout", "action", action.copy().put("at", "2024-05-01T14:02:02Z"));
            Poll.until("three sends acknowledged", Duration.ofSeconds(20),
                    () -> counter("release_pilot_events_published_total", "via", "jetstream") == 3);
            assertEquals(1, counter("release_pilot_events_deduplicated_total"));
            assertEquals(2, server.stream(EventStream.DEFAULT_NAME).getStreamState().getMsgCount());
        }
    }

    @Test
    void anEventResentAfterLostAcksWhileTheServerIsAwayIsStoredOnce() throws Exception {
        try (NatsServer server = new NatsServer(dir).jetStream(true).start();
             NatsConnector connector = NatsConnector.start(quickReconnect(server), registry);
             NatsEventPublisher publisher = publisher(connector, EventStream.defaults(),
                     PublishLimits.DEFAULTS.withAckTimeout(Duration.ofMillis(300)))) {
            Poll.until("the stream set up", Duration.ofSeconds(20), () -> server.stream(EventStream.DEFAULT_NAME));
            server.kill();
            publisher.publish("checkout", "decision", new JsonObject().put("kind", "rollback"));
            // jnats keeps every send in its reconnect buffer; each lost ack sends the event again.
            Poll.until("a resend after a lost ack", Duration.ofSeconds(30),
                    () -> counter("release_pilot_events_resent_total") >= 1);
            server.start();
            Poll.until("nothing left to send or acknowledge", Duration.ofSeconds(30), () -> registry
                    .get("release_pilot_events_in_flight").gauge().value() == 0
                    && registry.get("release_pilot_events_queued").gauge().value() == 0
                    && server.stream(EventStream.DEFAULT_NAME).getStreamState().getMsgCount() >= 1);
            assertEquals(1, server.stream(EventStream.DEFAULT_NAME).getStreamState().getMsgCount(), "stored once");
            assertEquals(1, server.replay(EventStream.DEFAULT_NAME).size());
        }
    }

    @Test
    void aStreamDeletedWhileTheDaemonRunsIsCreatedAgainAndTheEventResentIntoIt() throws Exception {
        try (NatsServer server = new NatsServer(dir).jetStream(true).start();
             NatsConnector connector = NatsConnector.start(NatsSettings.defaults(server.url(), List.of()), registry);
             NatsEventPublisher publisher = publisher(connector, EventStream.defaults(), PublishLimits.DEFAULTS)) {
            Poll.until("the stream set up", Duration.ofSeconds(20), () -> server.stream(EventStream.DEFAULT_NAME));
            try (Connection admin = Nats.connect(server.url())) {
                admin.jetStreamManagement().deleteStream(EventStream.DEFAULT_NAME);
            }
            publisher.publish("checkout", "decision", new JsonObject().put("kind", "rollback"));
            // No stream answers the first send (503 no responders): the stream is set up again, the event resent.
            Poll.until("stored in the new stream", Duration.ofSeconds(20),
                    () -> counter("release_pilot_events_published_total", "via", "jetstream") == 1);
            assertEquals(1, counter("release_pilot_events_resent_total"));
            assertEquals(1, server.replay(EventStream.DEFAULT_NAME).size());
        }
    }

    @Test
    void anExistingStreamWithOtherSettingsIsUsedAsItIsAndTheMismatchIsLoggedOnce() throws Exception {
        try (NatsServer server = new NatsServer(dir).jetStream(true).start()) {
            try (Connection admin = Nats.connect(server.url())) {
                admin.jetStreamManagement().addStream(StreamConfiguration.builder().name(EventStream.DEFAULT_NAME)
                        .subjects("release-pilot.events.>").storageType(StorageType.File).maxAge(Duration.ofMinutes(30))
                        .build());
            }
            try (NatsConnector connector = NatsConnector.start(quickReconnect(server), registry);
                 NatsEventPublisher publisher = publisher(connector, EventStream.defaults(), PublishLimits.DEFAULTS)) {
                publisher.publish("checkout", "decision", new JsonObject().put("n", 1));
                Poll.until("stored", Duration.ofSeconds(20),
                        () -> counter("release_pilot_events_published_total", "via", "jetstream") == 1);
                // A reconnect sets the stream up again: the mismatch is not logged again.
                server.kill();
                server.start();
                Poll.until("reconnected", Duration.ofSeconds(20), () -> connector.status() == Connection.Status.CONNECTED);
                publisher.publish("checkout", "decision", new JsonObject().put("n", 2));
                Poll.until("stored after the reconnect", Duration.ofSeconds(20),
                        () -> counter("release_pilot_events_published_total", "via", "jetstream") == 2);
            }
            StreamConfiguration config = server.stream(EventStream.DEFAULT_NAME).getConfiguration();
            assertEquals(Duration.ofMinutes(30), config.getMaxAge(), "never overwritten");
            assertEquals(-1, config.getMaxBytes());
            assertEquals(2, server.stream(EventStream.DEFAULT_NAME).getStreamState().getMsgCount());
            assertEquals(1, warningsAbout("exists with other settings"), warnings::toString);
            String warning = warnings.get(0).getMessage();
            assertTrue(warning.contains("max age 30m") && warning.contains("max bytes unlimited"), warning);
        }
    }

    @Test
    void whenJetStreamAppearsAfterAReconnectEventsGoToTheStream() throws Exception {
        try (NatsServer server = new NatsServer(dir).start();
             NatsConnector connector = NatsConnector.start(quickReconnect(server), registry);
             NatsEventPublisher publisher = publisher(connector, EventStream.defaults(), PublishLimits.DEFAULTS)) {
            publisher.publish("checkout", "decision", new JsonObject().put("n", 1));
            Poll.until("sent on the plain subject", Duration.ofSeconds(20),
                    () -> counter("release_pilot_events_published_total", "via", "core") == 1);

            server.kill();
            server.jetStream(true).start();
            Poll.until("reconnected", Duration.ofSeconds(20), () -> connector.status() == Connection.Status.CONNECTED);
            publisher.publish("checkout", "decision", new JsonObject().put("n", 2));
            Poll.until("stored in the stream", Duration.ofSeconds(20),
                    () -> counter("release_pilot_events_published_total", "via", "jetstream") == 1);
            List<Message> replayed = server.replay(EventStream.DEFAULT_NAME);
            assertEquals(1, replayed.size());
            assertEquals(2, new JsonObject(new String(replayed.get(0).getData(), StandardCharsets.UTF_8)).getInteger("n"));
            assertEquals(1, warningsAbout("has no JetStream"), warnings::toString);
        }
    }
}
