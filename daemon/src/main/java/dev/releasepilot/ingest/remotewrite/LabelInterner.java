package dev.releasepilot.ingest.remotewrite;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns label name and value bytes into Strings, handing back the same String for the same bytes.
 *
 * <p>Prometheus re-sends every series' full label set with every sample, and most label values
 * (job, region, code, le, ...) are shared by many series. Interning them means a repeated label costs
 * a hash and a byte compare instead of a new String, the label sets the window store keeps share
 * their Strings instead of holding a copy per series, and comparing two label sets of the same series
 * finds identical Strings. The table is bounded: a fixed number of slots, strings longer than
 * {@link #MAX_LENGTH} are not kept, and a full neighbourhood overwrites its oldest guess; a miss only
 * costs a new String. Not thread-safe: one per event-loop thread.
 */
final class LabelInterner {
    static final int MAX_LENGTH = 128;
    private static final int PROBES = 4;

    private record Entry(byte[] bytes, String string, int hash) {
    }

    private final Entry[] slots;
    private final int mask;

    /** {@code slots} is rounded up to a power of two. */
    LabelInterner(int slots) {
        int n = Integer.highestOneBit(Math.max(16, slots - 1) << 1);
        this.slots = new Entry[n];
        this.mask = n - 1;
    }

    String intern(byte[] buf, int off, int len) {
        if (len > MAX_LENGTH) {
            return new String(buf, off, len, StandardCharsets.UTF_8);
        }
        int h = (int) ByteHash.hash(buf, off, len);
        int home = h & mask;
        for (int p = 0; p < PROBES; p++) {
            int i = (home + p) & mask;
            Entry e = slots[i];
            if (e == null) {
                return insert(i, buf, off, len, h);
            }
            if (e.hash == h && ByteHash.same(e.bytes, buf, off, len)) {
                return e.string;
            }
        }
        return insert(home, buf, off, len, h); // neighbourhood full: replace the home slot
    }

    private String insert(int slot, byte[] buf, int off, int len, int h) {
        byte[] bytes = Arrays.copyOfRange(buf, off, off + len);
        String s = new String(bytes, StandardCharsets.UTF_8);
        slots[slot] = new Entry(bytes, s, h);
        return s;
    }
}
