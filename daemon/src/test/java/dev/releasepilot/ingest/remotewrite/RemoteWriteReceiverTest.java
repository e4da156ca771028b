package dev.releasepilot.ingest.remotewrite;


import dev.releasepilot.ingest.RecordingSink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hand-built bodies against the receiver over real HTTP: every status the receiver can answer. */
class RemoteWriteReceiverTest {
    private static final long T = 1_700_000_000_000L;
    private static final int BODY_LIMIT = 64 * 1024;
    private static final int UNCOMPRESSED_LIMIT = 256 * 1024;

    private static final RecordingSink sink = new RecordingSink(name -> name.startsWith("rp_"));
    private static ReceiverServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = new ReceiverServer(sink, BODY_LIMIT, UNCOMPRESSED_LIMIT);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @BeforeEach
    void reset() {
        sink.clear();
        sink.refuse(false);
    }

    private HttpResponse<String> post(byte[] body, String contentType, String encoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (encoding != null) {
            b.header("Content-Encoding", encoding);
        }
        b.header("X-Prometheus-Remote-Write-Version", "0.1.0");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(byte[] snappyBody) throws Exception {
        return post(snappyBody, "application/x-protobuf", "snappy");
    }

    private static String error(HttpResponse<String> r) {
        return new JsonObject(r.body()).getString("error");
    }

    private double rejected(String reason) {
        return server.counter("release_pilot_signals_rejected_total", "source", "remote_write", "reason", reason);
    }

    @Test
    void acceptsAWriteRequestWith204AndHandsOnTheWantedSamples() throws Exception {
        double receivedBefore = server.counter("release_pilot_signals_received_total", "source", "remote_write");
        double unmatchedBefore = server.counter("release_pilot_samples_dropped_total", "reason", "unmatched");
        double ingestedBefore = server.counter("release_pilot_samples_ingested_total", "source", "remote_write");
        byte[] body = new WriteRequestBuilder()
                .sample(T, 5, "__name__", "rp_requests_total", "code", "500", "job", "app")
                .sample(T, 1, "__name__", "up", "job", "app")
                .sample(T + 1000, 6, "__name__", "rp_requests_total", "code", "500", "job", "app")
                .snappy();

        HttpResponse<String> r = post(body);

        assertEquals(204, r.statusCode(), r.body());
        assertEquals("", r.body());
        Labels l = Labels.ofSortedPairs("__name__", "rp_requests_total", "code", "500", "job", "app");
        assertEquals(List.of(new Sample(l, T, 5), new Sample(l, T + 1000, 6)), sink.samples());
        assertEquals(3, server.counter("release_pilot_signals_received_total", "source", "remote_write") - receivedBefore);
        assertEquals(1, server.counter("release_pilot_samples_dropped_total", "reason", "unmatched") - unmatchedBefore);
        assertEquals(3, server.counter("release_pilot_samples_ingested_total", "source", "remote_write") - ingestedBefore,
                "every decoded sample, the unwanted one too");
        assertTrue(sink.acceptThreads().stream().allMatch(t -> t.getName().startsWith("vert.x-eventloop")),
                "decoded and handed over on the event loop");
    }

    @Test
    void contentTypeWithParametersIsAccepted() throws Exception {
        byte[] body = new WriteRequestBuilder().sample(T, 1, "__name__", "rp_x").snappy();
        assertEquals(204, post(body, "application/x-protobuf; proto=prometheus.WriteRequest", "snappy").statusCode());
        assertEquals(1, sink.samples().size());
    }

    @Test
    void metadataOnlyRequestGets204() throws Exception {
        int callsBefore = sink.acceptThreads().size();
        HttpResponse<String> r = post(new WriteRequestBuilder().metadata(1, "rp_requests_total", "Requests.").snappy());
        assertEquals(204, r.statusCode(), r.body());
        assertEquals(callsBefore, sink.acceptThreads().size(), "nothing to hand over");
    }

    @Test
    void requestWithOnlyUnwantedSeriesGets204WithoutBotheringTheSink() throws Exception {
        int callsBefore = sink.acceptThreads().size();
        HttpResponse<String> r = post(new WriteRequestBuilder().sample(T, 1, "__name__", "up").snappy());
        assertEquals(204, r.statusCode());
        assertEquals(callsBefore, sink.acceptThreads().size());
    }

    @Test
    void badSnappyIs400() throws Exception {
        double before = rejected("bad_snappy");
        // A plausible length header followed by a copy that refers before the start of the output.
        HttpResponse<String> r = post(new byte[] {10, 0x05, 0x7f, 0x01, 0x02});
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(error(r).contains("snappy"), r.body());
        assertEquals(1, rejected("bad_snappy") - before);
    }

    @Test
    void framedSnappyIs400() throws Exception {
        byte[] framed = {(byte) 0xff, 0x06, 0x00, 0x00, 's', 'N', 'a', 'P', 'p', 'Y', 0x01, 0x05, 0, 0, 0, 0, 0, 0, 0};
        HttpResponse<String> r = post(framed);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(error(r).contains("snappy"), r.body());
    }

    @Test
    void emptyBodyIs400() throws Exception {
        HttpResponse<String> r = post(new byte[0]);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(error(r).contains("empty body"), r.body());
    }

    @Test
    void badProtobufIs400() throws Exception {
        double before = rejected("malformed");
        byte[] good = new WriteRequestBuilder().sample(T, 1, "__name__", "rp_x").build();
        HttpResponse<String> r = post(WriteRequestBuilder.compress(Arrays.copyOf(good, good.length - 4)));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(error(r).startsWith("malformed protobuf WriteRequest: "), r.body());
        assertEquals(1, rejected("malformed") - before);
        assertTrue(sink.samples().isEmpty(), "nothing from a rejected request is kept");
    }

    @Test
    void compressedBodyOverTheLimitIs413() throws Exception {
        double before = rejected("too_large");
        byte[] big = new byte[BODY_LIMIT + 1];
        new java.util.Random(1).nextBytes(big); // incompressible, so the compressed body stays big
        HttpResponse<String> r = post(WriteRequestBuilder.compress(big));
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(error(r).contains("larger than " + BODY_LIMIT), r.body());
        assertEquals(1, rejected("too_large") - before);
    }

    @Test
    void declaredUncompressedLengthOverTheLimitIs413BeforeInflating() throws Exception {
        // The header claims 1 GiB; the rest is garbage that would fail to inflate, so 413 proves the
        // length was checked first.
        byte[] body = new ProtoWriter().rawVarint(1L << 30).raw(new byte[] {0x05, 0x7f, 0x01}).toBytes();
        HttpResponse<String> r = post(body);
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(error(r).contains("1073741824 bytes is larger than the limit of " + UNCOMPRESSED_LIMIT), r.body());
    }

    @Test
    void realisticRequestJustUnderTheUncompressedLimitIsAccepted() throws Exception {
        WriteRequestBuilder b = new WriteRequestBuilder();
        int n = 0;
        while (b.build().length < UNCOMPRESSED_LIMIT - 200) {
            b.sample(T, n, "__name__", "rp_bulk", "instance", "host-" + n++);
        }
        assertEquals(204, post(b.snappy()).statusCode());
        assertEquals(n, sink.samples().size());
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        double before = rejected("content_type");
        byte[] body = new WriteRequestBuilder().sample(T, 1, "__name__", "rp_x").snappy();
        for (String ct : new String[] {"application/json", "application/x-www-form-urlencoded", null,
                "application/x-protobuf;proto=io.prometheus.write.v2.Request"}) {
            HttpResponse<String> r = post(body, ct, "snappy");
            assertEquals(415, r.statusCode(), ct + ": " + r.body());
            assertTrue(error(r).contains("application/x-protobuf") || error(r).contains("remote_write 1.0"), r.body());
        }
        assertEquals(4, rejected("content_type") - before);
        assertTrue(sink.samples().isEmpty());
    }

    @Test
    void contentEncodingOtherThanSnappyIs415WithAClearMessage() throws Exception {
        double before = rejected("content_encoding");
        byte[] body = new WriteRequestBuilder().sample(T, 1, "__name__", "rp_x").snappy();
        for (String ce : new String[] {null, "gzip", "identity"}) {
            HttpResponse<String> r = post(body, "application/x-protobuf", ce);
            assertEquals(415, r.statusCode(), ce + ": " + r.body());
            assertTrue(error(r).contains("Content-Encoding: snappy"), r.body());
        }
        assertEquals(3, rejected("content_encoding") - before);
    }

    @Test
    void sinkRefusalIs503SoPrometheusRetries() throws Exception {
        double before = rejected("unavailable");
        sink.refuse(true);
        HttpResponse<String> r = post(new WriteRequestBuilder().sample(T, 1, "__name__", "rp_x").snappy());
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(error(r).contains("store full"), r.body());
        assertEquals(1, rejected("unavailable") - before);
        sink.refuse(false);
        assertEquals(204, post(new WriteRequestBuilder().sample(T, 1, "__name__", "rp_x").snappy()).statusCode());
    }
}
