package dev.releasepilot.bench;

import dev.releasepilot.ingest.nats.NatsConnector;
import dev.releasepilot.ingest.nats.NatsSettings;
import dev.releasepilot.peers.NatsServer;
import dev.releasepilot.publish.EventStream;
import dev.releasepilot.publish.NatsEventPublisher;
import dev.releasepilot.publish.PublishLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decision events to a real nats-server: what {@link NatsEventPublisher#publish} costs its caller (the
 * service's event loop, i.e. the rollback path) and how fast events get out, side by side for
 * JetStream (stored, acknowledged), plain subjects (a server without JetStream) and a server that
 * is down. The caller's cost should not depend on NATS at all.
 *
 * <p>Run: {@code k6/bench.sh EventPublishBench [events]} (default 20,000 per mode).
 */
public final class EventPublishBench {
    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Path dir = Files.createTempDirectory("rp-events-bench");
        System.out.printf(Locale.ROOT, "%n%d decision events per mode (%d bytes each), %d cores%n", events,
                event(0).put("service", "checkout").put("type", "decision").encode().length(),
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "| %-34s | %14s | %14s | %14s | %12s | %-28s |%n", "mode",
                "publish p50 µs", "publish p99 µs", "publish max µs", "events/s out", "dropped (reason)");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(36), "-".repeat(16), "-".repeat(16),
                "-".repeat(16), "-".repeat(14), "-".repeat(30));
        try (NatsServer js = new NatsServer(dir.resolve("js")).jetStream(true).start();
             NatsServer core = new NatsServer(dir.resolve("core")).start()) {
            run("jetstream (stored, acked)", js, events, "jetstream", false);
            run("plain subjects (no JetStream)", core, events, "core", false);
            run("server down (killed after connect)", core, events, "core", true);
        }
    }

    private static void run(String mode, NatsServer server, int events, String via, boolean kill) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        NatsSettings settings = NatsSettings.defaults(server.url(), List.of());
        try (NatsConnector connector = NatsConnector.start(settings, registry);
             NatsEventPublisher publisher = new NatsEventPublisher(connector.connected(), EventStream.defaults(),
                     PublishLimits.DEFAULTS, registry)) {
            connector.connected().get();
            // Warm up the caller's path (JIT) and the connection, then wait until those are out.
            for (int i = 0; i < 2_000; i++) {
                publisher.publish("checkout", "decision", event(i));
            }
            while (published(registry, via) < 2_000) {
                Thread.sleep(10); // polling the counter, not waiting for time to pass
            }
            if (kill) {
                server.kill();
            }
            long[] nanos = new long[events];
            long start = System.nanoTime();
            for (int i = 0; i < events; i++) {
                JsonObject body = event(2_000 + i);
                long t0 = System.nanoTime();
                publisher.publish("checkout", "decision", body);
                nanos[i] = System.nanoTime() - t0;
            }
            String rate = "-";
            if (!kill) {
                while (published(registry, via) < 2_000 + events) {
                    Thread.sleep(1);
                }
                rate = String.format(Locale.ROOT, "%.0f", events / ((System.nanoTime() - start) / 1e9));
            }
            Arrays.sort(nanos);
            StringBuilder dropped = new StringBuilder();
            registry.find("release_pilot_events_dropped_total").counters().stream().filter(c -> c.count() > 0)
                    .forEach(c -> dropped.append(dropped.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                            "%.0f %s", c.count(), c.getId().getTag("reason"))));
            System.out.printf(Locale.ROOT, "| %-34s | %14.1f | %14.1f | %14.1f | %12s | %-28s |%n", mode,
                    nanos[events / 2] / 1e3, nanos[(int) (events * 0.99)] / 1e3, nanos[events - 1] / 1e3, rate,
                    dropped.length() == 0 ? "0" : dropped);
            if (kill) {
                server.start();
            }
        }
    }

    private static double published(SimpleMeterRegistry registry, String via) {
        var c = registry.find("release_pilot_events_published_total").tag("via", via).counter();
        return c == null ? 0 : c.count();
    }

    /** A decision body shaped like a real rollback's, distinct per n (so each has its own Nats-Msg-Id). */
    private static JsonObject event(int n) {
        return new JsonObject().put("at", Instant.ofEpochMilli(1_764_400_000_000L + n).toString()).put("kind", "rollback")
                .put("trigger", "error-rate").put("reason", "error-rate fired: 0.031 > 0.02 for 120s")
                .put("evidence", new JsonObject().put("value", 0.031).put("threshold", 0.02)
                        .put("series", new JsonArray().add(new JsonObject().put("labels", new JsonObject()
                                .put("service", "checkout").put("track", "canary").put("code", "5xx")).put("value", 0.031))));
    }
}
