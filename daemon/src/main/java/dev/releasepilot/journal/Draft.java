package dev.releasepilot.journal;

import io.vertx.core.json.JsonObject;

/** A record before the journal numbered and stamped it. */
public record Draft(String type, JsonObject body) {
}
