package dev.releasepilot.journal;

/** The journal could not take a record (queue full, disk error, closed). Retryable by the sender. */
public final class JournalUnavailable extends RuntimeException {
    public JournalUnavailable(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
