package dev.releasepilot.decide;

/** An operator command that does not apply to the service's current state (HTTP 409). */
public class CommandRefused extends RuntimeException {
    public CommandRefused(String message) {
        super(message, null, false, false);
    }
}
