package dev.releasepilot.decide;

import io.vertx.core.json.JsonObject;

/**
 * Where decide announces every journaled record (decisions, actions, failures, drift) besides the
 * journal, e.g. NATS {@code release-pilot.events.<service>}. Must not block; best effort.
 */
@FunctionalInterface
public interface EventSink {
    EventSink NONE = (service, type, body) -> { };

    void publish(String service, String type, JsonObject body);
}
