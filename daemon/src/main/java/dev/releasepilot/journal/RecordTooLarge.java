package dev.releasepilot.journal;

/**
 * A record over the journal's size limit. Not retryable: the same record will never fit. Ingest bounds
 * what an input can put into a record so that this does not happen; if it does, only that record is
 * refused, never the records written with it.
 */
public final class RecordTooLarge extends RuntimeException {
    public RecordTooLarge(String message) {
        super(message, null, false, false);
    }
}
