package dev.releasepilot.decide;

/** A request named a service that no rule defines (HTTP 404). */
public final class NoSuchService extends RuntimeException {
    public NoSuchService(String name) {
        super("no service named '" + name + "' in the rules", null, false, false);
    }
}
