package dev.releasepilot.ingest.remotewrite;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.xerial.snappy.Snappy;

/**
 * Builds remote_write 1.0 WriteRequests the way Prometheus 2.42 does (PROTOCOLS.md §2.3): one
 * TimeSeries per sample, labels sorted by name with {@code __name__} among them.
 */
public final class WriteRequestBuilder {
    private final ProtoWriter request = new ProtoWriter();

    /** One TimeSeries with one sample; {@code sortedPairs} are name, value, name, value, ... */
    public WriteRequestBuilder sample(long timestampMs, double value, String... sortedPairs) {
        ProtoWriter series = new ProtoWriter();
        for (int i = 0; i < sortedPairs.length; i += 2) {
            series.message(1, label(sortedPairs[i], sortedPairs[i + 1]));
        }
        series.message(2, sample(value, timestampMs));
        request.message(1, series);
        return this;
    }

    /** A TimeSeries encoded by the caller (for unusual encodings). */
    public WriteRequestBuilder series(ProtoWriter series) {
        request.message(1, series);
        return this;
    }

    /** A MetricMetadata entry (field 3), as Prometheus sends about once a minute. */
    public WriteRequestBuilder metadata(int type, String family, String help) {
        request.message(3, new ProtoWriter().varint(1, type).string(2, family).string(4, help));
        return this;
    }

    public byte[] build() {
        return request.toBytes();
    }

    /** The request as it goes on the wire: snappy block format. */
    public byte[] snappy() {
        return compress(build());
    }

    public static ProtoWriter label(String name, String value) {
        return new ProtoWriter().string(1, name).string(2, value);
    }

    public static ProtoWriter sample(double value, long timestampMs) {
        return new ProtoWriter().doubleField(1, value).varint(2, timestampMs);
    }

    public static byte[] compress(byte[] raw) {
        try {
            return Snappy.compress(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
