package dev.releasepilot.bench;

import dev.releasepilot.ingest.remotewrite.InlineCost;
import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Prometheus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * remote_write ingest, side by side in one run: our receiver (in its own JVM, into the real
 * {@code SeriesStore} with rules that select every series, see {@link RemoteWriteBenchServer}) against
 * Prometheus' own {@code --web.enable-remote-write-receiver} (its own TSDB directory), fed the same
 * pre-built payloads by the same client.
 *
 * <p>Per receiver and series count: a warm-up pass (creates every series, warms the JIT), then a
 * timed pass of appends to existing series. Reported: samples/s over the timed pass (wall clock, the
 * client on the same machine), the receiver's CPU seconds per million samples (from /proc, so client
 * contention does not blur it), its RSS at the end and its peak RSS (VmRSS, VmHWM), non-2xx answers,
 * and what the receiver says it stored. Results: docs/benchmarks.md, "remote_write ingest".
 *
 * <p>Run: {@code k6/bench.sh RemoteWriteBench [--series=10000,100000] [--timed-samples=2000000]
 * [--warmup-samples=500000] [--connections=16] [--event-loops=2]
 * [--server-jvm-opts="@infra/jvm.options"] [--profile]}; {@code --profile} records our server
 * with JFR and prints where its time went in the timed pass ({@link JfrBreakdown}). {@code --connections} is also the number of
 * sender shards (series are split among them as Prometheus splits them among its shards).
 */
public final class RemoteWriteBench {
    private RemoteWriteBench() {
    }

    /** One receiver's result; the timed pass ran from {@code from} to {@code to}. */
    record Row(int series, String receiver, long warmupSamples, double jitSeconds, double samplesPerSecond, double cpuPerMillion,
               double clientCpuPerMillion, long rssKib, long peakKib, int non2xx, String stored, Instant from, Instant to) {
        Row stored(String what) {
            return new Row(series, receiver, warmupSamples, jitSeconds, samplesPerSecond, cpuPerMillion, clientCpuPerMillion, rssKib,
                    peakKib, non2xx, what, from, to);
        }
    }

