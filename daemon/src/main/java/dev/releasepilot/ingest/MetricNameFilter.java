package dev.releasepilot.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Remembers, for the length of one request, the pre-filter's answer per metric name, keyed by the
 * name's UTF-8 bytes so that a repeated name costs a hash and a compare instead of a String and a
 * call. One request carries few distinct names (hundreds at most), so a small open-addressed table
 * suffices; when it is full the filter is asked directly. Not kept across requests: a rule reload
 * changes the answers.
 */
final class MetricNameFilter {
    private static final int SLOTS = 512; // power of two
    private static final int MAX_ENTRIES = SLOTS / 2;

    private final Predicate<String> wantsMetric;
    private byte[][] keys;
    private boolean[] wanted;
    private int entries;

    MetricNameFilter(Predicate<String> wantsMetric) {
        this.wantsMetric = wantsMetric;
    }

    boolean wants(byte[] buf, int off, int len) {
        if (keys == null) {
            keys = new byte[SLOTS][];
            wanted = new boolean[SLOTS];
        }
        int h = 1;
        for (int i = off; i < off + len; i++) {
            h = 31 * h + buf[i];
        }
        int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
        while (keys[slot] != null) {
            if (Arrays.equals(keys[slot], 0, keys[slot].length, buf, off, off + len)) {
                return wanted[slot];
            }
            slot = (slot + 1) & (SLOTS - 1);
        }
        boolean w = wantsMetric.test(new String(buf, off, len, StandardCharsets.UTF_8));
        if (entries < MAX_ENTRIES) {
            keys[slot] = Arrays.copyOfRange(buf, off, off + len);
            wanted[slot] = w;
            entries++;
        }
        return w;
    }
}
