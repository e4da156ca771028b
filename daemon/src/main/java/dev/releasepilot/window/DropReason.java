package dev.releasepilot.window;

import java.util.Locale;

/** Why the store did not keep a sample: the {@code reason} label of release_pilot_samples_dropped_total. */
public enum DropReason {
    /** Older than the newest sample already kept for its series (judged per series, in event time). */
    OUT_OF_ORDER,
    /** Same timestamp as the newest sample of its series. */
    DUPLICATE,
    /** No selector of the loaded rules wants the series. */
    UNMATCHED,
    /** A new series while the store already holds its maximum number of series. */
    LIMIT,
    /** Stamped further ahead of the receiving host's clock than the tolerance ({@link HostTime}). */
    TOO_FAR_IN_FUTURE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
