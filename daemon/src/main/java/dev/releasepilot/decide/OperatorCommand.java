package dev.releasepilot.decide;

import io.vertx.core.json.JsonObject;

/** What a human (API or CLI) asks of a service. Decide turns it into events like any signal. */
public sealed interface OperatorCommand {
    String reason();

    record Resume(String reason) implements OperatorCommand {
    }

    record Rollback(String reason) implements OperatorCommand {
    }

    record Pause(String reason) implements OperatorCommand {
    }

    record Release(String version, JsonObject detail, String reason) implements OperatorCommand {
    }
}
