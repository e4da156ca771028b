package dev.releasepilot.ingest.remotewrite;

import dev.releasepilot.http.HttpErrors;
import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.ingest.IngestMetrics;
import dev.releasepilot.ingest.SampleSource;
import dev.releasepilot.window.Appender;
import dev.releasepilot.window.SampleSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.util.Locale;
import org.xerial.snappy.Snappy;

/**
 * {@code POST /api/v1/write}: the Prometheus remote_write 1.0 receiver (PROTOCOLS.md §2).
 *
 * <p>The body is a snappy block-compressed protobuf {@code WriteRequest}. Prometheus drops a batch on
 * any 4xx and re-sends it byte for byte on 5xx, so the statuses are chosen by whether a retry could
 * ever succeed: 400 (bad snappy or protobuf), 413 (over a size limit), 415 (not snappy protobuf) for
 * input that never will; 503 when the sink refuses the samples for now; 204 otherwise, including for
 * metadata-only requests and requests whose samples all fail the pre-filter.
 *
 * <p>Inflating and decoding run inline on the event loop. A 500-sample request (Prometheus' default
 * batch) of known series costs a few hundred µs of CPU when every series is wanted, well under 100 µs
 * when the pre-filter drops most of them (docs/benchmarks.md, "remote_write ingest"); the uncompressed
 * limit bounds the worst case. Handing that to a worker and back would cost more than it saves.
 */
public final class RemoteWriteReceiver {
    public static final String PATH = "/api/v1/write";
    /** Default for the uncompressed size: 160× Prometheus' default 500-sample batch. */
    public static final int DEFAULT_UNCOMPRESSED_LIMIT = 8 * 1024 * 1024;
    /** Label strings remembered per event loop: at most ~2.5 MB each, ample for 100k series' distinct values. */
    static final int INTERNED_STRINGS = 16_384;

    private final SampleSink sink;
    private final IngestMetrics metrics;
    private final Counter ingested;
    private final long bodyLimit;
    private final int uncompressedLimit;
    /** Series remembered by their encoded labels per event loop (12 bytes a slot; the key bytes are shared). */
    static final int CACHED_SERIES = 1 << 21;
    /** Inflated bodies up to this size reuse one buffer per event loop; larger ones get their own. */
    private static final int REUSED_BUFFER = 1 << 20;

    /**
     * One per event-loop thread: the decoder with its interning table, series cache and arrays, and the
     * buffer bodies are inflated into. Everything a request decodes is copied out before it answers,
     * so the next request on the loop may reuse all of it, with no locks.
     */
    private static final class LoopState {
        final WriteRequestDecoder decoder = new WriteRequestDecoder(new LabelInterner(INTERNED_STRINGS),
                new SeriesCache(CACHED_SERIES));
        byte[] inflated = new byte[64 * 1024];
    }

    private final ThreadLocal<LoopState> loops = ThreadLocal.withInitial(LoopState::new);

    /**
     * @param bodyLimit         largest compressed body accepted (413 above)
     * @param uncompressedLimit largest uncompressed WriteRequest accepted, checked against the length
     *                          snappy declares before anything is inflated (413 above)
     */
    public RemoteWriteReceiver(SampleSink sink, MeterRegistry registry, long bodyLimit, int uncompressedLimit) {
        this.sink = sink;
        this.metrics = new IngestMetrics(registry, "remote_write");
        this.ingested = IngestMetrics.samplesIngested(registry, SampleSource.REMOTE_WRITE);
        this.bodyLimit = bodyLimit;
        this.uncompressedLimit = uncompressedLimit;
        // snappy-java unpacks and loads its native library on first use: do it now, at startup, so the
        // first request does not pay for it on an event loop and a broken install fails here, loudly.
        Snappy.getNativeLibraryVersion();
    }

    public void mount(Router router) {
        // Vert.x Web runs body handlers before user handlers, so the headers are checked after.
        router.post(PATH)
                .handler(BodyHandler.create(false).setBodyLimit(bodyLimit))
                .handler(requireSnappyProtobuf())
                .handler(this::receive)
                .failureHandler(this::bodyTooLarge);
    }

