package dev.releasepilot.ingest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.function.Predicate;
import org.xerial.snappy.Snappy;

/**
 * For the benchmark: what one remote_write request costs the event loop, split into inflating and
 * decoding (the two steps the receiver runs inline), averaged over a set of real payloads. Measured
 * in this thread's CPU time, so other work on a shared machine does not inflate it.
 */
public final class InlineCost {
    /** Microseconds per request. */
    public record PerRequest(double snappyMicros, double decodeMicros) {
    }

    private InlineCost() {
    }

    /** {@code wantsMetric} decides which series are decoded in full (the rest cost only the name scan). */
    public static PerRequest measure(List<byte[]> bodies, int passes, Predicate<String> wantsMetric) {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long sink = 0;
        long snappyNanos = 0;
        long decodeNanos = 0;
        int n = 0;
        LabelInterner strings = new LabelInterner(RemoteWriteReceiver.INTERNED_STRINGS);
        try {
            for (int pass = 0; pass < passes; pass++) {
                for (byte[] body : bodies) {
                    long t0 = cpu.getCurrentThreadCpuTime();
                    int len = Snappy.uncompressedLength(body);
                    byte[] raw = new byte[len];
                    Snappy.uncompress(body, 0, body.length, raw, 0);
                    long t1 = cpu.getCurrentThreadCpuTime();
                    sink += WriteRequestDecoder.decode(raw, len, wantsMetric, strings).total();
                    long t2 = cpu.getCurrentThreadCpuTime();
                    if (pass > 0) { // the first pass warms the JIT up
                        snappyNanos += t1 - t0;
                        decodeNanos += t2 - t1;
                        n++;
                    }
                }
            }
        } catch (IOException | BadInput e) {
            throw new IllegalStateException("benchmark payload does not decode", e);
        }
        if (sink == 0) {
            throw new IllegalStateException("decoded nothing");
        }
        return new PerRequest(snappyNanos / 1e3 / n, decodeNanos / 1e3 / n);
    }
}
