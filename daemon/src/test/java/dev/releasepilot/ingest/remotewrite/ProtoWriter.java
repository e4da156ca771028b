package dev.releasepilot.ingest.remotewrite;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protobuf encoder for tests and the benchmark: enough to hand-build WriteRequests,
 * including the odd encodings a decoder must survive (unknown fields, fields out of order, packed
 * and unpacked repeated scalars, groups).
 */
public final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public ProtoWriter varint(int field, long v) {
        tag(field, 0);
        rawVarint(v);
        return this;
    }

    public ProtoWriter fixed64(int field, long bits) {
        tag(field, 1);
        for (int i = 0; i < 8; i++) {
            out.write((int) (bits >>> (8 * i)));
        }
        return this;
    }

    public ProtoWriter fixed32(int field, int bits) {
        tag(field, 5);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i));
        }
        return this;
    }

    public ProtoWriter doubleField(int field, double v) {
        return fixed64(field, Double.doubleToRawLongBits(v));
    }

    public ProtoWriter bytes(int field, byte[] b) {
        tag(field, 2);
        rawVarint(b.length);
        out.write(b, 0, b.length);
        return this;
    }

    public ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    public ProtoWriter message(int field, ProtoWriter m) {
        return bytes(field, m.toBytes());
    }

    /** A proto2 group: start-group key, the contents, end-group key. */
    public ProtoWriter group(int field, ProtoWriter contents) {
        tag(field, 3);
        byte[] b = contents.toBytes();
        out.write(b, 0, b.length);
        tag(field, 4);
        return this;
    }

    /** Packed repeated varints: one length-delimited field holding the values back to back. */
    public ProtoWriter packedVarints(int field, long... values) {
        ProtoWriter inner = new ProtoWriter();
        for (long v : values) {
            inner.rawVarint(v);
        }
        return bytes(field, inner.toBytes());
    }

    /** Raw bytes appended as they are (for truncated or otherwise broken encodings). */
    public ProtoWriter raw(byte... b) {
        out.write(b, 0, b.length);
        return this;
    }

    public ProtoWriter tag(int field, int wireType) {
        rawVarint((long) field << 3 | wireType);
        return this;
    }

    public ProtoWriter rawVarint(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }
}
