package dev.releasepilot.act;

import dev.releasepilot.rules.Backend;
import dev.releasepilot.rules.HaproxyBackend;
import io.vertx.core.Vertx;

/** Builds the actuator for a backend config: the one place that knows every adapter. */
public final class Actuators {
    private Actuators() {
    }

    public static Actuator create(Vertx vertx, Backend backend) {
        if (backend instanceof HaproxyBackend h) {
            return new HaproxyActuator(vertx, h);
        }
        throw new IllegalArgumentException("no actuator for backend kind " + backend.kind());
    }
}
