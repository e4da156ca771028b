package dev.releasepilot.window;

/**
 * One sample in event time. A Prometheus stale marker arrives as the NaN with raw bits
 * {@code 0x7ff0000000000002}: it means "the series ended", never a value; see {@link #isStaleMarker}.
 */
public record Sample(Labels labels, long timestampMs, double value) {
    public static final long STALE_NAN_BITS = 0x7ff0000000000002L;

    public boolean isStaleMarker() {
        return isStaleMarker(value);
    }

    /** Whether a value is the stale marker (compared by its raw bits: it is one NaN among many). */
    public static boolean isStaleMarker(double value) {
        return Double.doubleToRawLongBits(value) == STALE_NAN_BITS;
    }
}
