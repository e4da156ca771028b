package dev.releasepilot.app;

import dev.releasepilot.decide.EventSink;
import dev.releasepilot.ingest.nats.NatsConnector;
import dev.releasepilot.ingest.nats.NatsSampleSubscriber;
import dev.releasepilot.ingest.nats.NatsSettings;
import dev.releasepilot.publish.NatsEventPublisher;
import dev.releasepilot.publish.PublishLimits;
import dev.releasepilot.window.SampleSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;

/**
 * The optional NATS side of the daemon: JSON samples in from the configured subjects (ingest), every
 * decision and action out to {@code release-pilot.events.<service>}, kept in a JetStream stream when the
 * server has JetStream (publish). Both share one connection, made in the background, that survives the
 * server going away. Without {@code --nats-url} it does nothing.
 */
final class NatsLink {
    private final NatsSettings settings;
    private final NatsConnector connector;
    private final NatsEventPublisher publisher;
    private final MeterRegistry registry;
    private NatsSampleSubscriber subscriber;

    private NatsLink(NatsSettings settings, NatsConnector connector, NatsEventPublisher publisher, MeterRegistry registry) {
        this.settings = settings;
        this.connector = connector;
        this.publisher = publisher;
        this.registry = registry;
    }

    static NatsLink connect(DaemonConfig config, MeterRegistry registry) {
        if (config.natsUrl() == null) {
            return new NatsLink(null, null, null, registry);
        }
        NatsSettings settings = NatsSettings.defaults(config.natsUrl(), config.natsSubjects());
        NatsConnector connector = NatsConnector.start(settings, registry);
        return new NatsLink(settings, connector, new NatsEventPublisher(connector.connected(), config.natsStream(),
                PublishLimits.DEFAULTS, registry), registry);
    }

    EventSink events() {
        return publisher == null ? EventSink.NONE : publisher;
    }

    void subscribe(Vertx vertx, SampleSink samples, DaemonConfig config) {
        if (connector != null && !settings.subjects().isEmpty()) {
            subscriber = new NatsSampleSubscriber(vertx, connector, settings, samples, config.clock(), registry)
                    .start();
        }
    }

    void close() {
        if (subscriber != null) {
            subscriber.close();
        }
        if (publisher != null) {
            publisher.close();
        }
        if (connector != null) {
            connector.close();
        }
    }
}
