package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole history through {@code GET /api/v1/decisions}: pages walked with {@code next}, the same
 * after a restart (then read from the segments, not memory), {@code limit} and {@code since} as before.
 */
class DecisionsPagingTest {
    @TempDir
    Path tmp;

    @Test
    void pagesWalkTheWholeHistoryBeforeAndAfterARestart() {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), FreePort.get(), FreePort.get()).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            Path data = tmp.resolve("data");
            List<Long> all;
            try (RunningDaemon d = RunningDaemon.start(rules, data, null)) {
                for (int i = 0; i < 12; i++) {
                    String body = Payloads.firing("CheckoutErrors", String.format("%016x", 0x1000 + i),
                            "2026-11-23T10:%02d:00Z".formatted(i));
                    assertEquals(200, d.post("/api/v1/alerts/alertmanager", "application/json", body, null).statusCode());
                }
                Poll.until("the rollback journaled", Duration.ofSeconds(10), () -> haproxy.weight("canary1") == 0
                        && d.get("/api/v1/decisions?service=checkout").body().contains("\"type\":\"action\""));
                JsonArray newest = page(d, "/api/v1/decisions?service=checkout").getJsonArray("records");
                all = seqs(newest);
                assertEquals(14, all.size(), "12 alerts, the decision and the action: " + newest.encode());
                assertEquals(all, walk(d, 5), "pages of 5 from memory give the whole history");
                JsonObject one = page(d, "/api/v1/decisions?service=checkout&limit=1");
                assertEquals(List.of(all.get(all.size() - 1)), seqs(one.getJsonArray("records")));
                assertEquals(all.get(all.size() - 1), one.getLong("next"));
            }
            try (RunningDaemon d = RunningDaemon.start(rules, data, null)) {
                assertEquals(all, walk(d, 5), "after a restart, from the segments; snapshots left out");
                assertEquals(all, walk(d, 1));
                JsonObject later = page(d, "/api/v1/decisions?service=checkout&since=2100-01-01T00:00:00Z");
                assertEquals(0, later.getJsonArray("records").size());
                assertNull(later.getValue("next"), "since cut the page: no older page is offered");
                assertEquals(List.of(), seqs(page(d, "/api/v1/decisions?service=search").getJsonArray("records")));
                for (String bad : List.of("before=x", "before=0", "limit=-1", "limit=x")) {
                    HttpResponse<String> r = d.get("/api/v1/decisions?" + bad);
                    assertEquals(400, r.statusCode(), bad + ": " + r.body());
                    assertTrue(new JsonObject(r.body()).getString("error").contains("bad query parameter"), r.body());
                }
            }
        }
    }

    private static List<Long> walk(RunningDaemon d, int limit) {
        List<Long> seqs = new ArrayList<>();
        String before = "";
        for (int pages = 0; pages < 100; pages++) {
            JsonObject p = page(d, "/api/v1/decisions?service=checkout&limit=" + limit + before);
            List<Long> s = seqs(p.getJsonArray("records"));
            assertTrue(s.size() <= limit);
            seqs.addAll(0, s);
            Long next = p.getLong("next");
            if (next == null) {
                return seqs;
            }
            before = "&before=" + next;
        }
        throw new AssertionError("more than 100 pages");
    }

    private static JsonObject page(RunningDaemon d, String path) {
        HttpResponse<String> r = d.get(path);
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    private static List<Long> seqs(JsonArray records) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            out.add(records.getJsonObject(i).getLong("seq"));
        }
        return out;
    }
}
