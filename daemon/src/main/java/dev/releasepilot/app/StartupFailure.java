package dev.releasepilot.app;

/** The daemon cannot start; the message says why and what to do, without a stack trace. */
public final class StartupFailure extends Exception {
    public StartupFailure(String message) {
        super(message, null, false, false);
    }
}
