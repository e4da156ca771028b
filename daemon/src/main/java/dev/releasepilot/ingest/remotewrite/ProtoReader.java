package dev.releasepilot.ingest.remotewrite;


import dev.releasepilot.ingest.BadInput;
/**
 * A cursor over protobuf wire bytes: just the primitives the remote_write decoder needs (varints,
 * fixed64, length-delimited slices) and skipping any field by its wire type. Every read is bounds
 * checked against {@link #limit}; a truncated or impossible encoding throws {@link BadInput}.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;

    /** Deeper nesting than this in skipped groups is refused rather than recursed into. */
    private static final int MAX_GROUP_DEPTH = 32;

    final byte[] buf;
    int pos;
    int limit;

    ProtoReader(byte[] buf, int pos, int limit) {
        this.buf = buf;
        this.pos = pos;
        this.limit = limit;
    }

    boolean more() {
        return pos < limit;
    }

    /** The next field key (field number << 3 | wire type). */
    int readTag() throws BadInput {
        long tag = readVarint();
        if (tag >>> 3 == 0 || tag > Integer.MAX_VALUE) {
            throw malformed("invalid field key " + tag + " at byte " + pos);
        }
        return (int) tag;
    }

    /** Up to 10 bytes; negative int64 values are always 10 bytes long on the wire. */
    long readVarint() throws BadInput {
        if (pos < limit && buf[pos] >= 0) {
            return buf[pos++]; // one byte: nearly every tag and length in remote_write
        }
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= limit) {
                throw malformed("truncated varint at byte " + pos);
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw malformed("varint longer than 10 bytes at byte " + pos);
    }

    long readFixed64() throws BadInput {
        if (limit - pos < 8) {
            throw malformed("truncated fixed64 at byte " + pos);
        }
        long v = (buf[pos] & 0xffL)
                | (buf[pos + 1] & 0xffL) << 8
                | (buf[pos + 2] & 0xffL) << 16
                | (buf[pos + 3] & 0xffL) << 24
                | (buf[pos + 4] & 0xffL) << 32
                | (buf[pos + 5] & 0xffL) << 40
                | (buf[pos + 6] & 0xffL) << 48
                | (buf[pos + 7] & 0xffL) << 56;
        pos += 8;
        return v;
    }

    /** Reads a length prefix and returns the end offset of the slice that follows, checked against the limit. */
    int readLengthDelimitedEnd() throws BadInput {
        long len = readVarint();
        if (len < 0 || len > limit - pos) {
            throw malformed("length " + len + " at byte " + pos + " runs past the end of its message");
        }
        return pos + (int) len;
    }

    /** Skips the value of a field whose key was just read, whatever its wire type (unknown fields). */
    void skip(int tag) throws BadInput {
        skip(tag, 0);
    }

    private void skip(int tag, int depth) throws BadInput {
        switch (tag & 7) {
            case VARINT:
                readVarint();
                break;
            case FIXED64:
                skipBytes(8);
                break;
            case LENGTH_DELIMITED:
                pos = readLengthDelimitedEnd();
                break;
            case START_GROUP:
                skipGroup(tag >>> 3, depth);
                break;
            case FIXED32:
                skipBytes(4);
                break;
            default:
                throw malformed("unexpected wire type " + (tag & 7) + " at byte " + pos);
        }
    }

    /** Proto2 groups are long deprecated, but skipping one correctly is cheap. */
    private void skipGroup(int field, int depth) throws BadInput {
        if (depth >= MAX_GROUP_DEPTH) {
            throw malformed("groups nested deeper than " + MAX_GROUP_DEPTH);
        }
        while (true) {
            if (!more()) {
                throw malformed("unterminated group " + field);
            }
            int tag = readTag();
            if ((tag & 7) == END_GROUP) {
                if (tag >>> 3 != field) {
                    throw malformed("group " + field + " closed by end-group " + (tag >>> 3));
                }
                return;
            }
            skip(tag, depth + 1);
        }
    }

    private void skipBytes(int n) throws BadInput {
        if (limit - pos < n) {
            throw malformed("truncated field at byte " + pos);
        }
        pos += n;
    }

    static BadInput malformed(String message) {
        return new BadInput("malformed", "malformed protobuf WriteRequest: " + message);
    }
}
