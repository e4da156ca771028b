package dev.releasepilot.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real HAProxy (Debian package {@code haproxy}) in the foreground on free loopback ports, with one
 * backend {@code be_checkout} of {@code stable1} (weight 100) and {@code canary1} (weight 10) and an
 * admin runtime API on TCP and on a unix socket.
 */
public final class Haproxy implements AutoCloseable {
    public final int apiPort;
    public final int frontendPort;
    /** Port of HAProxy's own Prometheus exporter, or 0 when not enabled. */
    public final int promexPort;
    public final Path socket;
    private final Path dir;
    private final Path config;
    private PeerProcess process;

    public Haproxy(Path dir, int stablePort, int canaryPort) {
        this(dir, List.of("server stable1 127.0.0.1:" + stablePort + " weight 100",
                "server canary1 127.0.0.1:" + canaryPort + " weight 10"), false);
    }

    /**
     * An HAProxy whose {@code be_checkout} has the given {@code server ...} lines; with {@code promex}, a
     * second frontend on {@link #promexPort} serves HAProxy's own Prometheus exporter at /metrics.
     */
    public Haproxy(Path dir, List<String> serverLines, boolean promex) {
        this(dir, promex);
        rewriteServers(serverLines);
    }

    /**
     * An HAProxy with one backend per name in {@code backends}, each holding {@code stable1} (weight
     * 100) and {@code canary1} (weight 10); the frontend routes to the first one. For tests with many
     * services on one load balancer; read weights with {@link #weight(String, String)}.
     */
    public static Haproxy withBackends(Path dir, List<String> backends) {
        Haproxy h = new Haproxy(dir, false);
        StringBuilder cfg = new StringBuilder(h.globalAndFrontend(backends.get(0), ""));
        for (String b : backends) {
            cfg.append("backend ").append(b).append("\n    balance roundrobin\n")
                    .append("    server stable1 127.0.0.1:1 weight 100\n")
                    .append("    server canary1 127.0.0.1:2 weight 10\n");
        }
        h.writeConfig(cfg.toString());
        return h;
    }

    private Haproxy(Path dir, boolean promex) {
        this.dir = dir;
        this.apiPort = FreePort.get();
        this.frontendPort = FreePort.get();
        this.promexPort = promex ? FreePort.get() : 0;
        this.socket = dir.resolve("admin.sock");
        this.config = dir.resolve("haproxy.cfg");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites {@code be_checkout}'s server lines in the config file; a {@link #reload()} applies them. */
    public void rewriteServers(List<String> serverLines) {
        String promex = promexPort == 0 ? "" : """
                frontend prometheus
                    bind 127.0.0.1:%d
                    http-request use-service prometheus-exporter
                """.formatted(promexPort);
        writeConfig(globalAndFrontend("be_checkout", promex) + "backend be_checkout\n    balance roundrobin\n"
                + serverLines.stream().map(l -> "    " + l + "\n").collect(java.util.stream.Collectors.joining()));
    }

    private String globalAndFrontend(String defaultBackend, String extraFrontends) {
        return """
                global
                    stats socket ipv4@127.0.0.1:%d level admin
                    stats socket %s mode 600 level admin
                defaults
                    mode http
                    timeout connect 1s
                    timeout client 5s
                    timeout server 5s
                frontend fe
                    bind 127.0.0.1:%d
                    default_backend %s
                %s""".formatted(apiPort, socket, frontendPort, defaultBackend, extraFrontends);
    }

    private void writeConfig(String cfg) {
        try {
            Files.writeString(config, cfg);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Haproxy start() {
        Path bin = Binaries.require("haproxy", "haproxy");
        // Master-worker mode in the foreground, as systemd runs it, so tests can reload it the same way.
        process = PeerProcess.start("haproxy", dir, List.of(bin.toString(), "-W", "-db", "-f", config.toString()));
        Poll.until("HAProxy runtime API on " + apiPort, Duration.ofSeconds(10), () -> {
            process.assertAlive();
            return command("show info").contains("Pid:");
        });
        return this;
    }

    /** One runtime API command over TCP, answered in full (non-interactive mode). */
    public String command(String line) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", apiPort), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The current weight of {@code be_checkout/<server>}, read over the runtime API. */
    public int weight(String server) {
        return weight("be_checkout", server);
    }

    /** The current weight of {@code <backend>/<server>}, read over the runtime API. */
    public int weight(String backend, String server) {
        String r = command("get weight " + backend + "/" + server).strip();
        return Integer.parseInt(r.substring(0, r.indexOf(' ')));
    }

    /**
     * Reloads HAProxy as {@code systemctl reload} does (SIGUSR2 to the master): a new worker starts
     * from the config file, so every runtime weight change is lost. Returns once the new worker answers.
     */
    public void reload() {
        String before = workerPid();
        process.signal("USR2");
        Poll.until("a new HAProxy worker after reload", Duration.ofSeconds(10), () -> {
            process.assertAlive();
            return !workerPid().equals(before);
        });
    }

    /** The "Pid: N" line of {@code show info}: which worker answers the runtime API now. */
    public String workerPid() {
        return command("show info").lines().filter(l -> l.startsWith("Pid:")).findFirst().orElse("?");
    }

    public String address() {
        return "127.0.0.1:" + apiPort;
    }

    public void stop() {
        if (process != null) {
            process.close();
            process = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
