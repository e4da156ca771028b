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

    /** @param supersede replace a release whose rollout is still in progress (else that is refused) */
    record Release(String version, JsonObject detail, String reason, boolean supersede) implements OperatorCommand {
        public Release(String version, JsonObject detail, String reason) {
            this(version, detail, reason, false);
        }
    }

    /** Skip the rest of the current step's hold: the next step (or the release's completion) now. */
    record Promote(String reason) implements OperatorCommand {
    }

    /** Roll the release back (canary to 0) and end it. */
    record Abort(String reason) implements OperatorCommand {
    }
}
