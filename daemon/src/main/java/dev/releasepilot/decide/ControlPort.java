package dev.releasepilot.decide;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What the API may do with the decide stage: read each service's state and submit operator commands,
 * which the service's own state machine judges like any other signal. The views are the API's JSON
 * shapes, built on the service's context.
 */
public interface ControlPort {
    /** Fails with {@link NoSuchService} or {@link CommandRefused}; otherwise the service's view after the command. */
    Future<JsonObject> command(String service, OperatorCommand command);

    /** Fails with {@link NoSuchService}. */
    Future<JsonObject> status(String service);

    /** Every service's view, in rule-file order. */
    Future<JsonArray> statuses();
}
