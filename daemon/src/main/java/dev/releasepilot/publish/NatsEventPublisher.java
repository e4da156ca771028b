package dev.releasepilot.publish;

import dev.releasepilot.decide.EventSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.ServerInfo;
import io.nats.client.impl.Headers;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * Publishes every decision and action as JSON on {@code release-pilot.events.<service>}: into the
 * JetStream stream {@link EventStream} when the server has JetStream (so consumers can replay), on the
 * plain subject otherwise. A JetStream publish is still an ordinary NATS message, so live subscribers
 * of the subjects get every event either way.
 *
 * <p>{@link #publish} never blocks and never fails its caller (the rollback path): it encodes the event
 * and offers it to a bounded queue. One publisher thread of its own takes events in order, sets the
 * stream up when it first sees a server with JetStream (and after every reconnect), and hands them to
 * jnats, whose calls can wait on locks and a full outgoing buffer. JetStream publishes are asynchronous
 * with at most {@link PublishLimits#maxInFlight()} unacknowledged; a failed ack sends the event again,
 * with the same {@code Nats-Msg-Id} (a hash of its subject and body), so the server stores it once.
 *
 * <p>Metrics: {@code release_pilot_events_published_total{via="jetstream"|"core"}} (stored in the stream
 * as its ack says, or handed to jnats for a plain subject); {@code release_pilot_events_dropped_total{reason}}:
 * {@code queue_full}, {@code nats_refused} (jnats refused it: reconnect buffer full, connection closed),
 * {@code ack_failed} (no positive ack after every attempt; with the server away, jnats may still deliver
 * it from its reconnect buffer, and the server then stores it once); {@code release_pilot_events_resent_total}
 * and {@code release_pilot_events_deduplicated_total} (a send the stream already held, by its Nats-Msg-Id).
 */
public final class NatsEventPublisher implements EventSink, AutoCloseable {
    public static final String SUBJECT_PREFIX = "release-pilot.events.";
    private static final Logger LOG = Logger.getLogger(NatsEventPublisher.class.getName());

    private final CompletableFuture<Connection> connected;
    private final EventStream stream;
    private final PublishLimits limits;
    private final StreamSetup setup;
    private final BlockingDeque<Event> queue;
    private final Semaphore inFlight;
    private final Counter viaStream;
    private final Counter viaCore;
    private final Counter deduplicated;
    private final Counter resent;
    private final Counter queueFull;
    private final Counter natsRefused;
    private final Counter ackFailed;
    private final Thread thread;
    private volatile boolean running = true;
    /** Set by an ack callback when no stream answered: look at the stream again before the next send. */
    private volatile boolean recheck;

    // Owned by the publisher thread.
    private ServerInfo seen;
    private boolean jetStreamSeen;
    private boolean coreWarned;
    private boolean toStream;
    private long setupRetryAt;
    private JetStream jetStream;

    /** One event; {@code attempt} counts its sends to JetStream. */
    private record Event(String subject, byte[] payload, String id, int attempt) {
        Event again() {
            return new Event(subject, payload, id, attempt + 1);
        }
    }

    public NatsEventPublisher(CompletableFuture<Connection> connected, EventStream stream, PublishLimits limits,
                              MeterRegistry registry) {
        this.connected = connected;
        this.stream = stream;
        this.limits = limits;
        this.setup = new StreamSetup(stream, limits.ackTimeout());
        this.queue = new LinkedBlockingDeque<>(limits.queueLimit());
        this.inFlight = new Semaphore(limits.maxInFlight());
        this.viaStream = published(registry, "jetstream");
        this.viaCore = published(registry, "core");
        this.deduplicated = Counter.builder("release_pilot_events_deduplicated_total")
                .description("Event sends the stream recognised by Nats-Msg-Id as already stored").register(registry);
        this.resent = Counter.builder("release_pilot_events_resent_total")
                .description("Event sends repeated after a failed JetStream ack").register(registry);
        this.queueFull = dropped(registry, "queue_full");
        this.natsRefused = dropped(registry, "nats_refused");
        this.ackFailed = dropped(registry, "ack_failed");
        Gauge.builder("release_pilot_events_queued", queue, BlockingDeque::size)
                .description("Events waiting to be handed to NATS").register(registry);
        Gauge.builder("release_pilot_events_in_flight", inFlight, s -> limits.maxInFlight() - s.availablePermits())
                .description("Events sent to JetStream and not yet acknowledged").register(registry);
        this.setupRetryAt = System.nanoTime();
        this.thread = new Thread(this::run, "release-pilot-nats-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    private static Counter published(MeterRegistry registry, String via) {
        return Counter.builder("release_pilot_events_published_total").tag("via", via)
                .description("Events published to NATS: stored in the JetStream stream, or sent on a plain subject")
                .register(registry);
    }

    private static Counter dropped(MeterRegistry registry, String reason) {
        return Counter.builder("release_pilot_events_dropped_total").tag("reason", reason)
                .description("Events not published to NATS").register(registry);
    }

    /** The subject for a service; characters NATS gives a meaning in subjects become '_'. */
    public static String subject(String service) {
        StringBuilder sb = new StringBuilder(SUBJECT_PREFIX.length() + service.length()).append(SUBJECT_PREFIX);
        for (int i = 0; i < service.length(); i++) {
            char ch = service.charAt(i);
            sb.append(ch == '.' || ch == '*' || ch == '>' || Character.isWhitespace(ch) ? '_' : ch);
        }
        return sb.toString();
    }

    /** Announces one journaled record: the body with {@code service} and {@code type} added. */
    @Override
    public void publish(String service, String type, JsonObject body) {
        publish(service, body.copy().put("service", service).put("type", type));
    }

    /** Queues {@code event} for {@code release-pilot.events.<service>}; false (counted) when the queue is full. */
    public boolean publish(String service, JsonObject event) {
        String subject = subject(service);
        byte[] payload = event.encode().getBytes(StandardCharsets.UTF_8);
        boolean queued = running && queue.offerLast(new Event(subject, payload, messageId(subject, payload), 1));
        if (!queued) {
            queueFull.increment();
        }
        return queued;
    }

    /**
     * A stable id of the event: the same subject and body give the same id, so a resend (ours, after a
     * lost ack) is stored once. Bodies carry their decision's time and details, so two different events
     * do not share one.
     */
    static String messageId(String subject, byte[] payload) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(subject.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(payload);
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private void run() {
        Connection connection;
        try {
            connection = connected.get();
        } catch (InterruptedException e) {
            return; // closed before NATS was ever reached
        } catch (ExecutionException e) {
            throw new IllegalStateException("the NATS connection future never fails", e);
        }
        toStream(connection); // the stream exists from the first connection on, before the first event
        while (running) {
            Event event;
            try {
                event = queue.takeFirst();
                inFlight.acquire();
            } catch (InterruptedException e) {
                return;
            }
            send(connection, event);
        }
    }

    private void send(Connection connection, Event event) {
        boolean async = false;
        try {
            if (toStream(connection)) {
                PublishOptions options = PublishOptions.builder().messageId(event.id())
                        .streamTimeout(limits.ackTimeout()).build();
                jetStream(connection).publishAsync(event.subject(), event.payload(), options)
                        .whenComplete((ack, failure) -> acked(event, ack, failure));
                async = true;
            } else {
                Headers headers = connection.getServerInfo().isHeadersSupported()
                        ? new Headers().put("Nats-Msg-Id", event.id()) : null;
                connection.publish(event.subject(), headers, event.payload());
                viaCore.increment();
            }
        } catch (IllegalStateException | IllegalArgumentException | IOException e) {
            natsRefused.increment();
            LOG.fine("event for " + event.subject() + " not published: " + e.getMessage());
        } finally {
            if (!async) {
                inFlight.release();
            }
        }
    }

    /** On a jnats thread: counts the outcome, and sends the event again after a failed ack while attempts remain. */
    private void acked(Event event, PublishAck ack, Throwable failure) {
        inFlight.release();
        if (failure == null) {
            viaStream.increment();
            if (ack.isDuplicate()) {
                deduplicated.increment();
            }
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (String.valueOf(cause.getMessage()).contains("503")) {
            recheck = true; // no responders: the stream is gone, or JetStream is: look before the next send
        }
        if (running && event.attempt() < limits.attempts()) {
            if (queue.offerFirst(event.again())) {
                resent.increment();
            } else {
                queueFull.increment();
            }
            return;
        }
        ackFailed.increment();
        LOG.fine("event for " + event.subject() + " not acknowledged after " + event.attempt() + " sends: " + cause);
    }

    /**
     * Whether events go to the stream: decided again whenever the server's INFO changes (every
     * reconnect brings a new one, e.g. from a server that now has JetStream) or a publish found no stream.
     */
    private boolean toStream(Connection connection) {
        ServerInfo info = connection.getServerInfo();
        boolean again = recheck && System.nanoTime() - setupRetryAt >= 0;
        if (info == seen && !again) {
            return toStream;
        }
        seen = info;
        recheck = false;
        if (info == null || !info.isJetStreamAvailable()) {
            if (!coreWarned) {
                coreWarned = true;
                LOG.warning("NATS server " + connection.getConnectedUrl() + " has no JetStream: events go to the plain"
                        + " subjects " + SUBJECT_PREFIX + "<service> (live subscribers only, nothing kept for replay)"
                        + " until a server with JetStream is connected");
            } else if (toStream) {
                LOG.info("NATS server " + connection.getConnectedUrl() + " has no JetStream: events go to plain subjects");
            }
            toStream = false;
            return false;
        }
        if (setup.ensure(connection) == StreamSetup.Outcome.FAILED) {
            recheck = true;
            setupRetryAt = System.nanoTime() + 5_000_000_000L;
        }
        if (!toStream && (jetStreamSeen || coreWarned)) {
            LOG.info("NATS server " + connection.getConnectedUrl() + " has JetStream now: events go to stream " + stream.name());
        }
        jetStreamSeen = true;
        toStream = true;
        return true;
    }

    private JetStream jetStream(Connection connection) throws IOException {
        if (jetStream == null) {
            jetStream = connection.jetStream(JetStreamOptions.builder().requestTimeout(limits.ackTimeout()).build());
        }
        return jetStream;
    }

    /** Stops the publisher thread; events still queued are dropped. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
