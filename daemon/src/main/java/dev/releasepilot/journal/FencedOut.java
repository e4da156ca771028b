package dev.releasepilot.journal;

/**
 * The shared journal refused a fenced write: the writer no longer holds the service's lease at that
 * epoch (another instance took it over, or it expired). Never retryable with the same fence: the
 * writer must stop acting for that service; the new holder catches up from the journal.
 */
public final class FencedOut extends RuntimeException {
    public FencedOut(String message) {
        super(message, null, false, false);
    }
}
