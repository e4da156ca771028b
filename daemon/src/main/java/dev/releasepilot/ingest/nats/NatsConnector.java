package dev.releasepilot.ingest.nats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The daemon's one NATS connection, shared by the sample subscriber and the event publisher.
 *
 * <p>It never gives up: the first connect happens in the background (the daemon starts even when
 * NATS is down), and after a loss jnats reconnects forever, waiting between rounds with a doubling,
 * jittered backoff capped at {@link NatsSettings#reconnectWaitMax()}. jnats re-sends subscriptions on
 * reconnect and buffers outgoing messages meanwhile up to {@link NatsSettings#reconnectBufferBytes()}.
 *
 * <p>Metrics: {@code release_pilot_nats_connection_state{state}} is 1 for the current jnats status and 0
 * for the others; {@code release_pilot_nats_reconnects_total} counts successful reconnects.
 */
public final class NatsConnector implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NatsConnector.class.getName());

    private final NatsSettings settings;
    private final CompletableFuture<Connection> connected = new CompletableFuture<>();
    private final Counter reconnects;
    private volatile Connection connection; // known from the first connection event on
    private volatile boolean closed;
    private boolean up; // only touched on jnats' single connection-event thread

    private NatsConnector(NatsSettings settings, MeterRegistry registry) {
        this.settings = settings;
        for (Connection.Status s : Connection.Status.values()) {
            Gauge.builder("release_pilot_nats_connection_state", this, c -> c.status() == s ? 1 : 0)
                    .tag("state", s.name().toLowerCase(java.util.Locale.ROOT))
                    .description("1 for the NATS connection's current state").register(registry);
        }
        this.reconnects = Counter.builder("release_pilot_nats_reconnects_total")
                .description("Times the NATS connection was re-established after a loss").register(registry);
    }

    /** Starts connecting in the background and returns at once. */
    public static NatsConnector start(NatsSettings settings, MeterRegistry registry) {
        NatsConnector c = new NatsConnector(settings, registry);
        Options options = new Options.Builder()
                .server(settings.url())
                .connectionName("release-pilot")
                .maxReconnects(-1)
                .reconnectDelayHandler(c::reconnectWait)
                .reconnectBufferSize(settings.reconnectBufferBytes())
                .connectionTimeout(Duration.ofSeconds(2))
                .connectionListener(c::onEvent)
                .errorListener(new Errors())
                .build();
        try {
            Nats.connectAsynchronously(options, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the NATS connection", e);
        }
        return c;
    }

    /** Completes once the connection is first established; never fails (reconnects are endless). */
    public CompletableFuture<Connection> connected() {
        return connected;
    }

    /** jnats' view of the connection: CONNECTING until the first attempt ends. */
    public Connection.Status status() {
        Connection c = connection;
        return c == null ? Connection.Status.CONNECTING : c.getStatus();
    }

    /** Doubling from the minimum with each failed round through the server list, plus up to 10 % jitter. */
    private Duration reconnectWait(long rounds) {
        long min = Math.max(1, settings.reconnectWaitMin().toMillis());
        long max = settings.reconnectWaitMax().toMillis();
        long wait = rounds >= 30 ? max : Math.min(max, min << Math.max(0, rounds - 1));
        return Duration.ofMillis(wait + ThreadLocalRandom.current().nextLong(wait / 10 + 1));
    }

    private void onEvent(Connection c, ConnectionListener.Events event) {
        if (connection == null) {
            connection = c;
            if (closed) {
                // close() ran before jnats handed us the connection: close it now, off jnats' callback thread.
                new Thread(this::closeQuietly, "release-pilot-nats-close").start();
                return;
            }
        }
        switch (event) {
            case CONNECTED:
                LOG.info("connected to NATS at " + c.getConnectedUrl());
                up = true;
                connected.complete(c);
                break;
            case RECONNECTED:
                LOG.info("reconnected to NATS at " + c.getConnectedUrl());
                up = true;
                if (!connected.complete(c)) { // when the very first attempt failed, the first success is a "reconnect"
                    reconnects.increment();
                }
                break;
            case DISCONNECTED:
                if (up) { // jnats repeats this event for every failed attempt; say it once per outage
                    LOG.warning("disconnected from NATS at " + settings.url() + "; reconnecting");
                }
                up = false;
                break;
            default:
                break;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly();
    }

    private void closeQuietly() {
        Connection c = connection;
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** jnats reports problems here instead of throwing; none of them may stop the daemon. */
    private static final class Errors implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.warning("NATS error: " + error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.log(Level.FINE, "NATS connection problem", exp);
        }

        @Override
        public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
            LOG.warning("NATS slow consumer: samples arrive faster than they are decoded; jnats drops the excess, counted"
                    + " in release_pilot_nats_messages_dropped_total{reason=\"slow_consumer\"}");
        }
    }
}
