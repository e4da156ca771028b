package dev.releasepilot.ingest.nats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.logging.Logger;

/**
 * Publishes decision and action events as JSON to {@code release-pilot.events.<service>}.
 *
 * <p>{@link #publish} never blocks: it encodes the event and offers it to a bounded queue; one
 * publisher thread hands queued events to jnats, whose calls can wait on locks and a full outgoing
 * queue, so no event loop ever makes them. Events wait in the queue until NATS is first reached;
 * after that jnats buffers them through outages up to {@link NatsSettings#reconnectBufferBytes()}.
 * Every event that is not handed on is counted in {@code release_pilot_events_dropped_total{reason}}:
 * {@code queue_full} (the queue was at its limit) or {@code nats_refused} (jnats refused it: reconnect
 * buffer full, payload too large, connection closed).
 */
public final class NatsEventPublisher implements AutoCloseable {
    public static final String SUBJECT_PREFIX = "release-pilot.events.";
    private static final Logger LOG = Logger.getLogger(NatsEventPublisher.class.getName());

    private final NatsConnector connector;
    private final BlockingQueue<Event> queue;
    private final Counter published;
    private final Counter queueFull;
    private final Counter natsRefused;
    private final Thread thread;
    private volatile boolean running = true;

    private record Event(String subject, byte[] payload) {
    }

    public NatsEventPublisher(NatsConnector connector, NatsSettings settings, MeterRegistry registry) {
        this.connector = connector;
        this.queue = new ArrayBlockingQueue<>(settings.eventQueueLimit());
        this.published = Counter.builder("release_pilot_events_published_total")
                .description("Events handed to NATS").register(registry);
        this.queueFull = dropped(registry, "queue_full");
        this.natsRefused = dropped(registry, "nats_refused");
        Gauge.builder("release_pilot_events_queued", queue, BlockingQueue::size)
                .description("Events waiting to be handed to NATS").register(registry);
        this.thread = new Thread(this::run, "release-pilot-nats-publisher");
        thread.setDaemon(true);
        thread.start();
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

    /** Queues {@code event} for {@code release-pilot.events.<service>}; false (counted) when the queue is full. */
    public boolean publish(String service, JsonObject event) {
        boolean queued = running && queue.offer(new Event(subject(service), event.encode().getBytes(StandardCharsets.UTF_8)));
        if (!queued) {
            queueFull.increment();
        }
        return queued;
    }

    private void run() {
        Connection connection;
        try {
            connection = connector.connected().get();
        } catch (InterruptedException e) {
            return; // closed before NATS was ever reached
        } catch (ExecutionException e) {
            throw new IllegalStateException("the NATS connection future never fails", e);
        }
        while (running) {
            Event event;
            try {
                event = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                connection.publish(event.subject(), event.payload());
                published.increment();
            } catch (IllegalStateException | IllegalArgumentException e) {
                natsRefused.increment();
                LOG.fine("event for " + event.subject() + " not published: " + e.getMessage());
            }
        }
    }

    /** Stops the publisher thread; events still queued are dropped. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
