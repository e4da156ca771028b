package dev.releasepilot.bench;

import dev.releasepilot.ingest.remotewrite.ProtoWriter;
import dev.releasepilot.ingest.remotewrite.WriteRequestBuilder;
import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Prometheus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole pipeline side by side with Prometheus, in one run: 100 services of 1,000 series each
 * (50 instances × 10 {@code http_requests_total{code}} counters + 10
 * {@code http_request_duration_seconds_bucket{le}} counters), each service with 3 {@code expr:}
 * triggers (error ratio with a traffic guard, p95 from histogram buckets, traffic drop), at a 1 s
 * resolution, fed by the same remote_write generator to the real daemon (its own JVM, started as
 * the CLI starts it, with the shipped JVM options) and to Prometheus 2.42
 * ({@code --web.enable-remote-write-receiver}) evaluating the same expressions as recording rules
 * every 1 s, one rule group per service.
 *
 * <p>Per receiver, two phases:
 * <ol>
 *   <li><b>live</b>: one round (every series once, stamped with the wall clock) a second, as a
 *       scraping fleet sends it, for {@code --live-seconds}; the windows fill during the first minute,
 *       the rest is measured: CPU seconds per million samples, RSS, the longest evaluation (ours: the
 *       longest event-loop block reported, Vert.x blocked-thread warnings and the evaluation metric;
 *       Prometheus: the longest rule-group evaluation), and, on ours, the reaction time of an
 *       unrelated Alertmanager-webhook alert (webhook received → HAProxy weights read back, from the
 *       journal's stamps) while the load runs;</li>
 *   <li><b>max rate</b>: {@code --fast-rounds} pre-built rounds stamped after the live ones, sent as
 *       fast as the receiver answers over {@code --connections} shards (a series always on the same
 *       shard, as Prometheus shards): ingest samples/s and CPU per million with evaluation on.</li>
 * </ol>
 * A third row is Prometheus fed its own way (its strongest set-up): scraping the same series itself
 * every 1 s from an exporter in this JVM, with the same rule groups; that path is paced by the
 * scrape interval, so it has no max-rate phase.
 *
 * <p>Also start-up to ready: the daemon with {@code rules/example.yaml}, the daemon with the 100
 * benchmark services, Prometheus with the 100 rule groups. Prints a Markdown table.
 *
 * <p>Run from the repository root: {@code k6/bench.sh PipelineBench [--live-seconds=90]
 * [--fast-rounds=30] [--connections=8] [--server-jvm-opts=@infra/jvm.options]}.
 */
public final class PipelineBench {
    static final int SERVICES = 100;
    static final int INSTANCES = 50;
    private static final String[] CODES = {"200", "201", "204", "301", "400", "404", "429", "500", "502", "503"};
    /** Requests per second per instance and code: 2.0 % of requests are 5xx. */
    private static final double[] CODE_RATE = {40, 2, 1, 0.5, 0.5, 1, 0.1, 0.5, 0.2, 0.2};
    private static final String[] LE = {"0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"};
    /** Share of requests at or below each bucket's bound: p95 ≈ 0.43 s. */
    private static final double[] LE_SHARE = {0.05, 0.2, 0.45, 0.7, 0.88, 0.96, 0.99, 1, 1, 1};
    static final int SERIES_PER_INSTANCE = CODES.length + LE.length;
    static final int SERIES = SERVICES * INSTANCES * SERIES_PER_INSTANCE;
    private static final int SAMPLES_PER_REQUEST = 500; // Prometheus 2.42's max_samples_per_send
    /** Max-rate rounds per send: each chunk ends with every shard answered, so the phase can stop between chunks. */
    private static final int FAST_CHUNK = 5;
    /** A receiver that cannot take the max-rate payload in this long is measured on what it took. */
    private static final long FAST_CAP_NANOS = Duration.ofSeconds(60).toNanos();
    private static final Pattern BLOCKED = Pattern.compile("has been blocked for (\\d+) ms");

    private final byte[][] labels = new byte[SERIES][];

    private PipelineBench() {
        for (int i = 0; i < SERIES; i++) {
            labels[i] = encodedLabels(i);
        }
    }

    /** What one receiver did. */
    record Row(String receiver, double liveSamplesPerSecond, double liveCpuPerMillion, long rssKib, long peakKib, String longestBlock,
               String alertReaction, double fastSamplesPerSecond, double fastCpuPerMillion, int non2xx, String notes) {
    }

    public static void main(String[] args) throws Exception {
        int liveSeconds = 90;
        int fastRounds = 30;
        int connections = 8;
        String jvmOpts = "@infra/jvm.options";
        boolean oursOnly = false;
        for (String a : args) {
            String v = a.substring(a.indexOf('=') + 1);
            if (a.startsWith("--live-seconds=")) {
                liveSeconds = Integer.parseInt(v);
            } else if (a.startsWith("--fast-rounds=")) {
                fastRounds = Integer.parseInt(v);
            } else if (a.startsWith("--connections=")) {
                connections = Integer.parseInt(v);
            } else if (a.startsWith("--server-jvm-opts=")) {
                jvmOpts = v;
            } else if (a.equals("--ours-only")) {
                oursOnly = true; // while iterating: no Prometheus rows, so no ratios either
            } else {
                throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (liveSeconds < 75) {
            throw new IllegalArgumentException("--live-seconds must leave 15 s to measure after the 1 min windows fill");
        }
        PipelineBench bench = new PipelineBench();
        Path dir = Files.createTempDirectory("rp-pipeline-bench");
        System.out.printf("pipeline benchmark: %d services × %d series = %d series, 3 expr triggers each, 1 s resolution; "
                        + "%d cores, load average %s; %d connections, %d samples per request; daemon JVM %s%n",
                SERVICES, INSTANCES * SERIES_PER_INSTANCE, SERIES, Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).strip(), connections, SAMPLES_PER_REQUEST, jvmOpts);
        Vertx vertx = Vertx.vertx();
        List<Row> rows = new ArrayList<>();
        Map<String, String> startup = new TreeMap<>();
        try (Haproxy haproxy = new Haproxy(dir.resolve("haproxy"), FreePort.get(), FreePort.get()).start()) {
            // The example rules as shipped, pointed at this run's HAProxy: /-/ready waits until every
            // backend has been reached once, so a missing load balancer would never let it be ready.
            Path example = dir.resolve("example.yaml");
            Files.writeString(example, Files.readString(Path.of("rules/example.yaml")).replace("127.0.0.1:9999", haproxy.address()));
            startup.putAll(startupAsShipped(jvmOpts, example, dir.resolve("startup")));
            Path rules = dir.resolve("rules.yaml");
            Files.writeString(rules, ourRules(haproxy.address()));
            // The daemon under load as it ships: the jar with its class-data sharing archive when the
            // start-up rows made one, else the classes directory.
            Path archive = dir.resolve("startup").resolve("release-pilot.jsa");
            boolean shipped = Files.exists(archive);
            List<String> launch = shipped
                    ? List.of("-XX:SharedArchiveFile=" + archive, "-jar", "daemon/target/release-pilot.jar")
                    : classpathLaunch();
            try (DaemonProcess d = DaemonProcess.start(jvmOpts, launch, rules, dir.resolve("ours"))) {
                startup.put("release-pilot, " + SERVICES + " benchmark services + 1 ("
                                + (shipped ? "jar, class-data sharing archive" : "classes directory, no archive") + ")",
                        d.startupMillis + " | " + d.startupCpuMillis);
                System.out.println("release-pilot under load runs from " + (shipped ? "the jar with its archive" : "the classes directory"));
                rows.add(bench.run(vertx, "release-pilot", d.port, d.pid(), liveSeconds, fastRounds, connections,
                        new Pager(d, haproxy), d));
            }
            if (oursOnly) {
                Row ours = rows.get(0);
                System.out.printf(Locale.ROOT, "%nrelease-pilot only: live %,.0f samples/s, %.2f CPU s per 1M; RSS %d MiB, peak %d MiB; %s; "
                                + "alert p50/p99 %s; max rate %,.0f samples/s, %.2f CPU s per 1M; %s%n", ours.liveSamplesPerSecond(),
                        ours.liveCpuPerMillion(), ours.rssKib() / 1024, ours.peakKib() / 1024, ours.longestBlock(), ours.alertReaction(),
                        ours.fastSamplesPerSecond(), ours.fastCpuPerMillion(), ours.notes());
                startup.forEach((k, v) -> System.out.printf("start-up to ready, %s: %s (wall ms | CPU ms)%n", k, v));
                return;
            }
            Path promDir = dir.resolve("prometheus");
            Files.createDirectories(promDir);
            Files.writeString(promDir.resolve("rules.yml"), prometheusRules());
            long t0 = System.nanoTime();
            try (Prometheus p = Prometheus.withConfig(promDir, """
                    global: {scrape_interval: 1m, evaluation_interval: 1s}
                    rule_files: ['%s']
                    """.formatted(promDir.resolve("rules.yml")), List.of("--web.enable-remote-write-receiver"))) {
                startup.put("prometheus 2.42, " + SERVICES + " rule groups", (System.nanoTime() - t0) / 1_000_000 + " | "
                        + Math.round(ProcStats.of(p.pid()).cpuSeconds() * 1000));
                rows.add(bench.run(vertx, "prometheus", p.port, p.pid(), liveSeconds, fastRounds, connections, null, null));
            }
            rows.add(bench.runPrometheusScraping(vertx, dir.resolve("prometheus-scraping"), liveSeconds));
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
        Row ours = rows.get(0);
        Row prom = rows.get(1);
        System.out.println();
        System.out.println("| receiver | live: samples/s (offered 100,000) | live: CPU s per 1M samples | RSS at end (MiB) | peak RSS (MiB) | longest evaluation / event-loop block | unrelated alert reaction p50 / p99 (ms) | max rate: samples/s | max rate: CPU s per 1M | non-2xx |");
        System.out.println("|---|---:|---:|---:|---:|---|---|---:|---:|---:|");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2f | %d | %d | %s | %s | %s | %s | %d |%n", r.receiver(),
                    r.liveSamplesPerSecond(), r.liveCpuPerMillion(),
                    r.rssKib() / 1024, r.peakKib() / 1024, r.longestBlock(), r.alertReaction(),
                    r.fastSamplesPerSecond() < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", r.fastSamplesPerSecond()),
                    r.fastSamplesPerSecond() < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", r.fastCpuPerMillion()), r.non2xx());
        }
        System.out.printf(Locale.ROOT, "%nrelease-pilot ÷ prometheus: max-rate ingest %.2f×, peak RSS %.2f, live CPU per sample %.2f%n",
                ours.fastSamplesPerSecond() / prom.fastSamplesPerSecond(), (double) ours.peakKib() / prom.peakKib(),
                ours.liveCpuPerMillion() / prom.liveCpuPerMillion());
        Row scraping = rows.get(2);
        System.out.printf(Locale.ROOT, "release-pilot ÷ prometheus (scraping): peak RSS %.2f, live CPU per sample %.2f%n",
                (double) ours.peakKib() / scraping.peakKib(), ours.liveCpuPerMillion() / scraping.liveCpuPerMillion());
        rows.forEach(r -> System.out.println(r.receiver() + ": " + r.notes()));
        System.out.println();
        System.out.println("| start-up to ready | wall ms (median of 3 for the jar) | CPU ms by then |");
        System.out.println("|---|---:|---:|");
        startup.forEach((k, v) -> System.out.printf("| %s | %s |%n", k, v));
    }

    /**
     * Start-up as the daemon ships: the fat jar with the example rules, three starts without and three
     * with the class-data sharing archive that infra/cds-archive.sh trains for it (what infra/run.sh, the
     * systemd unit and the image do); median wall time to ready and the process's CPU time by then, which
     * the other load on a shared machine disturbs less. The jar is daemon/target/release-pilot.jar as
     * {@code mvn -DskipTests package} left it (build it first); without one the classes directory is
     * started instead, once.
     */
    private static Map<String, String> startupAsShipped(String jvmOpts, Path rules, Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        Files.createDirectories(dir);
        Path jar = Path.of("daemon/target/release-pilot.jar");
        if (!Files.exists(jar)) {
            try (DaemonProcess d = DaemonProcess.start(jvmOpts, classpathLaunch(), rules, dir.resolve("classes"))) {
                out.put("release-pilot, rules/example.yaml (classes directory: no jar, no archive)",
                        d.startupMillis + " | " + d.startupCpuMillis);
            }
            return out;
        }
        Path archive = dir.resolve("release-pilot.jsa");
        new ProcessBuilder("infra/cds-archive.sh", jar.toString(), archive.toString(), "infra/jvm.options")
                .redirectErrorStream(true).redirectOutput(dir.resolve("cds-archive.log").toFile()).start().waitFor();
        for (boolean cds : new boolean[] {false, true}) {
            if (cds && !Files.exists(archive)) {
                out.put("release-pilot jar, rules/example.yaml, class-data sharing archive", "n/a (no archive: "
                        + Files.readString(dir.resolve("cds-archive.log")).strip() + ")");
                continue;
            }
            List<Long> wall = new ArrayList<>();
            List<Long> cpu = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                List<String> launch = new ArrayList<>();
                if (cds) {
                    launch.add("-XX:SharedArchiveFile=" + archive);
                }
                launch.addAll(List.of("-jar", jar.toString()));
                try (DaemonProcess d = DaemonProcess.start(jvmOpts, launch, rules, dir.resolve((cds ? "cds" : "plain") + i))) {
                    wall.add(d.startupMillis);
                    cpu.add(d.startupCpuMillis);
                }
            }
            Collections.sort(wall);
            Collections.sort(cpu);
            out.put("release-pilot jar, rules/example.yaml, " + (cds ? "class-data sharing archive" : "no archive"),
                    wall.get(1) + " | " + cpu.get(1));
        }
        return out;
    }

    private static List<String> classpathLaunch() {
        return List.of("-cp", System.getProperty("java.class.path"), "dev.releasepilot.cli.Main");
    }

    private Row run(Vertx vertx, String name, int port, long pid, int liveSeconds, int fastRounds,
                    int connections, Pager pager, DaemonProcess daemon) throws Exception {
        System.out.printf("%n%s: live phase, %d s%n", name, liveSeconds);
        int non2xx = 0;
        try (LoadClient client = new LoadClient(vertx, port, connections)) {
            // Built before the phase (encoding on the fly would make this shared machine's client the
            // bottleneck), stamped from when the build should be done on.
            shardedRounds(0, 0, 1, connections); // warms the encoder up: the first round is several times slower
            long timing = System.nanoTime();
            shardedRounds(0, 0, 2, connections);
            long buildMsPerRound = (System.nanoTime() - timing) / 2_000_000;
            long t0 = (System.currentTimeMillis() + buildMsPerRound * liveSeconds * 13 / 10) / 1000 * 1000 + 2000;
            List<List<List<byte[]>>> live = new ArrayList<>();
            for (int k = 0; k < liveSeconds; k++) {
                live.add(shardedRounds(t0 + k * 1000L, k, k + 1, connections));
            }
            long endMs = t0 + liveSeconds * 1000L;
            Thread.sleep(Math.max(0, t0 - System.currentTimeMillis()));
            ProcStats phaseStart = ProcStats.of(pid);
            ProcStats before = null;
            long measuredFromMs = 0;
            long measuredSamples = 0;
            int late = 0;
            Thread alerts = null;
            int r = 0;
            // One round a second stamped with its second; a receiver that cannot keep up gets the next round
            // as soon as it answered the last (its rounds fall behind the wall clock, counted as late). The
            // phase ends on the wall clock either way. Measured from the 60th round (the 1 min windows
            // full) or 60 s, whichever comes first.
            for (; r < live.size() && System.currentTimeMillis() < endMs; r++) {
                long due = t0 + r * 1000L;
                List<List<byte[]>> round = live.get(r);
                long wait = due - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait); // pacing: one round per wall-clock second, stamped with that second
                } else if (wait < -1000) {
                    late++;
                }
                if (before == null && (r == 60 || System.currentTimeMillis() >= t0 + 60_000)) {
                    before = ProcStats.of(pid);
                    measuredFromMs = System.currentTimeMillis();
                    if (pager != null) {
                        alerts = new Thread(pager, "pager");
                        alerts.start();
                    }
                }
                LoadClient.Result res = client.send(round);
                non2xx += res.non2xx();
                if (res.firstError() != null) {
                    System.out.println("  first error: " + res.firstError());
                }
                if (before != null) {
                    measuredSamples += SERIES;
                }
            }
            if (before == null) { // not even 60 s of rounds answered in the phase: measure what there was
                System.out.println("  the live phase never reached its measured part (60 rounds or 60 s): measured from its start");
                before = phaseStart;
                measuredFromMs = t0;
                measuredSamples = (long) r * SERIES;
            }
            ProcStats liveAfter = ProcStats.of(pid);
            double liveRate = measuredSamples / ((System.currentTimeMillis() - measuredFromMs) / 1000.0);
            double liveCpu = (liveAfter.cpuSeconds() - before.cpuSeconds()) / (measuredSamples / 1e6);
            System.out.printf(Locale.ROOT, "  live: %d rounds (%d more than 1 s late), %,.0f samples/s measured, %.2f CPU s per 1M samples, RSS %d MiB%n",
                    r, late, liveRate, liveCpu, liveAfter.rssKib() / 1024);

            // The max-rate rounds continue the live ones in event time (so they run ahead of the wall clock
            // as fast as the receiver takes them), counters still growing.
            List<List<List<byte[]>>> fast = new ArrayList<>();
            for (int c = 0; c < fastRounds; c += FAST_CHUNK) {
                fast.add(shardedRounds(t0 + (live.size() + c) * 1000L, live.size() + c,
                        live.size() + Math.min(fastRounds, c + FAST_CHUNK), connections));
            }
            if (pager != null) {
                pager.maxRate = true; // trials from here on are counted apart too: every event loop is saturated
            }
            ProcStats fastBefore = ProcStats.of(pid);
            long fastSamples = 0;
            long fastNanos = 0;
            for (int c = 0; c < fast.size() && fastNanos < FAST_CAP_NANOS; c++) {
                LoadClient.Result res = client.send(fast.get(c));
                fastNanos += res.nanos();
                fastSamples += (long) Math.min(FAST_CHUNK, fastRounds - c * FAST_CHUNK) * SERIES;
                non2xx += res.non2xx();
                if (res.firstError() != null) {
                    System.out.println("  first error: " + res.firstError());
                }
            }
            ProcStats fastAfter = ProcStats.of(pid);
            double rate = fastSamples / (fastNanos / 1e9);
            double fastCpu = (fastAfter.cpuSeconds() - fastBefore.cpuSeconds()) / (fastSamples / 1e6);
            System.out.printf(Locale.ROOT, "  max rate: %,d samples in %.1f s, %,.0f samples/s, %.2f CPU s per 1M samples%n",
                    fastSamples, fastNanos / 1e9, rate, fastCpu);
            String reaction = "n/a (not a decision path)";
            if (pager != null && alerts != null) {
                pager.stop.set(true);
                alerts.join(30_000);
                reaction = pager.summary();
            }
            String block;
            String notes;
            if (daemon != null) {
                String metrics = get("http://127.0.0.1:" + port + "/metrics");
                // The longest evaluation turn, when the daemon reports it; else the longest evaluation step.
                double evalMax = Math.max(maxOf(metrics, "release_pilot_evaluation_longest_turn_seconds"),
                        maxOf(metrics, "release_pilot_evaluation_seconds_max"));
                long blocked = daemon.longestBlockedMs();
                block = (evalMax >= 0 ? String.format(Locale.ROOT, "longest evaluation turn %.1f ms; ", evalMax * 1000) : "no evaluation metric; ")
                        + (blocked > 0 ? "Vert.x blocked-thread warnings: " + daemon.blockedWarnings() + ", longest " + blocked + " ms"
                        : "no Vert.x blocked-thread warning");
                notes = daemon.unhandledExceptions() + " \"Unhandled exception\" log lines; samples dropped: "
                        + droppedSamples(metrics) + "; series active: " + (long) maxOf(metrics, "release_pilot_series_active");
            } else {
                String metrics = get("http://127.0.0.1:" + port + "/metrics");
                block = String.format(Locale.ROOT, "rule group last duration max %.1f ms; iterations missed %d",
                        maxOf(metrics, "prometheus_rule_group_last_duration_seconds") * 1000,
                        (long) sumOf(metrics, "prometheus_rule_group_iterations_missed_total"));
                notes = (long) sumOf(metrics, "prometheus_rule_evaluation_failures_total") + " rule evaluation failures; head series "
                        + (long) sumOf(metrics, "prometheus_tsdb_head_series") + "; samples appended "
                        + (long) sumOf(metrics, "prometheus_tsdb_head_samples_appended_total") + "; out of bounds "
                        + (long) sumOf(metrics, "prometheus_tsdb_out_of_bound_samples_total");
            }
            ProcStats end = ProcStats.of(pid);
            return new Row(name, liveRate, liveCpu, end.rssKib(), end.peakRssKib(), block, reaction, rate, fastCpu, non2xx,
                    r + " live rounds, " + late + " of them more than 1 s late; max rate: " + fastSamples + " samples in "
                            + String.format(Locale.ROOT, "%.1f s; ", fastNanos / 1e9) + notes);
        }
    }

    /**
     * Prometheus fed the way it is fed in production: it scrapes the same 100,000 series itself (one
     * target per service, every 1 s, {@code honor_labels} so the series keep their labels) from an
     * exporter in this JVM whose counters follow the wall clock as the generator's rounds do, and
     * evaluates the same 100 rule groups every 1 s. Measured from 60 s on, like the live phase.
     */
    private Row runPrometheusScraping(Vertx vertx, Path dir, int liveSeconds) throws Exception {
        System.out.printf("%nprometheus (scraping): %d s%n", liveSeconds);
        long t0 = System.currentTimeMillis();
        io.vertx.core.http.HttpServer exporter = vertx.createHttpServer().requestHandler(req -> {
            int service = Integer.parseInt(req.path().substring(req.path().lastIndexOf("svc") + 3));
            int round = (int) ((System.currentTimeMillis() - t0) / 1000);
            StringBuilder b = new StringBuilder(SERIES_PER_INSTANCE * INSTANCES * 110);
            for (int i = service * INSTANCES * SERIES_PER_INSTANCE; i < (service + 1) * INSTANCES * SERIES_PER_INSTANCE; i++) {
                b.append(exposition(i)).append(' ').append((long) value(i, round)).append('\n');
            }
            req.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(b.toString());
        }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("rules.yml"), prometheusRules());
        StringBuilder targets = new StringBuilder();
        for (int s = 0; s < SERVICES; s++) {
            targets.append("      - targets: ['127.0.0.1:").append(exporter.actualPort()).append("']\n")
                    .append("        labels: {__metrics_path__: /metrics/").append(service(s)).append("}\n");
        }
        try (Prometheus p = Prometheus.withConfig(dir, """
                global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
                rule_files: ['%s']
                scrape_configs:
                  - job_name: api
                    honor_labels: true
                    static_configs:
                %s""".formatted(dir.resolve("rules.yml"), targets), List.of())) {
            long start = System.currentTimeMillis();
            Thread.sleep(Math.max(0, start + 60_000 - System.currentTimeMillis())); // the 1 min windows fill
            ProcStats before = ProcStats.of(p.pid());
            double appendedBefore = p.selfMetric("prometheus_tsdb_head_samples_appended_total");
            long from = System.currentTimeMillis();
            Thread.sleep(Math.max(0, start + liveSeconds * 1000L - System.currentTimeMillis())); // measuring a paced load
            ProcStats after = ProcStats.of(p.pid());
            double appended = p.selfMetric("prometheus_tsdb_head_samples_appended_total") - appendedBefore;
            double seconds = (System.currentTimeMillis() - from) / 1000.0;
            String metrics = get(p.url() + "/metrics");
            String block = String.format(Locale.ROOT, "rule group last duration max %.1f ms; iterations missed %d",
                    maxOf(metrics, "prometheus_rule_group_last_duration_seconds") * 1000,
                    (long) sumOf(metrics, "prometheus_rule_group_iterations_missed_total"));
            String notes = "scrapes: " + (long) sumOf(metrics, "prometheus_target_scrapes_exceeded_sample_limit_total")
                    + " over sample limit, longest scrape " + String.format(Locale.ROOT, "%.0f ms",
                    maxOf(metrics, "prometheus_target_interval_length_seconds") * 1000) + " interval; head series "
                    + (long) sumOf(metrics, "prometheus_tsdb_head_series");
            return new Row("prometheus (scraping)", appended / seconds, (after.cpuSeconds() - before.cpuSeconds()) / (appended / 1e6),
                    after.rssKib(), after.peakRssKib(), block, "n/a (not a decision path)", -1, -1, 0, notes);
        } finally {
            exporter.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** Series {@code i} in the text exposition format: {@code name{labels}}. */
    private static String exposition(int i) {
        int service = i / (INSTANCES * SERIES_PER_INSTANCE);
        int instance = i / SERIES_PER_INSTANCE % INSTANCES;
        int k = i % SERIES_PER_INSTANCE;
        String common = "instance=\"10.0." + service + "." + instance + ":8080\",job=\"api\",service=\"" + service(service)
                + "\",track=\"canary\"";
        return k < CODES.length ? "http_requests_total{code=\"" + CODES[k] + "\"," + common + "}"
                : "http_request_duration_seconds_bucket{" + common + ",le=\"" + LE[k - CODES.length] + "\"}";
    }

    /**
     * Rounds {@code [from, to)} stamped {@code start + (r - from) * 1 s}, each series on shard
     * {@code series % shards}, {@link #SAMPLES_PER_REQUEST} samples per request.
     */
    List<List<byte[]>> shardedRounds(long start, int from, int to, int shards) {
        List<List<byte[]>> out = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            List<byte[]> requests = new ArrayList<>();
            ByteArrayOutputStream request = new ByteArrayOutputStream(SAMPLES_PER_REQUEST * 200);
            int inRequest = 0;
            for (int r = from; r < to; r++) {
                long ts = start + (r - from) * 1000L;
                for (int i = shard; i < SERIES; i += shards) {
                    byte[] sample = WriteRequestBuilder.sample(value(i, r), ts).toBytes();
                    byte[] entry = new ProtoWriter().message(1, new ProtoWriter().raw(labels[i]).bytes(2, sample)).toBytes();
                    request.write(entry, 0, entry.length);
                    if (++inRequest == SAMPLES_PER_REQUEST) {
                        requests.add(WriteRequestBuilder.compress(request.toByteArray()));
                        request.reset();
                        inRequest = 0;
                    }
                }
            }
            if (inRequest > 0) {
                requests.add(WriteRequestBuilder.compress(request.toByteArray()));
            }
            out.add(requests);
        }
        return out;
    }

    /** Counter value of series {@code i} after {@code round} seconds: every series grows at its own steady rate. */
    private static double value(int i, int round) {
        int k = i % SERIES_PER_INSTANCE;
        double perSecond = k < CODES.length ? CODE_RATE[k] : 46 * LE_SHARE[k - CODES.length];
        return Math.floor(perSecond * (round + 1));
    }

    /** Series {@code i}: service i / 1000, instance (i / 20) % 50, then a code or a bucket. */
    private static byte[] encodedLabels(int i) {
        int service = i / (INSTANCES * SERIES_PER_INSTANCE);
        int instance = i / SERIES_PER_INSTANCE % INSTANCES;
        int k = i % SERIES_PER_INSTANCE;
        Map<String, String> l = new TreeMap<>();
        l.put("instance", "10.0." + service + "." + instance + ":8080");
        l.put("job", "api");
        l.put("service", service(service));
        l.put("track", "canary");
        if (k < CODES.length) {
            l.put("__name__", "http_requests_total");
            l.put("code", CODES[k]);
        } else {
            l.put("__name__", "http_request_duration_seconds_bucket");
            l.put("le", LE[k - CODES.length]);
        }
        ProtoWriter w = new ProtoWriter();
        l.forEach((name, value) -> w.message(1, WriteRequestBuilder.label(name, value)));
        return w.toBytes();
    }

    static String service(int s) {
        return "svc%03d".formatted(s);
    }

    private static String selector(int s) {
        return "service=\"" + service(s) + "\"";
    }

    private static String errorRatio(int s) {
        return "sum(rate(http_requests_total{%1$s,code=~\"5..\"}[1m])) / sum(rate(http_requests_total{%1$s}[1m])) > 0.05"
                .formatted(selector(s));
    }

    private static String guard(int s) {
        return "sum(increase(http_requests_total{%s}[1m])) >= 20".formatted(selector(s));
    }

    private static String p95(int s) {
        return "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{%s}[1m]))) > 1"
                .formatted(selector(s));
    }

    private static String traffic(int s) {
        return "sum(rate(http_requests_total{%s}[1m])) < 1".formatted(selector(s));
    }

    /** Our rules: the 100 services (dry run: measured, never actuated) and the pager service on a real HAProxy. */
    static String ourRules(String haproxy) {
        StringBuilder y = new StringBuilder("""
                services:
                  - name: pager
                    backend: {type: haproxy, address: "%s", backend: be_checkout, stable: [stable1], canary: [canary1]}
                    triggers:
                      - name: paged
                        alert: '{alertname="PagerBench"}'
                    on_trigger: rollback
                    cooldown: 0s
                """.formatted(haproxy));
        for (int s = 0; s < SERVICES; s++) {
            y.append("""
                      - name: %s
                        backend: {type: haproxy, address: "127.0.0.1:1", backend: be, stable: [stable1], canary: [canary1], timeout: 1s}
                        dry_run: true
                        triggers:
                          - name: error-ratio
                            expr: '%s'
                            for: 30s
                            requires: '%s'
                          - name: p95
                            expr: '%s'
                            for: 30s
                          - name: traffic
                            expr: '%s'
                            for: 30s
                    """.formatted(service(s), errorRatio(s), guard(s), p95(s), traffic(s)));
        }
        return y.toString();
    }

    /** The same expressions as Prometheus recording rules, one group per service, evaluated every 1 s. */
    static String prometheusRules() {
        StringBuilder y = new StringBuilder("groups:\n");
        for (int s = 0; s < SERVICES; s++) {
            y.append("""
                      - name: %s
                        interval: 1s
                        rules:
                          - record: service:error_ratio:firing
                            expr: '(%s) and on() (%s)'
                          - record: service:p95:firing
                            expr: '%s'
                          - record: service:traffic:firing
                            expr: '%s'
                    """.formatted(service(s), errorRatio(s), guard(s), p95(s), traffic(s)));
        }
        return y.toString();
    }

    static String get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The largest value of a metric over its series in a Prometheus text exposition, -1 when absent. */
    static double maxOf(String exposition, String name) {
        double max = -1;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                max = Math.max(max, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return max;
    }

    static double sumOf(String exposition, String name) {
        double sum = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static String droppedSamples(String exposition) {
        List<String> out = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("release_pilot_samples_dropped_total{") && !line.endsWith(" 0.0")) {
                out.add(line.substring(line.indexOf('{'), line.indexOf('}') + 1) + "=" + line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    /**
     * The daemon in its own JVM, launched as {@code release-pilot run} with the given JVM options; its
     * stderr goes to a file that is searched for Vert.x blocked-thread warnings afterwards.
     */
    static final class DaemonProcess implements AutoCloseable {
        final int port;
        final long startupMillis;
        final long startupCpuMillis;
        private final Process process;
        private final Path log;

        private DaemonProcess(Process process, int port, long startupMillis, long startupCpuMillis, Path log) {
            this.process = process;
            this.port = port;
            this.startupMillis = startupMillis;
            this.startupCpuMillis = startupCpuMillis;
            this.log = log;
        }

        /** @param launch what follows the JVM options: {@code -cp CP MAIN} or {@code [-XX:SharedArchiveFile=A] -jar JAR} */
        static DaemonProcess start(String jvmOpts, List<String> launch, Path rules, Path dir) throws Exception {
            Files.createDirectories(dir);
            Path token = dir.resolve("admin.token");
            Files.writeString(token, "bench\n");
            int port = FreePort.get();
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(Arrays.asList(jvmOpts.trim().split("\\s+")));
            cmd.addAll(launch);
            cmd.addAll(List.of("run", "--config", rules.toString(), "--data-dir", dir.resolve("data").toString(),
                    "--listen", "127.0.0.1:" + port, "--admin-token-file", token.toString(), "--reconcile-interval", "0s"));
            Path log = dir.resolve("daemon.log");
            long t0 = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("MALLOC_ARENA_MAX", "2"); // as the systemd unit and the image set it
            Process p = pb.start();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
            long deadline = t0 + Duration.ofSeconds(60).toNanos();
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("daemon exited: " + Files.readString(log));
                }
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("daemon not ready in 60 s: " + Files.readString(log));
                }
                Thread.sleep(2); // polling for readiness
            }
            long wallMs = (System.nanoTime() - t0) / 1_000_000;
            return new DaemonProcess(p, port, wallMs, Math.round(ProcStats.of(p.pid()).cpuSeconds() * 1000), log);
        }

        long pid() {
            return process.pid();
        }

        long longestBlockedMs() throws IOException {
            long max = 0;
            Matcher m = BLOCKED.matcher(Files.readString(log));
            while (m.find()) {
                max = Math.max(max, Long.parseLong(m.group(1)));
            }
            return max;
        }

        long blockedWarnings() throws IOException {
            return BLOCKED.matcher(Files.readString(log)).results().count();
        }

        long unhandledExceptions() throws IOException {
            return Pattern.compile("Unhandled exception").matcher(Files.readString(log)).results().count();
        }

        String url() {
            return "http://127.0.0.1:" + port;
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /**
     * Alert trials while the load runs: an Alertmanager webhook alert for the pager service, the
     * rollback it causes on a real HAProxy, the reaction read from the journal (the alert's receivedAt
     * to the action record's time, both stamped by the daemon); then resume and restore the canary.
     */
    static final class Pager implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        private final DaemonProcess daemon;
        private final Haproxy haproxy;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final List<Double> reactions = Collections.synchronizedList(new ArrayList<>());
        /** The trials during the live phase only (one round a second, as a scraping fleet sends). */
        private final List<Double> liveReactions = Collections.synchronizedList(new ArrayList<>());
        /** Set when the max-rate phase starts. */
        volatile boolean maxRate;
        private volatile String failure;

        Pager(DaemonProcess daemon, Haproxy haproxy) {
            this.daemon = daemon;
            this.haproxy = haproxy;
        }

        @Override
        public void run() {
            try {
                for (int n = 1; !stop.get(); n++) {
                    haproxy.command("set weight be_checkout/canary1 10");
                    String body = """
                            {"receiver":"rp","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"PagerBench","trial":"%d"},
                            "annotations":{},"startsAt":"%s","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"%016x"}],
                            "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","version":"4","groupKey":"{}:{}","truncatedAlerts":0}
                            """.formatted(n, Instant.now(), n);
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(daemon.url() + "/api/v1/alerts/alertmanager"))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("webhook answered " + r.statusCode() + " " + r.body());
                    }
                    boolean live = !maxRate;
                    double reaction = waitForAction(n);
                    reactions.add(reaction);
                    if (live && !maxRate) {
                        liveReactions.add(reaction);
                    }
                    HttpResponse<String> resumed = http.send(HttpRequest.newBuilder(URI.create(daemon.url() + "/api/v1/services/pager/resume"))
                            .header("Authorization", "Bearer bench").header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                    if (resumed.statusCode() != 200) {
                        throw new IllegalStateException("resume answered " + resumed.statusCode() + " " + resumed.body());
                    }
                    Thread.sleep(100); // spacing between trials
                }
            } catch (Exception e) {
                failure = String.valueOf(e);
            }
        }

        /** Milliseconds from the alert's receivedAt to the action record of trial {@code n}. */
        private double waitForAction(int n) throws Exception {
            String fp = String.format("%016x", n);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                JsonArray recs = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(daemon.url()
                        + "/api/v1/decisions?service=pager&limit=10")).build(), HttpResponse.BodyHandlers.ofString()).body())
                        .getJsonArray("records");
                Instant received = null;
                for (Object o : recs) {
                    JsonObject rec = (JsonObject) o;
                    JsonObject b = rec.getJsonObject("body");
                    if (rec.getString("type").equals("decision") && b.getJsonObject("evidence").containsKey("alerts")) {
                        JsonObject alert = b.getJsonObject("evidence").getJsonArray("alerts").getJsonObject(0);
                        received = fp.equals(alert.getString("fingerprint")) ? Instant.parse(alert.getString("receivedAt")) : null;
                    } else if (rec.getString("type").equals("action") && received != null) {
                        return Duration.between(received, Instant.parse(b.getString("at"))).toNanos() / 1e6;
                    }
                }
                Thread.sleep(5); // polling the API; the figure itself comes from the daemon's stamps
            }
            throw new IllegalStateException("no action record for trial " + n);
        }

        String summary() {
            List<Double> s = sorted(reactions);
            if (s.isEmpty()) {
                return "no trial completed" + (failure == null ? "" : ": " + failure);
            }
            List<Double> l = sorted(liveReactions);
            return String.format(Locale.ROOT, "%.1f / %.1f (%d trials, max %.1f; live phase only %s)%s", pct(s, 0.5), pct(s, 0.99),
                    s.size(), s.get(s.size() - 1), l.isEmpty() ? "no trial" : String.format(Locale.ROOT, "%.1f / %.1f, %d trials, max %.1f",
                            pct(l, 0.5), pct(l, 0.99), l.size(), l.get(l.size() - 1)), failure == null ? "" : "; stopped: " + failure);
        }

        private static List<Double> sorted(List<Double> values) {
            List<Double> s;
            synchronized (values) {
                s = new ArrayList<>(values);
            }
            Collections.sort(s);
            return s;
        }

        private static double pct(List<Double> sorted, double q) {
            int i = (int) Math.ceil(q * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        }
    }
}
