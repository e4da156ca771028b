package dev.releasepilot.bench;

import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.PeerProcess;
import dev.releasepilot.peers.Postgres;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Failover and sharing of daemons on one PostgreSQL journal, with real processes, HAProxy and
 * PostgreSQL on loopback.
 *
 * <p>Part 1, failover: two instances; each trial gives the service a fresh release on its holder,
 * SIGKILLs the holder, posts a new alert to the survivor at once, and measures kill → the survivor
 * holds the lease, and kill → the canary drained on HAProxy by the survivor (it received the alert
 * while watching and decides it on taking over). A new instance replaces the dead one before the next
 * trial. Part 2, sharing: 100 services on one HAProxy; one instance holding all vs two sharing them;
 * one new alert per service posted to every instance (as Alertmanager does), one after another; POST →
 * canary drained, and the CPU the instances used.
 *
 * <p>Run: {@code k6/bench.sh FailoverBench [kills] [services]} (defaults 20 and 100; 0 kills: part 2 only).
 */
public final class FailoverBench {
    private static final String TOKEN = "bench";
    // Absolute: the instances run in their own directories, and k6/bench.sh gives relative entries.
    private static final String CLASS_PATH = java.util.Arrays.stream(System.getProperty("java.class.path")
            .split(java.io.File.pathSeparator)).map(e -> Path.of(e).toAbsolutePath().toString())
            .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One daemon process of the cluster. */
    record Instance(String id, int port, PeerProcess process) {
        String url() {
            return "http://127.0.0.1:" + port;
        }

        JsonObject cluster() {
            return new JsonObject(get(url() + "/api/v1/cluster"));
        }

