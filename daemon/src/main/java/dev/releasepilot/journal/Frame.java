package dev.releasepilot.journal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The on-disk frame (format 2): one group of records written atomically.
 * <pre>
 *   offset size
 *     0     4   sync marker 0xFF 'R' 'P' 'J'   (0xFF never occurs in UTF-8, so never inside a payload)
 *     4     4   payload length in bytes, 1 .. {@link #MAX_PAYLOAD}
 *     8     8   seq of the group's first record
 *    16     2   number of records in the group, 1 .. 65535; they have consecutive seqs
 *    18     2   flags: bit 0 = the group is a snapshot (readers of history skip it undecoded)
 *    20     4   CRC-32C of the payload
 *    24     4   CRC-32C of bytes 0..23 (so a flipped length is caught before it is trusted)
 *    28     n   payload: a JSON array of the group's records, UTF-8
 * </pre>
 * Big-endian. A reader that meets anything else at a position searches forward for the next marker
 * whose header checksum holds ({@link FrameScanner}), so damage costs only the frames it touches.
 */
final class Frame {
    static final int HEADER = 28;
    static final int MAX_PAYLOAD = 1 << 24;
    static final int MAX_COUNT = 0xFFFF;
    static final int FLAG_SNAPSHOT = 1;
    static final byte[] MARKER = {(byte) 0xFF, 'R', 'P', 'J'};
    private static final int MARKER_INT = ByteBuffer.wrap(MARKER).getInt();

    private Frame() {
    }

    /** Header fields of a frame whose header checksum holds. */
    record Header(int length, long firstSeq, int count, int flags, int payloadCrc) {
        long lastSeq() {
            return firstSeq + count - 1;
        }

        boolean snapshot() {
            return (flags & FLAG_SNAPSHOT) != 0;
        }
    }

    static ByteBuffer encode(long firstSeq, int count, int flags, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length).order(ByteOrder.BIG_ENDIAN);
        b.put(MARKER).putInt(payload.length).putLong(firstSeq).putShort((short) count).putShort((short) flags)
                .putInt(crc(payload, 0, payload.length));
        b.putInt(crc(b.array(), 0, 24));
        b.put(payload).flip();
        return b;
    }

    /**
     * Reads the header at {@code pos} of {@code buf} (absolute positions), or null when there is no
     * valid header there: no marker, a header checksum that fails, or an impossible length or count.
     */
    static Header header(ByteBuffer buf, int pos) {
        if (buf.limit() - pos < HEADER || buf.getInt(pos) != MARKER_INT) {
            return null;
        }
        CRC32C c = new CRC32C();
        c.update(buf.slice(pos, 24));
        if ((int) c.getValue() != buf.getInt(pos + 24)) {
            return null;
        }
        int len = buf.getInt(pos + 4);
        long first = buf.getLong(pos + 8);
        int count = Short.toUnsignedInt(buf.getShort(pos + 16));
        int flags = Short.toUnsignedInt(buf.getShort(pos + 18));
        if (len <= 0 || len > MAX_PAYLOAD || count == 0 || first <= 0) {
            return null;
        }
        return new Header(len, first, count, flags, buf.getInt(pos + 20));
    }

    static boolean payloadIntact(ByteBuffer buf, int payloadPos, Header h) {
        CRC32C c = new CRC32C();
        c.update(buf.slice(payloadPos, h.length()));
        return (int) c.getValue() == h.payloadCrc();
    }

    static int crc(byte[] bytes, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(bytes, off, len);
        return (int) c.getValue();
    }

    static boolean isMarkerStart(byte b) {
        return b == MARKER[0];
    }
}
