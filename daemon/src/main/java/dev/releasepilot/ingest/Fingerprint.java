package dev.releasepilot.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Alertmanager's label-set fingerprint (Prometheus model's {@code LabelSet.Fingerprint}): FNV-1a 64 over
 * the sorted names and values, each followed by the separator byte 0xff, printed as 16 hex digits.
 * Used only when a hand-made payload leaves the fingerprint out.
 */
final class Fingerprint {
    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private Fingerprint() {
    }

    static String of(Map<String, String> labels) {
        long h = OFFSET;
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            h = add(h, e.getKey());
            h = addByte(h, (byte) 0xff);
            h = add(h, e.getValue());
            h = addByte(h, (byte) 0xff);
        }
        return String.format("%016x", h);
    }

    private static long add(long h, String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = addByte(h, b);
        }
        return h;
    }

    private static long addByte(long h, byte b) {
        h ^= (b & 0xff);
        return h * PRIME;
    }
}
