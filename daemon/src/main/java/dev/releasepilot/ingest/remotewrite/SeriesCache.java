package dev.releasepilot.ingest.remotewrite;

import dev.releasepilot.window.SeriesRef;
import java.util.Arrays;

/**
 * Finds a series by the exact bytes a sender encodes its labels with, so a series seen before costs
 * a hash and a compare of those bytes instead of decoding, interning and looking up its label set
 * (the idea of Prometheus' scrape cache, which maps the raw series text to a series ref).
 *
 * <p>Open addressing over two parallel arrays: the 64-bit hash of the key and the {@link SeriesRef}.
 * The key bytes themselves are attached to the ref ({@link SeriesRef#senderKey()}), so the tables of
 * several event loops share one copy and a table costs 12 bytes per slot. A hit is a hash match whose
 * ref holds exactly these bytes; anything else is a miss, and a miss only costs the slow path.
 * Released refs (evicted series) are skipped on lookup and dropped when the table is rebuilt. At most
 * {@code maxEntries} entries: beyond that the table starts over rather than grow. Not thread-safe:
 * one per event-loop thread.
 */
final class SeriesCache {
    private static final int INITIAL_SLOTS = 1024;

    private final int maxEntries;
    private long[] hashes;
    private SeriesRef[] refs;
    private int entries;

    SeriesCache(int maxEntries) {
        this.maxEntries = maxEntries;
        this.hashes = new long[INITIAL_SLOTS];
        this.refs = new SeriesRef[INITIAL_SLOTS];
    }

    /** The hash to pass to {@link #get} and {@link #put}; never 0, which marks a free slot. */
    static long hash(byte[] buf, int off, int len) {
        long h = ByteHash.hash(buf, off, len);
        return h == 0 ? 1 : h;
    }

    /** The live ref whose key is {@code buf[off, off + len)}, or null. */
    SeriesRef get(long hash, byte[] buf, int off, int len) {
        int mask = hashes.length - 1;
        for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
            long h = hashes[i];
            if (h == 0) {
                return null;
            }
            if (h == hash) {
                SeriesRef ref = refs[i];
                byte[] key = ref.senderKey();
                if (key != null && sameKey(key, buf, off, len) && !ref.released()) {
                    return ref;
                }
            }
        }
    }

    /**
     * {@link #get} for {@code n} keys at once: {@code out[i]} is the ref of key i
     * ({@code buf[keyStart[i], keyStart[i] + keyLength[i])}, hash {@code keyHashes[i]}; none when
     * {@code keyLength[i] < 0}) or null. Done in three sweeps (find the slot, load the ref and its key,
     * compare) so that the memory reads of different keys are in flight together rather than one
     * chain after another: with 100,000 series each read is likely a cache miss. {@code slots} is
     * scratch of at least {@code n}.
     */
    void getAll(int n, long[] keyHashes, byte[] buf, int[] keyStart, int[] keyLength, SeriesRef[] out, int[] slots) {
        long[] table = hashes;
        int mask = table.length - 1;
        for (int i = 0; i < n; i++) {
            int slot = -1;
            if (keyLength[i] >= 0) {
                long hash = keyHashes[i];
                for (int j = (int) hash & mask; ; j = (j + 1) & mask) {
                    long h = table[j];
                    if (h == hash) {
                        slot = j;
                        break;
                    }
                    if (h == 0) {
                        break;
                    }
                }
            }
            slots[i] = slot;
        }
        for (int i = 0; i < n; i++) {
            out[i] = slots[i] < 0 ? null : refs[slots[i]];
        }
        for (int i = 0; i < n; i++) {
            SeriesRef ref = out[i];
            if (ref != null) {
                byte[] key = ref.senderKey();
                int off = keyStart[i];
                int len = keyLength[i];
                if (key == null || !sameKey(key, buf, off, len) || ref.released()) {
                    out[i] = get(keyHashes[i], buf, off, len); // a colliding hash or a stale slot: probe on
                }
            }
        }
    }

    /**
     * Remembers {@code ref} under the key {@code buf[off, off + len)}. The key is attached to the ref
     * unless the ref already carries another one (the same series sent with a different encoding,
     * e.g. by a second sender); then it is not cached and that sender stays on the slow path.
     */
    void put(long hash, byte[] buf, int off, int len, SeriesRef ref) {
        byte[] key = ref.senderKey();
        if (key == null) {
            ref.attachSenderKey(Arrays.copyOfRange(buf, off, off + len));
            key = ref.senderKey();
        }
        if (!sameKey(key, buf, off, len)) {
            return;
        }
        int mask = hashes.length - 1;
        for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
            long h = hashes[i];
            if (h == 0) {
                hashes[i] = hash;
                refs[i] = ref;
                if (++entries * 2 > hashes.length) {
                    rebuild();
                }
                return;
            }
            if (h == hash && sameKey(refs[i].senderKey(), buf, off, len)) {
                refs[i] = ref; // the series was evicted and created again: the new one
                return;
            }
        }
    }

    /**
     * Whether a key is {@code buf[off, off + len)}. Keys are whole label sets (~100–300 bytes): long
     * enough that {@code Arrays.equals}' vectorised compare measured faster here than
     * {@code ByteHash.same}, which is for the short label strings.
     */
    private static boolean sameKey(byte[] key, byte[] buf, int off, int len) {
        return Arrays.equals(key, 0, key.length, buf, off, off + len);
    }

    int size() {
        return entries;
    }

    /** Drops released refs, then doubles the table if it is still half full, or clears it at the bound. */
    private void rebuild() {
        long[] oldHashes = hashes;
        SeriesRef[] oldRefs = refs;
        int live = 0;
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldHashes[i] != 0 && !oldRefs[i].released()) {
                live++;
            }
        }
        if (live > maxEntries) {
            live = 0; // a cache, not a store: start over and let the slow path refill it
            oldHashes = new long[0];
        }
        int slots = INITIAL_SLOTS;
        while (slots < live * 4) {
            slots <<= 1;
        }
        hashes = new long[slots];
        refs = new SeriesRef[slots];
        entries = 0;
        int mask = slots - 1;
        for (int j = 0; j < oldHashes.length; j++) {
            if (oldHashes[j] != 0 && !oldRefs[j].released()) {
                int i = (int) oldHashes[j] & mask;
                while (hashes[i] != 0) {
                    i = (i + 1) & mask;
                }
                hashes[i] = oldHashes[j];
                refs[i] = oldRefs[j];
                entries++;
            }
        }
    }
}
