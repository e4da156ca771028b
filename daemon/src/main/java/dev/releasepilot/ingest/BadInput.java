package dev.releasepilot.ingest;

/** Input that can never be accepted as sent. {@code reason} is a bounded metric label. */
public final class BadInput extends Exception {
    private final String reason;

    public BadInput(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
