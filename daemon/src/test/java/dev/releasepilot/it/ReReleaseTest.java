package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's re-release case, replayed in event time on a real HAProxy: release v1, three minutes
 * of 50 % errors, rollback; the canary is restored and v2 released; after a 90 s gap, three more
 * minutes of 50 % errors must roll back again. A trigger that fired for v1 must not stay FIRING for
 * v2: its {@code for} starts afresh with the new release's samples.
 */
class ReReleaseTest {
    private static final String RULES = """
            services:
              - name: checkout
                backend: {type: haproxy, address: "%s", backend: be_checkout, stable: [stable1], canary: [canary1], timeout: 1s}
                triggers:
                  - name: error-rate
                    expr: sum(rate(http_requests_total{service="checkout",track="canary",code=~"5.."}[1m]))
                          / sum(rate(http_requests_total{service="checkout",track="canary"}[1m])) > 0.02
                    for: 120s
                    requires: sum(increase(http_requests_total{service="checkout",track="canary"}[1m])) >= 20
                on_trigger: rollback
                cooldown: 10m
            """;
    private static final String ADMIN = "admin-token";

    @TempDir
    Path tmp;

    @Test
    void aSecondBadReleaseIsRolledBackToo() throws IOException {
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, RULES.formatted(haproxy.address()));
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), ADMIN)) {
                RemoteWriteFeed feed = new RemoteWriteFeed(d.daemon.port());
                long t0 = (System.currentTimeMillis() - Duration.ofMinutes(20).toMillis()) / 1000 * 1000 + 400;

                release(d, "v1");
                feed(feed, t0, 180);
                Poll.until("v1's canary drained", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
                Poll.until("v1's rollback journaled", Duration.ofSeconds(10), () -> rollbacks(d).size() == 1);
                Instant firstAt = Instant.parse(rollbacks(d).get(0));
                assertFalse(firstAt.isBefore(Instant.ofEpochMilli(t0 + 120_000)), "first rollback at " + firstAt);

                // The deploy tool restores the canary and announces v2; its samples start 90 s later, from a
                // fresh process (counters from 0).
                haproxy.command("set server be_checkout/canary1 weight 10");
                release(d, "v2");
                long t1 = t0 + 180_000 + 90_000;
                feed(feed, t1, 180);
                Poll.until("v2's canary drained", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
                Poll.until("v2's rollback journaled", Duration.ofSeconds(10), () -> rollbacks(d).size() == 2);
                // v2's `for` ran on v2's samples only: 120 s of them, not what was left of v1's episode.
                Instant secondAt = Instant.parse(rollbacks(d).get(1));
                assertTrue(!secondAt.isBefore(Instant.ofEpochMilli(t1 + 120_000)), "second rollback at " + secondAt);
                assertEquals("ROLLED_BACK", d.service("checkout").getString("state"));
            }
        }
    }

    /** {@code seconds} scrapes from {@code start} of a canary failing half its 40 requests a second. */
    private static void feed(RemoteWriteFeed feed, long start, int seconds) {
        for (int s = 0; s < seconds; s++) {
            feed.write(HealthyNeighbourTest.counters("checkout", start + s * 1000L, 20.0 * (s + 1), 20.0 * (s + 1)));
        }
    }

    private static void release(RunningDaemon d, String version) {
        var r = d.post("/api/v1/services/checkout/releases", "application/json",
                new JsonObject().put("version", version).put("canary_weight", 10).encode(), ADMIN);
        assertEquals(200, r.statusCode(), r.body());
    }

    /** The evidence event times of the journaled rollback decisions, oldest first. */
    private static List<String> rollbacks(RunningDaemon d) {
        List<String> out = new ArrayList<>();
        for (Object o : d.records("checkout")) {
            JsonObject r = (JsonObject) o;
            if (r.getString("type").equals("decision") && "rollback".equals(r.getJsonObject("body").getString("kind"))) {
                out.add(r.getJsonObject("body").getJsonObject("evidence").getString("event_time"));
            }
        }
        return out;
    }
}
