package dev.releasepilot.window;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A handle on one series of a {@link SampleSink}, handed out by {@link Appender#append(Labels, long, double)}
 * so that a sender can append to the same series again without building its labels (Prometheus'
 * {@code storage.SeriesRef} plays the same part for its scrape cache).
 *
 * <p>A sender that finds its series by the bytes it receives (remote_write: the encoded label fields of
 * a TimeSeries) attaches those bytes here once, so its lookup table holds only references and every
 * event loop's table shares one copy of the key.
 */
public abstract class SeriesRef {
    private static final VarHandle SENDER_KEY;

    static {
        try {
            SENDER_KEY = MethodHandles.lookup().findVarHandle(SeriesRef.class, "senderKey", byte[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through SENDER_KEY
    private volatile byte[] senderKey;

    /** The bytes a sender keyed this series by, or null before one attached them. Never modified. */
    public final byte[] senderKey() {
        return senderKey;
    }

    /** Attaches the sender key once; false (and nothing changes) when a key is already attached. */
    public final boolean attachSenderKey(byte[] key) {
        return SENDER_KEY.compareAndSet(this, null, key);
    }

    /** True once the sink has let go of the series: appends through this ref answer false from then on. */
    public abstract boolean released();
}
