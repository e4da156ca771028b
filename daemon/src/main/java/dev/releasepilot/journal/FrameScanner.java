package dev.releasepilot.journal;

import java.nio.ByteBuffer;

/**
 * Walks the frames of one segment held in a buffer, re-synchronising past damage: where no valid
 * frame starts, it searches forward for the next sync marker whose header checksum holds. A frame
 * whose header holds but whose payload does not is skipped by its (checksummed) length. So a flipped
 * bit costs the frame it hit, and a damaged length costs nothing more than its own frame.
 */
final class FrameScanner {
    private FrameScanner() {
    }

    interface Visitor {
        /** An intact frame at {@code offset}; {@code payload} is a read-only view of its payload. */
        void frame(int offset, Frame.Header header, ByteBuffer payload);

        /**
         * Bytes that are no intact frame. {@code tail} is true when they run to the end of the buffer
         * (a write cut short, or damage at the end), false when an intact frame follows them.
         */
        void damaged(int offset, int length, boolean tail);
    }

    /** Scans {@code buf} (position 0 .. limit) from {@code start}; returns the end of the last intact frame. */
    static int scan(ByteBuffer buf, int start, Visitor v) {
        int limit = buf.limit();
        int pos = start;
        int goodEnd = start;
        int damageStart = -1;
        while (pos < limit) {
            Frame.Header h = Frame.header(buf, pos);
            int payloadPos = pos + Frame.HEADER;
            if (h != null && (long) payloadPos + h.length() <= limit) {
                if (Frame.payloadIntact(buf, payloadPos, h)) {
                    if (damageStart >= 0) {
                        v.damaged(damageStart, pos - damageStart, false);
                        damageStart = -1;
                    }
                    v.frame(pos, h, buf.slice(payloadPos, h.length()).asReadOnlyBuffer());
                    pos = payloadPos + h.length();
                    goodEnd = pos;
                    continue;
                }
                // The header is intact, so its length is the frame's: skip exactly this frame.
                if (damageStart < 0) {
                    damageStart = pos;
                }
                pos = payloadPos + h.length();
                continue;
            }
            if (damageStart < 0) {
                damageStart = pos;
            }
            pos = nextMarker(buf, pos + 1, limit);
        }
        if (damageStart >= 0) {
            v.damaged(damageStart, limit - damageStart, true);
        }
        return goodEnd;
    }

    private static int nextMarker(ByteBuffer buf, int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (Frame.isMarkerStart(buf.get(i))) {
                return i;
            }
        }
        return limit;
    }
}
