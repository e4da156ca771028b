package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Poll;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 item 5: decisions depend on the samples, not on how they arrive. 24 services with noisy
 * canary traces (every {@link CanaryTraces.Shape}), each with an error-ratio trigger ({@code for},
 * {@code clear_for}, a traffic guard) and a p95 trigger over histogram buckets, are written through
 * the real daemon's remote_write receiver. The reference run sends one request per scrape second on
 * one connection. The other runs shuffle each second's samples and cut them into several requests sent
 * at once on several connections, differently on every run; each must journal exactly the reference's
 * decisions (service, trigger, kind, evidence event time).
 *
 * <p>Seconds are sent one after another (all requests of a second answered before the next second
 * leaves), as a scraper's samples of one series are ordered: a sample older than its series' newest is
 * out of order and dropped by design, so reordering across seconds would change the input itself.
 * Services are {@code dry_run} with no cooldown, so every firing is journaled as a decision
 * (would_rollback) and none is hidden behind a rollback or a wall-clock cooldown.
 */
class DeterminismTest {
    private static final int SERVICES = 24;
    private static final int SECONDS = 480;
    private static final long SEED = 20_261_129L;

    @TempDir
    Path tmp;

    @Test
    void concurrentSplitWritesDecideExactlyAsOneOrderedStream() throws IOException {
        List<CanaryTraces.Service> services = CanaryTraces.services(SERVICES, SEED);
        // In the past, as a replayed recording: event time comes from the samples only.
        long start = (System.currentTimeMillis() - Duration.ofMinutes(30).toMillis()) / 1000 * 1000;
        List<List<CanaryTraces.Point>> steps = CanaryTraces.generate(services, start, SECONDS, SEED);
        Path rules = rules(services);

        List<String> reference = run(tmp.resolve("reference"), rules, services, steps, start, 1, null);
        Map<CanaryTraces.Shape, Integer> byShape = perShape(services, reference);
        // The traces are meant to decide for some shapes and never for others; if that changed, the
        // comparison below would be comparing too little.
        assertEquals(0, byShape.getOrDefault(CanaryTraces.Shape.HEALTHY, 0), reference.toString());
        assertEquals(0, byShape.getOrDefault(CanaryTraces.Shape.LOW_TRAFFIC, 0), reference.toString());
        assertEquals(0, byShape.getOrDefault(CanaryTraces.Shape.BRIEF_SPIKES, 0), reference.toString());
        for (CanaryTraces.Shape bad : List.of(CanaryTraces.Shape.SUDDEN_REGRESSION, CanaryTraces.Shape.SLOW_CREEP,
                CanaryTraces.Shape.COUNTER_RESETS, CanaryTraces.Shape.SCRAPE_GAPS, CanaryTraces.Shape.FLAPPING)) {
            assertTrue(byShape.getOrDefault(bad, 0) > 0, bad + " never decided: " + reference);
        }
        System.out.println("reference: " + reference.size() + " decisions " + byShape);

        int[] connections = {4, 3, 6};
        for (int i = 0; i < connections.length; i++) {
            Random split = new Random(SEED + 1 + i);
            List<String> got = run(tmp.resolve("run" + i), rules, services, steps, start, connections[i], split);
            if (!reference.equals(got)) {
                List<String> missing = new ArrayList<>(reference);
                missing.removeAll(got);
                List<String> extra = new ArrayList<>(got);
                extra.removeAll(reference);
                throw new AssertionError("run " + i + " (" + connections[i] + " connections) decided differently from"
                        + " the reference: missing " + missing + ", extra " + extra);
            }
        }
    }