    public static void main(String[] args) throws Exception {
        List<Integer> seriesCounts = List.of(10_000, 100_000);
        long timedSamples = 2_000_000;
        long warmupSamples = 500_000;
        int warmupChunks = 8; // 4M samples: C2 still compiled through 1M here
        int connections = 16;
        int eventLoops = 2;
        String jvmOpts = "@infra/jvm.options"; // what the daemon ships with (k6/bench.sh runs from the repository root)
        boolean profile = false;
        for (String a : args) {
            String v = a.substring(a.indexOf('=') + 1);
            if (a.startsWith("--series=")) {
                seriesCounts = Arrays.stream(v.split(",")).map(Integer::parseInt).toList();
            } else if (a.startsWith("--timed-samples=")) {
                timedSamples = Long.parseLong(v);
            } else if (a.startsWith("--warmup-samples=")) {
                warmupSamples = Long.parseLong(v);
            } else if (a.startsWith("--warmup-chunks=")) {
                warmupChunks = Integer.parseInt(v);
            } else if (a.startsWith("--connections=")) {
                connections = Integer.parseInt(v);
            } else if (a.startsWith("--event-loops=")) {
                eventLoops = Integer.parseInt(v);
            } else if (a.startsWith("--server-jvm-opts=")) {
                jvmOpts = v;
            } else if (a.equals("--profile")) {
                profile = true;
            } else {
                throw new IllegalArgumentException("unknown option " + a);
            }
        }
        System.out.printf("remote_write ingest benchmark: %d cores, %d connections, %d samples per request, "
                        + "our server: %d event loops, JVM %s%n", Runtime.getRuntime().availableProcessors(), connections,
                BenchPayloads.SAMPLES_PER_REQUEST, eventLoops, expanded(jvmOpts));
        List<Row> rows = new ArrayList<>();
        Vertx vertx = Vertx.vertx();
        try {
            for (int series : seriesCounts) {
                int warmRounds = (int) Math.max(1, (warmupSamples + series - 1) / series);
                int timedRounds = (int) Math.max(1, (timedSamples + series - 1) / series);
                BenchPayloads p = new BenchPayloads(series, warmRounds, warmupChunks, timedRounds, connections,
                        System.currentTimeMillis());
                System.out.printf("%n%d series: warm-up %d × %d samples + %d timed samples, %.0f bytes/request raw, %.0f snappy%n",
                        series, warmupChunks, p.warmupSamples, p.timedSamples, (double) p.rawBytes / p.requests,
                        (double) p.compressedBytes / p.requests);
                InlineCost.PerRequest all = InlineCost.measure(p.warmupRequests(), p.sampleOfRequests(2000),
                        RemoteWriteBenchServer.store(BenchPayloads.METRICS, 1_000_000, new SimpleMeterRegistry()));
                InlineCost.PerRequest few = InlineCost.measure(p.warmupRequests(), p.sampleOfRequests(2000),
                        RemoteWriteBenchServer.store(List.of("db_connections_in_use"), 1_000_000, new SimpleMeterRegistry()));
                System.out.printf("inline cost on the event loop per %d-sample request: snappy %.1f µs + decode and append %.1f µs "
                                + "(all series wanted) or %.1f µs (2%% wanted, the rest dropped by the metric-name pre-filter)%n",
                        BenchPayloads.SAMPLES_PER_REQUEST, all.snappyMicros(), all.decodeMicros(), few.decodeMicros());
                System.out.printf("  client alone (last warm-up pass, until the JIT is idle, against a receiver that discards bodies): %,.0f samples/s%n",
                        clientAlone(vertx, p, connections));
                Row ours = runOurs(vertx, p, connections, eventLoops, jvmOpts, profile);
                rows.add(ours);
                print(ours, null);
                Row prom = runPrometheus(vertx, p, connections);
                rows.add(prom);
                print(prom, null);
            }
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
        System.out.println();
        System.out.println("| series | receiver | samples/s | × Prometheus | CPU s per 1M samples | client CPU s per 1M | RSS at end (MiB) | peak RSS (MiB) | RSS ÷ Prometheus | non-2xx | stored |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (int i = 0; i < rows.size(); i += 2) {
            print(rows.get(i), rows.get(i + 1));
            print(rows.get(i + 1), rows.get(i + 1));
        }
    }

    private static void print(Row r, Row prometheus) {
        if (prometheus == null) {
            System.out.printf(Locale.ROOT, "  %s (after %,d warm-up samples; JIT threads of both JVMs %.2f CPU s in the timed pass): %,.0f samples/s, %.2f CPU s per 1M samples (client %.2f), RSS %d MiB (peak %d MiB), non-2xx %d, stored %s%n",
                    r.receiver(), r.warmupSamples(), r.jitSeconds(), r.samplesPerSecond(), r.cpuPerMillion(), r.clientCpuPerMillion(), r.rssKib() / 1024, r.peakKib() / 1024, r.non2xx(), r.stored());
            return;
        }
        System.out.printf(Locale.ROOT, "| %,d | %s | %,.0f | %.2f | %.2f | %.2f | %d | %d | %.2f | %d | %s |%n", r.series(), r.receiver(),
                r.samplesPerSecond(), r.samplesPerSecond() / prometheus.samplesPerSecond(), r.cpuPerMillion(), r.clientCpuPerMillion(),
                r.rssKib() / 1024, r.peakKib() / 1024, (double) r.peakKib() / prometheus.peakKib(), r.non2xx(), r.stored());
    }

    private static Row runOurs(Vertx vertx, BenchPayloads p, int connections, int loops, String jvmOpts, boolean profile)
            throws Exception {
        int port = FreePort.get();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(jvmOpts.trim().split("\\s+")));
        Path recording = Files.createTempFile("rp-bench", ".jfr");
        if (profile) {
            cmd.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + recording);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RemoteWriteBenchServer.class.getName(),
                Integer.toString(port), Integer.toString(loops), "1000000"));
        Process server = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("LISTENING")) {
                System.err.println("bench server: " + line); // e.g. JVM diagnostics asked for in the options
            }
            if (line == null) {
                throw new IllegalStateException("bench server exited before listening");
            }
            Thread drain = new Thread(() -> out.lines().forEach(l -> System.err.println("bench server: " + l)));
            drain.setDaemon(true); // whatever it prints later (e.g. -XX:+PrintNMTStatistics at exit) must not block it
            drain.start();
            Row r = measure(vertx, p, connections, port, server.pid(), "release-pilot");
            JsonObject stats = new JsonObject(get("http://127.0.0.1:" + port + "/bench/stats"));
            server.getOutputStream().close();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("bench server did not stop");
            }
            if (profile) {
                System.out.println("  release-pilot profile of the timed pass: " + JfrBreakdown.of(recording, r.from(), r.to()));
            }
            return r.stored(stats.getLong("series") + " series over " + stats.getLong("connections") + " connections, " + (stats.getLong("received") - stats.getLong("dropped"))
                    + " samples (" + stats.getLong("dropped") + " dropped)");
        } finally {
            server.destroyForcibly();
            Files.deleteIfExists(recording);
        }
    }

    private static Row runPrometheus(Vertx vertx, BenchPayloads p, int connections) throws Exception {
        Path dir = Files.createTempDirectory("rp-bench-prometheus");
        try (Prometheus prometheus = Prometheus.receiving(dir)) {
            Row r = measure(vertx, p, connections, prometheus.port, prometheus.pid(), "prometheus");
            long onDisk;
            try (Stream<Path> files = Files.walk(dir)) {
                onDisk = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            }
            return r.stored((long) prometheus.selfMetric("prometheus_tsdb_head_series") + " series, "
                    + (long) prometheus.selfMetric("prometheus_tsdb_head_samples_appended_total") + " samples, "
                    + onDisk / (1024 * 1024) + " MiB WAL on disk");
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static Row measure(Vertx vertx, BenchPayloads p, int connections, int port, long pid, String name)
            throws Exception {
        try (LoadClient client = new LoadClient(vertx, port, connections)) {
            // Every receiver gets the same warm-up, long enough for a JIT to settle on these 2 shared cores
            // (a JVM measured while C2 still compiles pays for it: seen here, C2 busy half a core through a
            // whole timed pass after a 500k-sample warm-up). What the JITs still compiled during the timed
            // pass is reported.
            long self = ProcessHandle.current().pid();
            LoadClient.Result warm = null;
            for (List<List<byte[]>> chunk : p.warmup) {
                LoadClient.Result r = client.send(chunk);
                warm = warm == null ? r : new LoadClient.Result(warm.nanos() + r.nanos(), merged(warm.statuses(), r.statuses()),
                        warm.firstError() != null ? warm.firstError() : r.firstError());
            }
            System.gc(); // this JVM's garbage from building payloads must not be collected while the client is timed
            ProcStats before = ProcStats.of(pid);
            ProcStats clientBefore = ProcStats.of(self);
            java.util.Map<Long, Double> jitBefore = ProcStats.compilerCpuSeconds(pid);
            java.util.Map<Long, Double> clientJitBefore = ProcStats.compilerCpuSeconds(self);
            Instant from = Instant.now();
            LoadClient.Result timed = client.send(p.timed);
            Instant to = Instant.now();
            ProcStats after = ProcStats.of(pid);
            ProcStats clientAfter = ProcStats.of(self);
            double jit = ProcStats.compilerCpuSince(jitBefore, ProcStats.compilerCpuSeconds(pid))
                    + ProcStats.compilerCpuSince(clientJitBefore, ProcStats.compilerCpuSeconds(self));
            for (LoadClient.Result r : List.of(warm, timed)) {
                if (r.firstError() != null) {
                    System.out.println("  " + name + " answered " + r.statuses() + "; first error: " + r.firstError());
                }
            }
            double seconds = timed.nanos() / 1e9;
            return new Row(p.series, name, p.warmup.size() * p.warmupSamples, jit, p.timedSamples / seconds,
                    (after.cpuSeconds() - before.cpuSeconds()) / (p.timedSamples / 1e6),
                    (clientAfter.cpuSeconds() - clientBefore.cpuSeconds()) / (p.timedSamples / 1e6), after.rssKib(), after.peakRssKib(),
                    warm.non2xx() + timed.non2xx(), "", from, to);
        }
    }

    /**
     * Sends every payload to a receiver in this JVM that only reads the body and answers 204: warms the
     * client's code up (the first receiver measured would otherwise share the machine with the JIT
     * compiling the client) and shows the client's own ceiling on this machine.
     */
    private static double clientAlone(Vertx vertx, BenchPayloads p, int connections) throws Exception {
        io.vertx.core.http.HttpServer sink = vertx.createHttpServer()
                .requestHandler(req -> req.body().onComplete(b -> req.response().setStatusCode(204).end()))
                .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        try (LoadClient client = new LoadClient(vertx, sink.actualPort(), connections)) {
            // Until this JVM's JIT has been idle for a whole pass: C2 compiling the client's code while a
            // receiver is measured takes a core from it (seen here: the client's CPU per sample 5x higher).
            long self = ProcessHandle.current().pid();
            double rate = 0;
            for (int pass = 0; pass < 40; pass++) {
                java.util.Map<Long, Double> jit = ProcStats.compilerCpuSeconds(self);
                long start = System.nanoTime();
                client.send(p.warmup.get(0));
                rate = p.timedSamples / (client.send(p.timed).nanos() / 1e9);
                if (ProcStats.compilerCpuSince(jit, ProcStats.compilerCpuSeconds(self)) < 0.02 * (System.nanoTime() - start) / 1e9) {
                    break;
                }
            }
            return rate;
        } finally {
            sink.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** The options with an @argfile's lines in place (comments dropped), for the report. */
    private static String expanded(String opts) throws IOException {
        List<String> out = new ArrayList<>();
        for (String o : opts.trim().split("\\s+")) {
            if (o.startsWith("@")) {
                Files.readAllLines(Path.of(o.substring(1))).stream().map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(out::add);
            } else {
                out.add(o);
            }
        }
        return String.join(" ", out);
    }

    private static java.util.Map<Integer, Integer> merged(java.util.Map<Integer, Integer> a, java.util.Map<Integer, Integer> b) {
        java.util.Map<Integer, Integer> m = new java.util.TreeMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, Integer::sum));
        return m;
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
