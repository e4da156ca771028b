package dev.releasepilot.ingest.remotewrite;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Hashing and comparing short byte ranges of a request body (label strings, encoded label sets),
 * eight bytes at a time. For the 5–200 byte ranges remote_write is made of this beats
 * {@code Arrays.hashCode}/{@code Arrays.equals}, whose per-byte loop or range checks and vectorised
 * mismatch are made for long arrays.
 */
final class ByteHash {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private ByteHash() {
    }

    /** A 64-bit hash; its quality only has to spread table slots, equality is always checked on the bytes. */
    static long hash(byte[] buf, int off, int len) {
        long h = len * 0x9E3779B97F4A7C15L;
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            h = Long.rotateLeft(h ^ (long) LONGS.get(buf, i) * 0xC2B2AE3D27D4EB4FL, 31) * 0x9E3779B97F4A7C15L;
        }
        for (; i < end; i++) {
            h = (h ^ (buf[i] & 0xff)) * 0x100000001B3L;
        }
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 32);
    }

    /** Whether {@code a} equals {@code buf[off, off + len)}. */
    static boolean same(byte[] a, byte[] buf, int off, int len) {
        if (a.length != len) {
            return false;
        }
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            if ((long) LONGS.get(a, i) != (long) LONGS.get(buf, off + i)) {
                return false;
            }
        }
        for (; i < len; i++) {
            if (a[i] != buf[off + i]) {
                return false;
            }
        }
        return true;
    }
}
