package dev.releasepilot.ingest.alertmanager;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Alertmanager's label-set fingerprint (Prometheus model's {@code LabelSet.Fingerprint}): FNV-1a 64 over
 * the names sorted as Go sorts strings (by UTF-8 bytes, i.e. by code point) and their values, each
 * followed by the separator byte 0xff, printed as 16 hex digits; the empty set gives the offset basis.
 * Used only when a hand-made payload leaves the fingerprint out.
 */
final class Fingerprint {
    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private Fingerprint() {
    }

    static String of(Map<String, String> labels) {
        long h = OFFSET;
        for (Map.Entry<String, String> e : sortedAsInGo(labels).entrySet()) {
            h = add(h, e.getKey());
            h = addByte(h, (byte) 0xff);
            h = add(h, e.getValue());
            h = addByte(h, (byte) 0xff);
        }
        return String.format("%016x", h);
    }

    /** Java's String order compares UTF-16 units, which differs from Go's byte order above U+FFFF. */
    private static TreeMap<String, String> sortedAsInGo(Map<String, String> labels) {
        TreeMap<String, String> sorted = new TreeMap<>(Fingerprint::byCodePoint);
        sorted.putAll(labels);
        return sorted;
    }

    private static int byCodePoint(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
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
