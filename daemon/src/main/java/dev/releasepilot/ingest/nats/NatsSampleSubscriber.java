package dev.releasepilot.ingest.nats;

import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.ingest.IngestMetrics;
import dev.releasepilot.ingest.SampleSource;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SampleSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * Subscribes to the configured NATS subjects and hands the JSON samples they carry to the
 * {@link SampleSink}.
 *
 * <p>Messages arrive on a jnats dispatcher thread, which is not an event loop: the JSON is decoded
 * there, then the samples are handed to a Vert.x context with {@code runOnContext}, never by blocking;
 * batches that arrive while a hand-over is pending join it, so a burst costs the event loop one task,
 * not one per message. The hand-over is bounded: at most {@link NatsSettings#maxInFlightBatches()}
 * messages may wait for or be inside the sink; beyond that a batch is dropped and counted
 * ({@code reason="overloaded"}, per sample), because plain NATS
 * does not redeliver and an unbounded queue on an event loop would hide the overload until memory ran
 * out. Invalid messages are counted ({@code malformed} per message) and dropped; the valid samples of
 * a batch are kept and each invalid one is counted by its {@link NatsSampleProblem}; nothing a sender
 * publishes can stop the subscription.
 *
 * <p>Before decoding, jnats holds received messages in the dispatcher's queue, bounded by
 * {@link NatsSettings#pendingMessages()} messages and {@link #PENDING_BYTES} bytes. Past either limit
 * jnats drops the message (a "slow consumer"); every such message is counted in
 * {@code release_pilot_nats_messages_dropped_total{reason="slow_consumer"}}, read from the dispatcher's
 * own drop count, so each message sent is either taken or counted.
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
    private final MeterRegistry registry;
    private final Counter ingested;
    private final Counter timestampUnit;
    private final AtomicInteger inFlight = new AtomicInteger(); // messages queued or being taken by the sink
    private final Queue<List<Sample>> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile Dispatcher dispatcher;

    public NatsSampleSubscriber(Vertx vertx, NatsConnector connector, NatsSettings settings, SampleSink sink,
                                Clock clock, MeterRegistry registry) {
        this.connector = connector;
        this.settings = settings;
        this.sink = sink;
        this.clock = clock;
        this.context = vertx.getOrCreateContext();
        this.metrics = new IngestMetrics(registry, "nats");
        this.registry = registry;
        this.ingested = IngestMetrics.samplesIngested(registry, SampleSource.NATS);
        this.timestampUnit = registry.counter("release_pilot_samples_dropped_total", "reason", "timestamp_unit");
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
        // Messages jnats dropped from this dispatcher's queue; the count lives in jnats, read at each scrape.
        FunctionCounter.builder("release_pilot_nats_messages_dropped_total", d, Dispatcher::getDroppedCount)
                .tag("reason", "slow_consumer")
                .description("NATS messages dropped undecoded: more were pending than the dispatcher's limits allow")
                .register(registry);
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
        int valid = decoded.samples().size() + decoded.unmatched();
        metrics.received(valid);
        ingested.increment(valid + decoded.invalid().size());
        for (NatsSampleDecoder.Invalid bad : decoded.invalid()) {
            if (bad.problem() == NatsSampleProblem.TIMESTAMP_UNIT) {
                timestampUnit.increment();
            } else {
                metrics.rejected(bad.problem().label());
            }
        }
        if (decoded.truncated()) {
            metrics.rejected("malformed"); // the samples before the break are kept
        }
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
        waiting.add(samples);
        if (drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
    }

    /**
     * On the context: hands every batch queued so far to the sink in one call. One task per burst
     * instead of one per message keeps the event loop ahead of the dispatcher thread in a burst.
     */
    private void drain() {
        drainScheduled.set(false); // a batch queued from here on schedules the next drain
        List<Sample> all = new ArrayList<>();
        int messages = 0;
        for (List<Sample> batch = waiting.poll(); batch != null; batch = waiting.poll()) {
            all.addAll(batch);
            messages++;
        }
        if (messages == 0) {
            return;
        }
        int taken = messages;
        sink.accept(all).onComplete(ar -> {
            inFlight.addAndGet(-taken);
            if (ar.failed()) {
                metrics.rejected("unavailable", all.size()); // plain NATS has no redelivery to ask for
            }
        });
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
