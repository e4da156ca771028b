package dev.releasepilot.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Poll;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A decision's trace reaches a real OTLP/HTTP receiver started by the test. */
class TracingTest {
    @Test
    void aDecisionsTraceReachesTheOtlpReceiver() throws Exception {
        Vertx vertx = Vertx.vertx();
        List<Buffer> bodies = new CopyOnWriteArrayList<>();
        List<String> contentTypes = new CopyOnWriteArrayList<>();
        try {
            HttpServer receiver = vertx.createHttpServer().requestHandler(req -> {
                if (!req.path().equals("/v1/traces")) {
                    req.response().setStatusCode(404).end();
                    return;
                }
                contentTypes.add(req.getHeader("Content-Type"));
                req.body().onSuccess(b -> {
                    bodies.add(b);
                    req.response().setStatusCode(200).putHeader("Content-Type", "application/x-protobuf").end();
                });
            }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);

            String id;
            try (Tracing tracing = Tracing.otlp("http://127.0.0.1:" + receiver.actualPort(), "test")) {
                long t0 = System.currentTimeMillis() * 1_000_000L;
                Tracing.Trace trace = tracing.decision("checkout", "error-rate", "rollback", t0);
                id = trace.id();
                assertEquals(32, id.length());
                trace.step("evaluate", t0, t0 + 2_000_000, Map.of());
                trace.step("actuate", t0 + 3_000_000, t0 + 9_000_000, Map.of("weights", "canary1=0 stable1=100"));
                trace.end(t0 + 9_000_000, true, "verified");
                tracing.flush(Duration.ofSeconds(10));
            }
            Poll.until("spans exported", Duration.ofSeconds(10), () -> !bodies.isEmpty());
            assertEquals("application/x-protobuf", contentTypes.get(0));
            byte[] all = bodies.stream().map(Buffer::getBytes).reduce(new byte[0], TracingTest::concat);
            String text = new String(all, StandardCharsets.ISO_8859_1);
            for (String expected : List.of("release_pilot.decision", "release_pilot.evaluate", "release_pilot.actuate",
                    "checkout", "error-rate", "canary1=0 stable1=100", "release-pilot")) {
                assertTrue(text.contains(expected), "the export holds " + expected);
            }
            assertTrue(text.contains(new String(HexFormat.of().parseHex(id), StandardCharsets.ISO_8859_1)),
                    "the export carries the trace id the journal records");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void offIsANoOpWithoutATraceId() {
        Tracing off = Tracing.off();
        Tracing.Trace t = off.decision("checkout", "paged", "rollback", 1);
        assertNull(t.id());
        assertSame(t, off.decision("other", "x", "pause", 2), "no allocation per decision when off");
        t.step("actuate", 1, 2, Map.of());
        t.end(3, true, null);
    }

    @Test
    void aBadEndpointIsRefusedWithTheFlagsName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tracing.otlp("127.0.0.1:4318", "x"));
        assertTrue(e.getMessage().contains("--otlp-endpoint"), e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
