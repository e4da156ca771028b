package dev.releasepilot.ingest.nats;


import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.ingest.IngestMetrics;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SampleSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Subscribes to the configured NATS subjects and hands the JSON samples they carry to the
 * {@link SampleSink}.
 *
 * <p>Messages arrive on a jnats dispatcher thread, which is not an event loop: the JSON is decoded
 * there, then the samples are handed to a Vert.x context with {@code runOnContext}, never by blocking.
 * The hand-over is bounded: at most {@link NatsSettings#maxInFlightBatches()} batches may wait for the
 * sink; beyond that a batch is dropped and counted ({@code reason="overloaded"}), because plain NATS
 * does not redeliver and an unbounded queue on an event loop would hide the overload until memory ran
 * out. Invalid messages are counted ({@code malformed} per message, {@code invalid_sample} per sample)
 * and dropped; nothing a sender publishes can stop the subscription.
 */
public final class NatsSampleSubscriber implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NatsSampleSubscriber.class.getName());
    /** Bytes of received, undecoded messages jnats may hold (64 NATS default-size payloads). */
    private static final long PENDING_BYTES = 64L * 1024 * 1024;
    private final NatsConnector connector;
    private final NatsSettings settings;
    private final SampleSink sink;
    private final Clock clock;
    private final Context context;
    private final IngestMetrics metrics;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Dispatcher dispatcher;

    public NatsSampleSubscriber(Vertx vertx, NatsConnector connector, NatsSettings settings, SampleSink sink,
                                Clock clock, MeterRegistry registry) {
        this.connector = connector;
        this.settings = settings;
        this.sink = sink;
        this.clock = clock;
        this.context = vertx.getOrCreateContext();
        this.metrics = new IngestMetrics(registry, "nats");
    }

    /** Subscribes as soon as the connection is first up; jnats re-subscribes after every reconnect. */
    public NatsSampleSubscriber start() {
        connector.connected().thenAccept(this::subscribe).exceptionally(e -> {
            LOG.severe("cannot subscribe to " + settings.subjects() + ": " + e.getMessage());
            return null;
        });
        return this;
    }

    private void subscribe(Connection connection) {
        Dispatcher d = connection.createDispatcher(this::onMessage);
        d.setPendingLimits(settings.pendingMessages(), PENDING_BYTES);
        for (String subject : settings.subjects()) {
            d.subscribe(subject);
        }
        dispatcher = d;
    }

    /** On the jnats dispatcher thread. */
    private void onMessage(Message message) {
        NatsSampleDecoder.Decoded decoded;
        try {
            decoded = NatsSampleDecoder.decode(message.getData(), clock.millis(), sink::wantsMetric);
        } catch (BadInput e) {
            metrics.rejected(e.reason());
            return;
        }
        metrics.received(decoded.samples().size() + decoded.unmatched());
        metrics.rejected("invalid_sample", decoded.invalid().size());
        metrics.samplesDropped("unmatched", decoded.unmatched());
        List<Sample> samples = decoded.samples();
        if (samples.isEmpty()) {
            return;
        }
        if (inFlight.incrementAndGet() > settings.maxInFlightBatches()) {
            inFlight.decrementAndGet();
            metrics.rejected("overloaded", samples.size());
            return;
        }
        context.runOnContext(v -> sink.accept(samples).onComplete(ar -> {
            inFlight.decrementAndGet();
            if (ar.failed()) {
                metrics.rejected("unavailable", samples.size()); // plain NATS has no redelivery to ask for
            }
        }));
    }

    @Override
    public void close() {
        Dispatcher d = dispatcher;
        if (d == null) {
            return;
        }
        try {
            for (String subject : settings.subjects()) {
                d.unsubscribe(subject);
            }
        } catch (IllegalStateException alreadyClosed) {
            // the connector was closed first: nothing left to unsubscribe from
        }
    }
}
