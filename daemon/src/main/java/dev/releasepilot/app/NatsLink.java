package dev.releasepilot.app;

import dev.releasepilot.decide.EventSink;
import dev.releasepilot.ingest.nats.NatsConnector;
import dev.releasepilot.ingest.nats.NatsEventPublisher;
import dev.releasepilot.ingest.nats.NatsSampleSubscriber;
import dev.releasepilot.ingest.nats.NatsSettings;
import dev.releasepilot.window.SampleSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;

/**
 * The optional NATS side of the daemon: JSON samples in from the configured subjects, every decision
 * and action out to {@code release-pilot.events.<service>}. Without {@code --nats-url} it does nothing.
 * The connection is made in the background and survives the server going away.
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
        return new NatsLink(settings, connector, new NatsEventPublisher(connector, settings, registry), registry);
    }

    EventSink events() {
        if (publisher == null) {
            return EventSink.NONE;
        }
        return (service, type, body) -> publisher.publish(service, body.copy().put("service", service).put("type", type));
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