    /**
     * One daemon, the whole trace, then the decisions it journaled once every trigger has evaluated
     * the last second: one request per second when {@code split} is null, else each second cut into
     * {@code connections} requests sent at once.
     */
    private static List<String> run(Path dir, Path rules, List<CanaryTraces.Service> services,
                                    List<List<CanaryTraces.Point>> steps, long start, int connections, Random split) {
        try (RunningDaemon d = RunningDaemon.start(rules, dir.resolve("data"), "admin-token")) {
            RemoteWriteFeed feed = new RemoteWriteFeed(d.daemon.port());
            for (List<CanaryTraces.Point> step : steps) {
                if (split == null) {
                    feed.write(step);
                } else {
                    feed.writeAll(RemoteWriteFeed.split(step, connections, split));
                }
            }
            List<String> out = new ArrayList<>();
            for (CanaryTraces.Service s : services) {
                // The last grid instant before the last sample: complete (a newer sample has arrived), so
                // final however the stream was cut. Later instants are decided by the wall-clock silence
                // check or the next samples, which no run sends: not compared.
                Instant lastFinal = Instant.ofEpochMilli((start + (steps.size() - 1) * 1000L + s.offsetMs()) / 1000 * 1000);
                Poll.until(s.name() + " evaluated up to " + lastFinal, Duration.ofSeconds(30),
                        () -> evaluatedUpTo(d.service(s.name()), lastFinal));
                List<String> decided = Poll.until(s.name() + "'s decisions journaled", Duration.ofSeconds(10),
                        () -> journaled(d, s.name()));
                decided.stream().filter(x -> !Instant.parse(x.substring(x.lastIndexOf(' ') + 1)).isAfter(lastFinal)).forEach(out::add);
            }
            return out;
        }
    }

    private static boolean evaluatedUpTo(JsonObject service, Instant instant) {
        JsonObject triggers = service.getJsonObject("expr_triggers");
        for (String name : triggers.fieldNames()) {
            String at = triggers.getJsonObject(name).getString("evaluated_at");
            if (at == null || Instant.parse(at).isBefore(instant)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The service's journaled decisions as "service trigger kind event_time", or null while the newest
     * decision the service holds in memory is not in the journal yet.
     */
    private static List<String> journaled(RunningDaemon d, String service) {
        JsonObject last = d.service(service).getJsonObject("last_decision");
        JsonArray records = new JsonObject(d.get("/api/v1/decisions?limit=10000&service=" + service).body())
                .getJsonArray("records");
        List<String> out = new ArrayList<>();
        JsonObject newest = null;
        for (Object o : records) {
            JsonObject r = (JsonObject) o;
            if (r.getString("type").equals("decision")) {
                JsonObject b = r.getJsonObject("body");
                newest = b;
                out.add(service + " " + b.getString("trigger") + " " + b.getString("kind") + " "
                        + b.getJsonObject("evidence").getString("event_time"));
            }
        }
        boolean complete = last == null ? newest == null : last.equals(newest);
        return complete ? out : null;
    }

    private static Map<CanaryTraces.Shape, Integer> perShape(List<CanaryTraces.Service> services, List<String> decisions) {
        Map<CanaryTraces.Shape, Integer> out = new TreeMap<>();
        for (CanaryTraces.Service s : services) {
            int n = (int) decisions.stream().filter(x -> x.startsWith(s.name() + " ")).count();
            out.merge(s.shape(), n, Integer::sum);
        }
        return out;
    }

    private Path rules(List<CanaryTraces.Service> services) throws IOException {
        StringBuilder y = new StringBuilder("services:\n");
        for (CanaryTraces.Service s : services) {
            String sel = "service=\"" + s.name() + "\",track=\"canary\"";
            y.append("""
                      - name: %1$s
                        backend: {type: haproxy, address: "127.0.0.1:1", backend: be_%1$s, stable: [stable1], canary: [canary1], timeout: 1s}
                        dry_run: true
                        cooldown: 0s
                        triggers:
                          - name: error-ratio
                            expr: sum(rate(http_requests_total{%2$s,code=~"5.."}[1m])) / sum(rate(http_requests_total{%2$s}[1m])) > 0.05
                            for: 20s
                            clear_for: 10s
                            requires: sum(increase(http_requests_total{%2$s}[1m])) >= 30
                          - name: p95
                            expr: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{%2$s}[1m]))) > 0.5
                            for: 30s
                            requires: sum(increase(http_requests_total{%2$s}[1m])) >= 30
                    """.formatted(s.name(), sel));
        }
        Files.createDirectories(tmp);
        Path p = tmp.resolve("rules.yaml");
        Files.writeString(p, y.toString());
        return p;
    }
}
