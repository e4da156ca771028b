package dev.releasepilot.ingest.remotewrite;


import dev.releasepilot.ingest.BadInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.window.Labels;
import dev.releasepilot.window.ListAppender;
import dev.releasepilot.window.Sample;
import io.vertx.core.Future;
import java.util.function.Predicate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WriteRequestDecoderTest {
    private static final long T = 1_700_000_000_000L;

    /** What one request decoded to: the samples appended, and the decoder's counts. */
    private record Decoded(List<Sample> samples, int total, int unmatched, int histograms) {
    }

    private static Decoded decode(byte[] body) throws BadInput {
        return decode(body, name -> true);
    }

    private static Decoded decode(byte[] body, Predicate<String> wantsMetric) throws BadInput {
        List<Sample> out = new ArrayList<>();
        ListAppender appender = new ListAppender(batch -> {
            out.addAll(batch);
            return Future.succeededFuture();
        });
        WriteRequestDecoder.Counts c = new WriteRequestDecoder(new LabelInterner(64), new SeriesCache(1024))
                .decode(body, body.length, wantsMetric, appender);
        appender.commit();
        return new Decoded(out, c.total(), c.unmatched(), c.histograms());
    }

    @Test
    void decodesSeriesTheWayPrometheusSendsThem() throws BadInput {
        byte[] body = new WriteRequestBuilder()
                .sample(T, 10, "__name__", "rp_requests_total", "code", "200", "job", "app", "replica", "r1")
                .sample(T + 1000, 11, "__name__", "rp_requests_total", "code", "200", "job", "app", "replica", "r1")
                .sample(T, 0.25, "__name__", "rp_latency_seconds", "job", "app")
                .build();

        Decoded d = decode(body);

        assertEquals(3, d.total());
        assertEquals(0, d.unmatched());
        Labels requests = Labels.ofSortedPairs("__name__", "rp_requests_total", "code", "200", "job", "app", "replica", "r1");
        assertEquals(List.of(new Sample(requests, T, 10), new Sample(requests, T + 1000, 11),
                new Sample(Labels.ofSortedPairs("__name__", "rp_latency_seconds", "job", "app"), T, 0.25)), d.samples());
        assertEquals("rp_requests_total", d.samples().get(0).labels().metricName());
    }

    @Test
    void preFilterDropsUnwantedSeriesAndIsAskedOncePerName() throws BadInput {
        WriteRequestBuilder b = new WriteRequestBuilder();
        for (int i = 0; i < 50; i++) {
            b.sample(T + i, i, "__name__", "up", "instance", "i" + i);
            b.sample(T + i, i, "__name__", "rp_requests_total", "instance", "i" + i);
        }
        byte[] body = b.build();
        List<String> asked = new ArrayList<>();

        Decoded d = decode(body, name -> {
            asked.add(name);
            return name.startsWith("rp_");
        });

        assertEquals(List.of("up", "rp_requests_total"), asked);
        assertEquals(100, d.total());
        assertEquals(50, d.unmatched());
        assertEquals(50, d.samples().size());
        assertTrue(d.samples().stream().allMatch(s -> s.labels().metricName().equals("rp_requests_total")));
    }

    @Test
    void seriesWithoutAMetricNameAreUnmatched() throws BadInput {
        byte[] body = new WriteRequestBuilder().sample(T, 1, "job", "app").build();
        Decoded d = decode(body);
        assertEquals(1, d.unmatched());
        assertTrue(d.samples().isEmpty());
    }

    @Test
    void negativeTimestampsAreTenByteVarints() throws BadInput {
        ProtoWriter sample = new ProtoWriter().doubleField(1, 1.5).varint(2, -1);
        assertEquals(1 + 8 + 1 + 10, sample.toBytes().length);
        byte[] body = new WriteRequestBuilder()
                .series(new ProtoWriter().message(1, WriteRequestBuilder.label("__name__", "m")).message(2, sample))
                .sample(Long.MIN_VALUE, 2, "__name__", "m")
                .build();

        List<Sample> s = decode(body).samples();

        assertEquals(-1, s.get(0).timestampMs());
        assertEquals(1.5, s.get(0).value());
        assertEquals(Long.MIN_VALUE, s.get(1).timestampMs());
    }

    @Test
    void fieldsMayComeInAnyOrderAndTheLastSingularValueWins() throws BadInput {
        ProtoWriter series = new ProtoWriter()
                .message(2, new ProtoWriter().varint(2, T).doubleField(1, 7).doubleField(1, 8)) // timestamp first
                .message(1, new ProtoWriter().string(2, "app").string(1, "job"))             // value before name
                .message(1, WriteRequestBuilder.label("__name__", "m"));
        byte[] body = new ProtoWriter().message(3, new ProtoWriter().varint(1, 1).string(2, "m"))
                .message(1, series).toBytes();

        Sample s = decode(body).samples().get(0);

        assertEquals(Labels.ofSortedPairs("__name__", "m", "job", "app"), s.labels()); // sorted although sent unsorted
        assertEquals(T, s.timestampMs());
        assertEquals(8, s.value());
    }

    @Test
    void skipsUnknownFieldsOfEveryWireType() throws BadInput {
        ProtoWriter unknowns = new ProtoWriter().varint(90, -5).fixed64(91, 42).fixed32(92, 7)
                .string(93, "x").group(94, new ProtoWriter().varint(1, 1).group(2, new ProtoWriter().string(3, "y")));
        ProtoWriter label = WriteRequestBuilder.label("__name__", "m").raw(unknowns.toBytes());
        ProtoWriter sample = WriteRequestBuilder.sample(3, T).raw(unknowns.toBytes());
        ProtoWriter exemplar = new ProtoWriter().message(1, WriteRequestBuilder.label("trace_id", "abc"))
                .doubleField(2, 1).varint(3, T);
        ProtoWriter series = new ProtoWriter().message(1, label).raw(unknowns.toBytes()).message(3, exemplar)
                .message(2, sample);
        byte[] body = new ProtoWriter().raw(unknowns.toBytes()).varint(2, 1) // reserved 2
                .message(1, series).raw(unknowns.toBytes()).toBytes();

        Decoded d = decode(body);

        assertEquals(List.of(new Sample(Labels.ofSortedPairs("__name__", "m"), T, 3)), d.samples());
    }

    @Test
    void aKnownFieldWithTheWrongWireTypeIsSkippedLikeAnUnknownOne() throws BadInput {
        // protobuf's rule: the value was not written by a schema that agrees with ours, so it is not ours.
        ProtoWriter sample = new ProtoWriter().varint(1, 99).varint(2, T);
        byte[] body = new WriteRequestBuilder()
                .series(new ProtoWriter().message(1, WriteRequestBuilder.label("__name__", "m")).message(2, sample)).build();
        assertEquals(0.0, decode(body).samples().get(0).value());
    }

    @Test
    void nativeHistogramsWithPackedAndUnpackedRepeatedFieldsAreSkippedAndCounted() throws BadInput {
        ProtoWriter packed = new ProtoWriter().varint(1, 5).doubleField(3, 1.5).varint(4, 3)
                .message(11, new ProtoWriter().varint(1, 0).varint(2, 2))
                .packedVarints(12, 2, 1)                                   // positive_deltas, packed (zigzag 1, -1)
                .varint(15, T);
        ProtoWriter unpacked = new ProtoWriter().varint(1, 5).doubleField(3, 1.5)
                .varint(12, 2).varint(12, 1)                               // the same deltas, unpacked
                .fixed64(13, Double.doubleToRawLongBits(1)).fixed64(13, 0) // counts, unpacked doubles
                .varint(15, T);
        ProtoWriter series = new ProtoWriter().message(1, WriteRequestBuilder.label("__name__", "h"))
                .message(4, packed).message(2, WriteRequestBuilder.sample(9, T)).message(4, unpacked);

        Decoded d = decode(new WriteRequestBuilder().series(series).build());

        assertEquals(2, d.histograms());
        assertEquals(1, d.total());
        assertEquals(List.of(new Sample(Labels.ofSortedPairs("__name__", "h"), T, 9)), d.samples());
    }

    @Test
    void severalSamplesInOneSeriesShareItsLabels() throws BadInput {
        ProtoWriter series = new ProtoWriter().message(1, WriteRequestBuilder.label("__name__", "m"))
                .message(2, WriteRequestBuilder.sample(1, T)).message(2, WriteRequestBuilder.sample(2, T + 1));
        List<Sample> s = decode(new WriteRequestBuilder().series(series).build()).samples();
        assertEquals(2, s.size());
        assertTrue(s.get(0).labels() == s.get(1).labels());
        assertEquals(2, s.get(1).value());
    }

    @Test
    void keepsTheStaleMarkerBitsExactly() throws BadInput {
        double stale = Double.longBitsToDouble(Sample.STALE_NAN_BITS);
        double goNaN = Double.longBitsToDouble(0x7ff8000000000001L);
        byte[] body = new WriteRequestBuilder().sample(T, stale, "__name__", "m").sample(T + 1, goNaN, "__name__", "m").build();
        List<Sample> s = decode(body).samples();
        assertTrue(s.get(0).isStaleMarker());
        assertFalse(s.get(1).isStaleMarker());
        assertTrue(Double.isNaN(s.get(1).value()));
    }

    @Test
    void metadataOnlyRequestHasNoSamples() throws BadInput {
        byte[] body = new WriteRequestBuilder().metadata(1, "rp_requests_total", "Requests.").build();
        Decoded d = decode(body);
        assertEquals(0, d.total());
        assertTrue(d.samples().isEmpty());
    }

    @Test
    void emptyRequestIsValidAndEmpty() throws BadInput {
        assertEquals(0, decode(new byte[0]).total());
    }

    @Test
    void keepsUtf8LabelValues() throws BadInput {
        byte[] body = new WriteRequestBuilder().sample(T, 1, "__name__", "m", "city", "Zürich ✓").build();
        assertEquals("Zürich ✓", decode(body).samples().get(0).labels().get("city"));
    }

    @Test
    void rejectsBrokenEncodingsWithAPosition() {
        byte[] good = new WriteRequestBuilder().sample(T, 1, "__name__", "m").build();
        Map<String, byte[]> broken = Map.of(
                "truncated", java.util.Arrays.copyOf(good, good.length - 3),
                "length past end", new ProtoWriter().tag(1, 2).rawVarint(100).raw((byte) 1).toBytes(),
                "wire type 6", new ProtoWriter().tag(1, 6).toBytes(),
                "wire type 7", new ProtoWriter().tag(5, 7).raw((byte) 0).toBytes(),
                "11-byte varint", new ProtoWriter().tag(9, 0).raw(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1}).toBytes(),
                "unterminated group", new ProtoWriter().tag(9, 3).varint(1, 1).toBytes(),
                "stray end group", new ProtoWriter().tag(9, 4).toBytes(),
                "field number 0", new ProtoWriter().raw((byte) 0, (byte) 0).toBytes(),
                "not protobuf at all", "{\"timeseries\": []}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        broken.forEach((what, body) -> {
            BadInput e = assertThrows(BadInput.class, () -> decode(body), what);
            assertEquals("malformed", e.reason(), what);
            assertTrue(e.getMessage().startsWith("malformed protobuf WriteRequest: "), what + ": " + e.getMessage());
        });
    }
}
