package dev.releasepilot.bench;

import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import dev.releasepilot.peers.Binaries;
import dev.releasepilot.peers.Caddy;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.NamedUpstream;
import dev.releasepilot.peers.Nginx;
import dev.releasepilot.peers.ToyLoadBalancer;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark, not a test: per actuator, the latency of "apply(command) → weights read back and verified"
 * against the real LB on loopback, over N shifts that alternate Rollback and Restore (so every shift
 * really changes the LB), side by side with the floor each LB imposes — the cheapest operation that
 * changes it, timed the same way without our read-back. Prints one table.
 *
 * <pre>
 * cd daemon
 * mvn -B -ntp -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" dev.releasepilot.bench.ActuatorBench 200
 * </pre>
 */
public final class ActuatorBench {
    private static final int WARMUP = 50;

    private record Row(String actuator, double[] shiftsMs, String floorWhat, double[] floorMs, String note) {
    }

    private ActuatorBench() {
    }

    public static void main(String[] args) throws Exception {
        int shifts = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Vertx vertx = Vertx.vertx();
        Path root = Files.createTempDirectory("rp-actuator-bench");
        List<Row> rows = new ArrayList<>();
        try (NamedUpstream stable = new NamedUpstream(vertx, "stable"); NamedUpstream canary = new NamedUpstream(vertx, "canary")) {
            rows.add(haproxy(vertx, root.resolve("haproxy"), stable, canary, shifts));
            rows.add(nginx(vertx, root.resolve("nginx"), stable, canary, shifts));
            rows.add(caddy(vertx, root.resolve("caddy"), stable, canary, shifts));
            rows.add(http(vertx, stable, canary, shifts));
            rows.add(exec(vertx, root.resolve("exec"), stable, canary, shifts));
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.printf(Locale.ROOT, "%nActuators: apply(Rollback|Restore) → weights verified, %d shifts each (after %d warm-up), loopback, %d cores%n%n",
                shifts, WARMUP, Runtime.getRuntime().availableProcessors());
        System.out.println("| actuator | p50 ms | p99 ms | max ms | floor: the LB's own cheapest change | floor p50 ms | floor p99 ms | what dominates |");
        System.out.println("|---|---:|---:|---:|---|---:|---:|---|");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %s | %.2f | %.2f | %s |%n", r.actuator(),
                    pct(r.shiftsMs(), 50), pct(r.shiftsMs(), 99), pct(r.shiftsMs(), 100), r.floorWhat(),
                    pct(r.floorMs(), 50), pct(r.floorMs(), 99), r.note());
        }
    }

    private static Row haproxy(Vertx vertx, Path dir, NamedUpstream stable, NamedUpstream canary, int n) throws Exception {
        try (Haproxy lb = new Haproxy(dir, stable.port, canary.port).start()) {
            Actuator a = actuator(vertx, """
                    type: haproxy
                    address: %s
                    backend: be_checkout
                    stable: [stable1]
                    canary: [canary1]
                    """.formatted(lb.address()));
            double[] shifts = shifts(a, "canary1", n);
            double[] floor = time(n, () -> lb.command("set weight be_checkout/canary1 0%"));
            return new Row("haproxy (runtime API, TCP)", shifts, "one `set weight` round trip", floor,
                    "one round trip: set + get weight on one line");
        }
    }

    private static Row nginx(Vertx vertx, Path dir, NamedUpstream stable, NamedUpstream canary, int n) throws Exception {
        try (Nginx lb = new Nginx(dir, stable.address(), canary.address()).start()) {
            Actuator a = actuator(vertx, """
                    type: nginx
                    upstream_file: %s
                    generation_file: %s
                    generation_url: %s
                    stable: [{server: "%s", weight: 3}]
                    canary: [{server: "%s", weight: 1}]
                    nginx: %s
                    prefix: %s
                    config: %s
                    """.formatted(lb.upstreamFile, lb.generationFile, lb.generationUrl(), stable.address(),
                    canary.address(), lb.binary, lb.dir, lb.config));
            double[] shifts = shifts(a, canary.address(), n);
            // The floor: rewrite the generation include, reload, poll until one new connection sees it —
            // no nginx -t, no fsync, no waiting for the old workers.
            List<String> reload = List.of(lb.binary.toString(), "-p", lb.dir.toString(), "-c", lb.config.toString(), "-s", "reload");
            int[] gen = {0};
            double[] floor = time(Math.min(n, 100), () -> {
                String g = "floor-" + gen[0]++;
                Files.writeString(lb.generationFile, "location = /__rp_gen/checkout { return 200 \"" + g + "\"; }\n");
                Process p = new ProcessBuilder(reload).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("nginx -s reload failed");
                }
                while (!rawGet(lb.generationPort, "/__rp_gen/checkout").equals(g)) {
                    Thread.onSpinWait();
                }
                return null;
            });
            return new Row("nginx (include + -t + reload)", shifts, "`nginx -s reload` until one new connection sees the new config", floor,
                    "the master keeps old workers accepting 100 ms after a reload; apply waits them out");
        }
    }

    private static Row caddy(Vertx vertx, Path dir, NamedUpstream stable, NamedUpstream canary, int n) throws Exception {
        try (Caddy lb = new Caddy(dir, stable.address(), canary.address()).start()) {
            Actuator a = actuator(vertx, """
                    type: caddy
                    admin: %s
                    handler_id: %s
                    stable: [{server: "%s", weight: 3}]
                    canary: [{server: "%s", weight: 1}]
                    """.formatted(lb.admin(), Caddy.HANDLER_ID, stable.address(), canary.address()));
            double[] shifts = shifts(a, canary.address(), n);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String[] bodies = {"[{\"dial\":\"%s\"}]".formatted(stable.address()),
                    "[{\"dial\":\"%s\"},{\"dial\":\"%s\"}]".formatted(stable.address(), canary.address())};
            int[] i = {0};
            double[] floor = time(n, () -> {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(lb.admin() + "/id/" + Caddy.HANDLER_ID + "/upstreams"))
                        .header("Content-Type", "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString(bodies[i[0]++ % 2]))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("PATCH " + r.statusCode());
                }
                return null;
            });
            return new Row("caddy (admin API PATCH + GET)", shifts, "one PATCH (a full config reload in Caddy)", floor,
                    "Caddy reloading its whole config per change");
        }
    }

    private static Row http(Vertx vertx, NamedUpstream stable, NamedUpstream canary, int n) throws Exception {
        Map<String, Integer> servers = new LinkedHashMap<>();
        servers.put("stable", stable.port);
        servers.put("canary", canary.port);
        try (ToyLoadBalancer lb = new ToyLoadBalancer(vertx, "checkout", servers)) {
            Actuator a = actuator(vertx, """
                    type: http
                    stable: [{server: stable, weight: 3}]
                    canary: [{server: canary, weight: 1}]
                    request:
                      method: PUT
                      url: %1$s/api/pools/${service}
                      body: '{"weights": ${weights}}'
                    read:
                      url: %1$s/api/pools/${service}
                      expect: '$.servers[1].weight == ${canary_weight}'
                    """.formatted(lb.apiUrl()));
            double[] shifts = shifts(a, "canary", n);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            double[] floor = time(n, () -> client.send(HttpRequest.newBuilder(URI.create(lb.apiUrl() + "/api/pools/checkout"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"weights\":{\"canary\":0}}")).build(),
                    HttpResponse.BodyHandlers.discarding()));
            return new Row("http (templated PUT + GET check)", shifts, "one PUT to the toy LB's API", floor,
                    "two HTTP round trips");
        }
    }

    private static Row exec(Vertx vertx, Path dir, NamedUpstream stable, NamedUpstream canary, int n) throws Exception {
        try (Caddy lb = new Caddy(dir.resolve("caddy"), stable.address(), canary.address()).start()) {
            Path script = dir.resolve("shift-caddy.sh");
            Files.writeString(script, """
                    #!/bin/sh
                    set -eu
                    url="$1/id/rp_checkout/upstreams"
                    if [ "$RP_CANARY_WEIGHT" = 0 ]; then body='[{"dial":"%2$s"}]'; c=0; else body='[{"dial":"%2$s"},{"dial":"%3$s"}]'; c=1; fi
                    %1$s -sS -f -X PATCH -H 'Content-Type: application/json' -d "$body" "$url" >/dev/null
                    printf '{"stable": 1, "canary": %%d}\\n' "$c"
                    """.formatted(Binaries.require("curl", "curl"), stable.address(), canary.address()));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            Actuator a = actuator(vertx, """
                    type: exec
                    command: %s
                    args: ["%s"]
                    stable: [{server: stable, weight: 1}]
                    canary: [{server: canary, weight: 1}]
                    timeout: 5s
                    """.formatted(script, lb.admin()));
            double[] shifts = shifts(a, "canary", n);
            double[] floor = time(n, () -> {
                Process p = new ProcessBuilder("/bin/true").start();
                return p.waitFor();
            });
            return new Row("exec (script: curl PATCH to Caddy)", shifts, "fork+exec of /bin/true from the JVM", floor,
                    "process start + the script's own work");
        }
    }

    /** Times n shifts alternating Rollback and Restore; fails if a shift's read-back is not what it asked for. */
    private static double[] shifts(Actuator a, String canaryServer, int n) throws Exception {
        for (int i = 0; i < WARMUP; i++) {
            shift(a, i, canaryServer);
        }
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            shift(a, i, canaryServer);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    private static void shift(Actuator a, int i, String canaryServer) throws Exception {
        boolean rollback = i % 2 == 0;
        Command c = rollback ? new Command.Rollback("checkout") : new Command.Restore("checkout");
        Weights w = a.apply(c).await(30, TimeUnit.SECONDS);
        int canary = w.current().get(canaryServer);
        if (rollback ? canary != 0 : canary == 0) {
            throw new IllegalStateException(c + " read back " + w);
        }
    }

    /** A step whose cost is the floor; it may return anything. */
    private interface Step {
        Object run() throws Exception;
    }

    private static double[] time(int n, Step step) throws Exception {
        for (int i = 0; i < WARMUP; i++) {
            step.run();
        }
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    private static Actuator actuator(Vertx vertx, String backend) {
        StringBuilder yaml = new StringBuilder("services:\n  - name: checkout\n    backend:\n");
        backend.strip().lines().forEach(l -> yaml.append("      ").append(l).append('\n'));
        LoadResult r = RuleLoader.parse("bench.yaml", yaml.toString());
        if (!r.ok()) {
            throw new IllegalStateException(r.errors().toString());
        }
        return Actuators.create(vertx, r.rules().services().get(0).backend());
    }

    /** GET on a new connection, body only (the NGINX floor must not ride a kept-alive old worker). */
    private static String rawGet(int port, String path) throws java.io.IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String reply = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return reply.substring(reply.indexOf("\r\n\r\n") + 4).strip();
        }
    }

    private static double pct(double[] values, int p) {
        double[] s = values.clone();
        Arrays.sort(s);
        int idx = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, idx))];
    }
}
