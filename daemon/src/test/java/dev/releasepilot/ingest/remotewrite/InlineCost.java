package dev.releasepilot.ingest.remotewrite;


import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.window.Appender;
import dev.releasepilot.window.SampleSink;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.xerial.snappy.Snappy;

/**
 * For the benchmark: what one remote_write request costs the event loop, split into inflating and
 * decoding with appending into the sink (the two steps the receiver runs inline), averaged over a set
 * of real payloads. Measured in this thread's CPU time, so other work on a shared machine does not
 * inflate it.
 */
public final class InlineCost {
    /** Microseconds per request. */
    public record PerRequest(double snappyMicros, double decodeMicros) {
    }

    private InlineCost() {
    }

    /**
     * Sends {@code warmup} (creates the series, warms the JIT up), then measures {@code timed}: appends
     * of newer samples to existing series, as in steady state. The sink's pre-filter decides which
     * series are decoded in full (the rest cost only the name scan).
     */
    public static PerRequest measure(List<byte[]> warmup, List<byte[]> timed, SampleSink sink) {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        WriteRequestDecoder decoder = new WriteRequestDecoder(new LabelInterner(RemoteWriteReceiver.INTERNED_STRINGS),
                new SeriesCache(RemoteWriteReceiver.CACHED_SERIES));
        long total = 0;
        long snappyNanos = 0;
        long decodeNanos = 0;
        try {
            for (List<byte[]> bodies : List.of(warmup, timed)) {
                snappyNanos = 0;
                decodeNanos = 0;
                for (byte[] body : bodies) {
                    long t0 = cpu.getCurrentThreadCpuTime();
                    int len = Snappy.uncompressedLength(body);
                    byte[] raw = new byte[len];
                    Snappy.uncompress(body, 0, body.length, raw, 0);
                    long t1 = cpu.getCurrentThreadCpuTime();
                    Appender batch = sink.appender();
                    total += decoder.decode(raw, len, sink::wantsMetric, batch).total();
                    batch.commit();
                    long t2 = cpu.getCurrentThreadCpuTime();
                    snappyNanos += t1 - t0;
                    decodeNanos += t2 - t1;
                }
            }
        } catch (IOException | BadInput e) {
            throw new IllegalStateException("benchmark payload does not decode", e);
        }
        if (total == 0 || timed.isEmpty()) {
            throw new IllegalStateException("decoded nothing");
        }
        return new PerRequest(snappyNanos / 1e3 / timed.size(), decodeNanos / 1e3 / timed.size());
    }
}
