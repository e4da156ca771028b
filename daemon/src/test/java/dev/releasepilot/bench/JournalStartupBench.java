package dev.releasepilot.bench;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.decide.AlertSignal;
import dev.releasepilot.decide.Signal;
import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Start-up to ready with a long journal. Fills a data dir through the real pipeline (an in-process
 * daemon, ten HAProxy-backed services, alerts that fire and resolve: one record each, journaled by
 * the services with their snapshots as in production) until it holds {@code records} records, then
 * starts a daemon on it several times and measures {@code Daemon.start} → {@code GET /-/ready} = 200.
 * For comparison, the same start without {@code journal.index} (every segment read, as a journal
 * without snapshots had to), and the time of history pages through {@code GET /api/v1/decisions}.
 * Run: {@code k6/bench.sh JournalStartupBench [records] [runs]}
 */
public final class JournalStartupBench {
    private static final int SERVICES = 10;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        long records = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path tmp = Files.createTempDirectory("journal-bench");
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), FreePort.get(), FreePort.get()).start()) {
            Path rules = rules(tmp, haproxy.apiPort);
            Path data = tmp.resolve("data");
            long t0 = System.nanoTime();
            Path killed = tmp.resolve("killed");
            fill(rules, data, killed, records);
            double fillS = (System.nanoTime() - t0) / 1e9;
            long bytes = 0;
            int segments = 0;
            try (Stream<Path> files = Files.list(data)) {
                for (Path p : files.toList()) {
                    bytes += Files.size(p);
                    segments += p.getFileName().toString().endsWith(".rpj") ? 1 : 0;
                }
            }
            System.out.printf(Locale.ROOT, "filled %d records in %.1f s: %d segments, %.1f MiB on disk%n",
                    records, fillS, segments, bytes / 1048576.0);

            List<Double> withIndex = new ArrayList<>();
            long replayed = 0;
            List<Double> pageNewest = new ArrayList<>();
            List<Double> pageDeep = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long s = System.nanoTime();
                try (Daemon d = start(rules, data)) {
                    ready(d);
                    withIndex.add((System.nanoTime() - s) / 1e6);
                    replayed = d.pilot() == null ? 0 : replayedRecords(d);
                    pageNewest.add(timeGet(d, "/api/v1/decisions?limit=500"));
                    pageDeep.add(timeGet(d, "/api/v1/decisions?service=svc3&limit=500&before=" + (records / 100)));
                }
            }
            List<Double> afterKill = new ArrayList<>();
            long replayedAfterKill = 0;
            for (int i = 0; i < runs; i++) {
                // Each run on a fresh copy: a start snapshots the tails it replayed, so the next would not.
                Path copy = tmp.resolve("killed-" + i);
                Files.createDirectories(copy);
                try (Stream<Path> files = Files.list(killed)) {
                    for (Path p : files.toList()) {
                        Files.copy(p, copy.resolve(p.getFileName()));
                    }
                }
                long s = System.nanoTime();
                try (Daemon d = start(rules, copy)) {
                    ready(d);
                    afterKill.add((System.nanoTime() - s) / 1e6);
                    replayedAfterKill = replayedRecords(d);
                }
                deleteTree(copy);
            }
            List<Double> empty = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                Path none = tmp.resolve("empty-" + i);
                long s = System.nanoTime();
                try (Daemon d = start(rules, none)) {
                    ready(d);
                    empty.add((System.nanoTime() - s) / 1e6);
                }
            }
            List<Double> withoutIndex = new ArrayList<>();
            for (int i = 0; i < Math.min(runs, 2); i++) {
                Files.deleteIfExists(data.resolve("journal.index"));
                long s = System.nanoTime();
                try (Daemon d = start(rules, data)) {
                    ready(d);
                    withoutIndex.add((System.nanoTime() - s) / 1e6);
                }
            }
            System.out.printf(Locale.ROOT, "%n%-62s | %8s | %8s | %8s%n", "start-up with " + records + " records",
                    "min ms", "median", "max ms");
            System.out.println("-".repeat(62) + "-|" + "-".repeat(10) + "|" + "-".repeat(10) + "|" + "-".repeat(10));
            row("Daemon.start -> /-/ready 200, empty data dir (floor)", empty);
            row("Daemon.start -> /-/ready 200, after a graceful stop", withIndex);
            row("Daemon.start -> /-/ready 200, after kill -9 (copy taken live)", afterKill);
            row("the same without journal.index (reads every segment)", withoutIndex);
            row("GET /api/v1/decisions?limit=500 (newest page)", pageNewest);
            row("GET ...?service=svc3&limit=500&before=" + (records / 100) + " (old page)", pageDeep);
            System.out.println("records replayed (snapshots + the records after them): after a graceful stop "
                    + replayed + ", after kill -9 " + replayedAfterKill);
        } finally {
            deleteTree(tmp);
        }
    }

    private static long replayedRecords(Daemon d) throws Exception {
        String m = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return m.lines().filter(l -> l.startsWith("release_pilot_journal_replayed_records "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
    }

    /** Fills {@code data}; {@code killed} gets a copy taken before the graceful stop, as kill -9 leaves it. */
    private static void fill(Path rules, Path data, Path killed, long records) throws Exception {
        try (Daemon d = start(rules, data)) {
            long written = 0;
            int batch = 2_000;
            long n = 0;
            while (written < records) {
                List<Signal> firing = new ArrayList<>(batch);
                List<Signal> resolved = new ArrayList<>(batch);
                Instant now = Instant.now();
                // Per alert: its firing (the alert and a notify/suppressed decision, one group) and its resolution.
                for (int i = 0; i < batch / 2 && written + 3L * i < records; i++, n++) {
                    String service = "svc" + (n % SERVICES);
                    Map<String, String> labels = Map.of("alertname", "CheckoutErrors", "severity", "critical",
                            "service", service, "instance", "i-" + n);
                    Instant startsAt = now.minusSeconds(5);
                    String fp = Long.toHexString(n * 0x9E3779B97F4A7C15L);
                    firing.add(new AlertSignal(fp, true, startsAt, null, labels, Map.of(), "bench", now, System.nanoTime()));
                    resolved.add(new AlertSignal(fp, false, startsAt, now, labels, Map.of(), "bench", now, System.nanoTime()));
                }
                d.pilot().accept(firing).await(60, TimeUnit.SECONDS);
                d.pilot().accept(resolved).await(60, TimeUnit.SECONDS);
                written += 2L * firing.size() + resolved.size();
            }
            Files.createDirectories(killed);
            try (Stream<Path> files = Files.list(data)) {
                for (Path p : files.toList()) {
                    if (!p.getFileName().toString().equals("LOCK")) {
                        Files.copy(p, killed.resolve(p.getFileName()));
                    }
                }
            }
        }
    }

    private static Daemon start(Path rules, Path data) throws Exception {
        return Daemon.start(DaemonConfig.defaults(rules, data, "127.0.0.1", 0).withReconcileIntervalMs(0));
    }

    private static void ready(Daemon d) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/-/ready"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("not ready: " + r.statusCode() + " " + r.body());
        }
    }

    private static double timeGet(Daemon d, String path) throws Exception {
        long s = System.nanoTime();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !r.body().contains("\"records\":[{")) {
            throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body().substring(0, Math.min(300, r.body().length())));
        }
        return (System.nanoTime() - s) / 1e6;
    }

    private static void row(String name, List<Double> ms) {
        List<Double> s = ms.stream().sorted().toList();
        System.out.printf(Locale.ROOT, "%-62s | %8.1f | %8.1f | %8.1f%n", name, s.get(0), s.get(s.size() / 2),
                s.get(s.size() - 1));
    }

    private static Path rules(Path dir, int haproxyPort) throws Exception {
        StringBuilder y = new StringBuilder("services:\n");
        for (int i = 0; i < SERVICES; i++) {
            y.append("""
                      - name: svc%1$d
                        backend: {type: haproxy, address: "127.0.0.1:%2$d", backend: be_checkout,
                                  stable: [stable1], canary: [canary1], timeout: 1s}
                        triggers:
                          - name: paged
                            alert: '{alertname="CheckoutErrors", service="svc%1$d"}'
                        on_trigger: notify
                        cooldown: 10m
                    """.formatted(i, haproxyPort));
        }
        Path p = dir.resolve("rules.yaml");
        Files.writeString(p, y);
        return p;
    }

    private static void deleteTree(Path d) throws Exception {
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