        boolean holds(String service) {
            try {
                JsonArray held = cluster().getJsonArray("held");
                return held != null && held.contains(service);
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int kills = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int services = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path dir = Files.createTempDirectory("rp-failover");
        Path token = dir.resolve("admin.token");
        Files.writeString(token, TOKEN);
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        try (Postgres pg = new Postgres().start()) {
            if (kills > 0) {
                failover(dir.resolve("failover"), pg, token, kills);
            }
            sharing(dir.resolve("sharing"), pg, token, services);
        }
    }

    private static void failover(Path dir, Postgres pg, Path token, int kills) throws Exception {
        String url = pg.createDatabase("failover");
        try (Haproxy haproxy = new Haproxy(dir.resolve("haproxy"), FreePort.get(), FreePort.get()).start()) {
            Path rules = rules(dir, haproxy, List.of("checkout"), "be_checkout");
            List<Instance> alive = new ArrayList<>(List.of(start(dir, "n0", rules, url, token), start(dir, "n1", rules, url, token)));
            int next = 2;
            List<Double> held = new ArrayList<>();
            List<Double> acted = new ArrayList<>();
            try {
                for (int k = 0; k < kills; k++) {
                    Instance holder = until(Duration.ofSeconds(30), () -> {
                        List<Instance> h = alive.stream().filter(i -> i.holds("checkout")).toList();
                        return h.size() == 1 && settled(alive) ? h.get(0) : null;
                    });
                    Instance survivor = alive.get(alive.get(0) == holder ? 1 : 0);
                    haproxy.command("set weight be_checkout/canary1 10");
                    post(holder.url() + "/api/v1/services/checkout/releases", "{\"version\": \"v" + k + "\"}", TOKEN);
                    long t0 = System.nanoTime();
                    holder.process().signal("KILL");
                    post(survivor.url() + "/api/v1/alerts/alertmanager", alert("CheckoutErrors", k), null);
                    boolean holds = false;
                    boolean drained = false;
                    while (!holds || !drained) {
                        if (!holds && survivor.holds("checkout")) {
                            holds = true;
                            held.add((System.nanoTime() - t0) / 1e6);
                        }
                        if (!drained && weight(haproxy, "be_checkout") == 0) {
                            drained = true;
                            acted.add((System.nanoTime() - t0) / 1e6);
                        }
                        if (System.nanoTime() - t0 > 30_000_000_000L) {
                            throw new IllegalStateException("no failover within 30 s in trial " + k);
                        }
                        Thread.sleep(10); // the poll interval bounds the resolution of the figure (10 ms)
                    }
                    alive.remove(holder);
                    holder.process().close();
                    alive.add(start(dir, "n" + next++, rules, url, token));
                }
            } finally {
                alive.forEach(i -> i.process().close());
            }
            System.out.printf(Locale.ROOT, "%nFailover, %d SIGKILLs of the holder (two instances, lease ttl 2 s, renew 500 ms), %d cores%n",
                    kills, Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "| %-58s | %8s | %8s | %8s | %8s |%n", "from SIGKILL to", "median s", "p90 s", "max s", "target");
            System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%n", "-".repeat(60), "-".repeat(10), "-".repeat(10), "-".repeat(10), "-".repeat(10));
            row("the survivor holds the lease", held, "3 / 5");
            row("the survivor acted on an alert posted at the kill", acted, "- / 5");
            System.out.printf(Locale.ROOT, "| %-58s | %8s | %8s | %8s | %8s |%n", "Argo Rollouts' leader lease (stated, not run)", "", "", "15", "");
            System.out.printf(Locale.ROOT, "| %-58s | %8s | %8s | %8s | %8s |%n", "Flagger's leader lease (stated, not run)", "", "", "60", "");
        }
    }

    private static void sharing(Path dir, Postgres pg, Path token, int services) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            names.add("svc" + i);
        }
        System.out.printf(Locale.ROOT, "%n%d services, one new alert each, posted to every instance at once; POST -> canary drained%n", services);
        System.out.printf(Locale.ROOT, "| %-30s | %10s | %10s | %10s | %14s | %14s |%n", "instances", "p50 ms", "p99 ms", "max ms",
                "CPU s (alerts)", "CPU s (idle 10s)");
        System.out.printf(Locale.ROOT, "|%s|%s|%s|%s|%s|%s|%n", "-".repeat(32), "-".repeat(12), "-".repeat(12), "-".repeat(12),
                "-".repeat(16), "-".repeat(16));
        for (int n : new int[] {1, 2}) {
            Path d = dir.resolve(n + "-instances");
            String url = pg.createDatabase("sharing" + n);
            try (Haproxy haproxy = Haproxy.withBackends(d.resolve("haproxy"), names.stream().map(s -> "be_" + s).toList()).start()) {
                Path rules = rules(d, haproxy, names, null);
                List<Instance> all = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    all.add(start(d, "s" + i, rules, url, token));
                }
                try {
                    until(Duration.ofSeconds(60), () -> settled(all) && names.stream().allMatch(s ->
                            all.stream().filter(i -> i.holds(s)).count() == 1) ? Boolean.TRUE : null);
                    double idle0 = cpu(all);
                    Thread.sleep(10_000); // the measured quantity: CPU of lease rounds over 10 s with nothing else to do
                    double idle = cpu(all) - idle0;
                    double cpu0 = cpu(all);
                    List<Double> reaction = new ArrayList<>();
                    for (int s = 0; s < services; s++) {
                        String body = alert("Errors", s).replace("\"alertname\":\"Errors\"",
                                "\"alertname\":\"Errors\",\"service\":\"" + names.get(s) + "\"");
                        long t0 = System.nanoTime();
                        // To every instance at once, as Alertmanager sends to each of its webhooks.
                        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
                        for (Instance i : all) {
                            sent.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(i.url() + "/api/v1/alerts/alertmanager"))
                                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
                        }
                        while (weight(haproxy, "be_" + names.get(s)) != 0) {
                            if (System.nanoTime() - t0 > 10_000_000_000L) {
                                throw new IllegalStateException(names.get(s) + " not drained within 10 s");
                            }
                            Thread.onSpinWait();
                        }
                        reaction.add((System.nanoTime() - t0) / 1e6);
                        for (var f : sent) {
                            if (f.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode() != 200) {
                                throw new IllegalStateException("webhook answered " + f.get().statusCode());
                            }
                        }
                    }
                    double used = cpu(all) - cpu0;
                    Collections.sort(reaction);
                    System.out.printf(Locale.ROOT, "| %-30s | %10.1f | %10.1f | %10.1f | %14.2f | %14.2f |%n",
                            n == 1 ? "one holding all" : n + " sharing (" + heldBy(all, names) + ")", pct(reaction, 0.5),
                            pct(reaction, 0.99), reaction.get(reaction.size() - 1), used, idle);
                } finally {
                    all.forEach(i -> i.process().close());
                }
            }
        }
    }

    private static String heldBy(List<Instance> all, List<String> names) {
        List<String> parts = new ArrayList<>();
        for (Instance i : all) {
            parts.add(i.id() + " " + names.stream().filter(i::holds).count());
        }
        return String.join(", ", parts);
    }

    private static double cpu(List<Instance> all) {
        double sum = 0;
        for (Instance i : all) {
            sum += ProcStats.of(i.process().pid()).cpuSeconds();
        }
        return sum;
    }

    /** Every instance sees every other live and every lease with the holder rendezvous hashing names. */
    private static boolean settled(List<Instance> all) {
        for (Instance i : all) {
            JsonObject v;
            try {
                v = i.cluster();
            } catch (RuntimeException e) {
                return false;
            }
            long live = v.getJsonArray("instances").stream().filter(o -> ((JsonObject) o).getBoolean("live")).count();
            if (live != all.size() || v.getJsonArray("leases").stream().map(o -> (JsonObject) o)
                    .anyMatch(l -> l.getBoolean("expired") || !l.getString("holder").equals(l.getString("should_hold")))) {
                return false;
            }
        }
        return true;
    }

    private static Path rules(Path dir, Haproxy haproxy, List<String> names, String onlyBackend) throws IOException {
        StringBuilder yaml = new StringBuilder("services:\n");
        for (String n : names) {
            yaml.append("""
                      - name: %1$s
                        backend: {type: haproxy, address: "%2$s", backend: %3$s, stable: [stable1], canary: [canary1], timeout: 1s}
                        triggers:
                          - name: paged
                            alert: '{alertname=~"%4$s"%5$s}'
                        on_trigger: rollback
                        cooldown: 0s
                    """.formatted(n, haproxy.address(), onlyBackend != null ? onlyBackend : "be_" + n,
                    onlyBackend != null ? "CheckoutErrors" : "Errors", onlyBackend != null ? "" : ", service=\"" + n + "\""));
        }
        Files.createDirectories(dir);
        Path p = dir.resolve("rules.yaml");
        Files.writeString(p, yaml.toString());
        return p;
    }

    private static Instance start(Path dir, String id, Path rules, String url, Path token) throws Exception {
        int port = FreePort.get();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx256m", "-cp", CLASS_PATH, "dev.releasepilot.cli.Main", "run",
                "--config", rules.toString(), "--data-dir", dir.resolve("data-" + id).toString(), "--journal-url", url,
                "--instance-id", id, "--listen", "127.0.0.1:" + port, "--admin-token-file", token.toString(),
                "--reconcile-interval", "0s");
        Instance i = new Instance(id, port, PeerProcess.start("daemon-" + id, dir, cmd));
        until(Duration.ofSeconds(60), () -> {
            i.process().assertAlive();
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create(i.url() + "/-/healthy")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200 ? Boolean.TRUE : null;
            } catch (IOException e) {
                return null;
            }
        });
        return i;
    }

    private static String alert(String alertname, int n) {
        return """
                {"receiver":"rp","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"%s","trial":"%d"},
                "annotations":{},"startsAt":"%s","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"%016x"}],
                "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","version":"4","groupKey":"{}:{}","truncatedAlerts":0}
                """.formatted(alertname, n, Instant.now(), n + 1);
    }

    private static int weight(Haproxy haproxy, String backend) {
        return haproxy.weight(backend, "canary1");
    }

    private static String get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void post(String url, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + " " + r.body());
        }
    }

    private static <T> T until(Duration within, java.util.concurrent.Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            T v = probe.call();
            if (v != null) {
                return v;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("not reached within " + within);
    }

    private static void row(String what, List<Double> ms, String target) {
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        System.out.printf(Locale.ROOT, "| %-58s | %8.2f | %8.2f | %8.2f | %8s |%n", what, pct(s, 0.5) / 1000,
                pct(s, 0.9) / 1000, s.get(s.size() - 1) / 1000, target);
    }

    private static double pct(List<Double> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }
}
