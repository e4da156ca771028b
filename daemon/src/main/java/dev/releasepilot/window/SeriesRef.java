package dev.releasepilot.window;

/**
 * A handle on one series of a {@link SampleSink}, handed out by {@link Appender#append(Labels, long, double)}
 * so that a sender can append to the same series again without building its labels (Prometheus'
 * {@code storage.SeriesRef} plays the same part for its scrape cache).
 *
 * <p>A sender that finds its series by the bytes it receives (remote_write: the encoded label fields of
 * a TimeSeries) attaches those bytes here once, so its lookup table holds only references and every
 * event loop's table shares one copy of the key.
 */
public interface SeriesRef {
    /** The bytes a sender keyed this series by, or null before one attached them. Never modified. */
    byte[] senderKey();

    /** Attaches the sender key once; false (and nothing changes) when a key is already attached. */
    boolean attachSenderKey(byte[] key);

    /** True once the sink has let go of the series: appends through this ref answer false from then on. */
    boolean released();
}