    private Handler<RoutingContext> requireSnappyProtobuf() {
        return ctx -> {
            String ct = ctx.request().getHeader("Content-Type");
            String[] parts = ct == null ? new String[] {""} : ct.split(";");
            if (!parts[0].strip().toLowerCase(Locale.ROOT).equals("application/x-protobuf")) {
                reject(ctx, 415, "content_type", "unsupported content type '" + (ct == null ? "" : ct)
                        + "'; remote_write sends application/x-protobuf");
                return;
            }
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip();
                // Remote write 2.0 announces its message as a parameter; this receiver speaks 1.0 only.
                if (p.startsWith("proto=") && !p.equals("proto=prometheus.WriteRequest")) {
                    reject(ctx, 415, "content_type", "unsupported protobuf message '" + p.substring(6)
                            + "'; this receiver speaks remote_write 1.0 (prometheus.WriteRequest)");
                    return;
                }
            }
            String ce = ctx.request().getHeader("Content-Encoding");
            if (ce == null || !ce.strip().equalsIgnoreCase("snappy")) {
                reject(ctx, 415, "content_encoding", "unsupported content encoding '" + (ce == null ? "" : ce)
                        + "'; remote_write bodies are snappy block-compressed (Content-Encoding: snappy)");
                return;
            }
            ctx.next();
        };
    }

    private void receive(RoutingContext ctx) {
        LoopState loop = loops.get();
        Inflated raw = inflate(ctx, loop);
        if (raw == null) {
            return;
        }
        Appender batch = sink.appender();
        WriteRequestDecoder.Counts counts;
        try {
            counts = loop.decoder.decode(raw.bytes(), raw.length(), sink::wantsMetric, batch);
        } catch (BadInput e) {
            reject(ctx, 400, e.reason(), e.getMessage());
            return;
        }
        metrics.received(counts.total() + counts.histograms());
        ingested.increment(counts.total() + counts.histograms());
        metrics.samplesDropped("unmatched", counts.unmatched());
        metrics.samplesDropped("native_histogram", counts.histograms());
        if (counts.appended() == 0) {
            ctx.response().setStatusCode(204).end(); // an untouched batch needs no commit
            return;
        }
        batch.commit().onComplete(ar -> {
            if (ar.failed() && !(ar.cause() instanceof dev.releasepilot.window.StoreOverLimit)) {
                reject(ctx, 503, "unavailable", "samples not taken, retry later: " + ar.cause().getMessage());
            } else {
                // Over the series limit the store kept what it could and counted the rest
                // (samples_dropped_total{reason="limit"}). A 503 would make Prometheus re-send the same
                // batch forever while the store stays full, stalling that shard for every other series.
                ctx.response().setStatusCode(204).end();
            }
        });
    }

    /** An inflated WriteRequest: {@code bytes[0, length)}. */
    private record Inflated(byte[] bytes, int length) {
    }

    /**
     * Inflates the body into the loop's buffer (grown up to {@link #REUSED_BUFFER}) or, when larger, into
     * one of its own; null after answering 400/413. The length snappy declares is checked against the
     * limit before any memory is allocated for it.
     */
    private Inflated inflate(RoutingContext ctx, LoopState loop) {
        Buffer body = ctx.body().buffer();
        if (body == null || body.length() == 0) {
            reject(ctx, 400, "bad_snappy", "empty body; expected a snappy-compressed WriteRequest");
            return null;
        }
        byte[] compressed = body.getBytes();
        int declared;
        try {
            declared = Snappy.uncompressedLength(compressed);
        } catch (IOException e) {
            reject(ctx, 400, "bad_snappy", "body is not snappy block format: cannot read its uncompressed length");
            return null;
        }
        if (declared > uncompressedLimit) {
            reject(ctx, 413, "too_large", "uncompressed WriteRequest of " + declared
                    + " bytes is larger than the limit of " + uncompressedLimit + " bytes; lower max_samples_per_send");
            return null;
        }
        byte[] raw;
        if (declared <= REUSED_BUFFER) {
            if (loop.inflated.length < declared) {
                loop.inflated = new byte[Math.min(REUSED_BUFFER, Integer.highestOneBit(declared) << 1)];
            }
            raw = loop.inflated;
        } else {
            raw = new byte[declared];
        }
        try {
            if (Snappy.uncompress(compressed, 0, compressed.length, raw, 0) == declared) {
                return new Inflated(raw, declared);
            }
        } catch (IOException e) {
            // answered below
        }
        reject(ctx, 400, "bad_snappy", "body is not valid snappy block format (framed snappy is not accepted)");
        return null;
    }

    /** BodyHandler fails the route with 413 when the compressed body exceeds the limit. */
    private void bodyTooLarge(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            reject(ctx, 413, "too_large", "request body larger than " + bodyLimit + " bytes; lower max_samples_per_send");
        } else {
            ctx.next();
        }
    }

    private void reject(RoutingContext ctx, int status, String reason, String message) {
        metrics.rejected(reason);
        HttpErrors.send(ctx, status, message, null);
    }
}
