package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code --otlp-endpoint}, a rollback's trace (signal → evaluation → journal → actuation with its
 * read-back) reaches a real OTLP/HTTP receiver started by the test, and the decision's journal record
 * carries its trace id; without it, no trace id is recorded.
 */
class TracingRollbackTest {
    private static final String ALERT = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void aRollbacksTraceReachesTheReceiverAndItsIdIsJournaled() throws Exception {
        Vertx vertx = Vertx.vertx();
        List<Buffer> exports = new CopyOnWriteArrayList<>();
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            HttpServer receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
                if (req.path().equals("/v1/traces")) {
                    exports.add(b);
                }
                req.response().setStatusCode(200).putHeader("Content-Type", "application/x-protobuf").end();
            })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
            String endpoint = "http://127.0.0.1:" + receiver.actualPort();
            try (RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"),
                    null, c -> c.withOtlpEndpoint(endpoint))) {
                d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null);
                Poll.until("rolled back", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0
                        && d.count("checkout", "action", null) == 1);
                JsonObject decision = d.records("checkout").stream().map(o -> ((JsonObject) o).getJsonObject("body"))
                        .filter(b -> "rollback".equals(b.getString("kind"))).findFirst().orElseThrow();
                String traceId = decision.getString("trace_id");
                assertNotNull(traceId, decision.encode());
                assertEquals(32, traceId.length());
                byte[] id = HexFormat.of().parseHex(traceId);
                Poll.until("the trace exported", Duration.ofSeconds(15), () -> text(exports).contains(
                        new String(id, StandardCharsets.ISO_8859_1)) && text(exports).contains("release_pilot.actuate"));
                String all = text(exports);
                for (String span : List.of("release_pilot.decision", "release_pilot.evaluate", "release_pilot.journal",
                        "release_pilot.actuate")) {
                    assertTrue(all.contains(span), "exported " + span);
                }
                assertTrue(all.contains("checkout") && all.contains("paged"), "service and trigger are attributes");
                assertTrue(all.contains("canary1"), "the weights read back are an attribute");
            }
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutAnEndpointNoTraceIdIsRecorded() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"), null)) {
            d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null);
            Poll.until("rolled back", Duration.ofSeconds(10), () -> d.count("checkout", "action", null) == 1);
            JsonObject decision = d.records("checkout").stream().map(o -> ((JsonObject) o).getJsonObject("body"))
                    .filter(b -> "rollback".equals(b.getString("kind"))).findFirst().orElseThrow();
            assertNull(decision.getString("trace_id"), decision.encode());
        }
    }

    private static String text(List<Buffer> exports) {
        StringBuilder b = new StringBuilder();
        exports.forEach(x -> b.append(new String(x.getBytes(), StandardCharsets.ISO_8859_1)));
        return b.toString();
    }
}
