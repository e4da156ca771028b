package dev.releasepilot.decide;

/** An operator command that does not apply to the service's current state (HTTP 409). */
public class CommandRefused extends RuntimeException {
    private final transient io.vertx.core.json.JsonObject detail;

    public CommandRefused(String message) {
        this(message, null);
    }

    /** @param detail what the API shows beside the message (the release in the way), or null */
    public CommandRefused(String message, io.vertx.core.json.JsonObject detail) {
        super(message, null, false, false);
        this.detail = detail;
    }

    public io.vertx.core.json.JsonObject detail() {
        return detail;
    }
}
