package dev.releasepilot.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real NGINX (Debian package {@code nginx-light}) in the foreground with its own prefix directory and
 * free loopback ports, laid out the way docs/backends.md tells users to: {@code upstream checkout}
 * includes {@link #upstreamFile}, a localhost-only server includes {@link #generationFile}, which
 * answers {@code /__rp_gen/checkout}. Starts with stable weight 3 and canary weight 1.
 */
public final class Nginx implements AutoCloseable {
    public final int frontendPort;
    public final int generationPort;
    public final Path dir;
    public final Path config;
    public final Path upstreamFile;
    public final Path generationFile;
    public final Path binary;
    private PeerProcess process;

    public Nginx(Path dir, String stable, String canary) {
        this.dir = dir;
        this.frontendPort = FreePort.get();
        this.generationPort = FreePort.get();
        this.config = dir.resolve("nginx.conf");
        this.upstreamFile = dir.resolve("checkout.upstream.conf");
        this.generationFile = dir.resolve("checkout.gen.conf");
        this.binary = Binaries.require("nginx", "nginx-light");
        String tmp = dir.resolve("tmp").toString();
        String cfg = """
                daemon off;
                worker_processes 2;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log notice;
                events { worker_connections 256; }
                http {
                    access_log off;
                    client_body_temp_path %2$s/body;
                    proxy_temp_path %2$s/proxy;
                    fastcgi_temp_path %2$s/fastcgi;
                    uwsgi_temp_path %2$s/uwsgi;
                    scgi_temp_path %2$s/scgi;
                    upstream checkout {
                        include %3$s;
                    }
                    server {
                        listen 127.0.0.1:%4$d;
                        location / { proxy_pass http://checkout; }
                    }
                    server {
                        listen 127.0.0.1:%5$d;
                        include %6$s;
                    }
                }
                """.formatted(dir, tmp, upstreamFile, frontendPort, generationPort, generationFile);
        try {
            Files.createDirectories(dir.resolve("tmp"));
            Files.writeString(config, cfg);
            Files.writeString(upstreamFile, "server " + stable + " weight=3;\nserver " + canary + " weight=1;\n");
            // As the actuator writes it: the generation and the answering worker's pid, so the first shift
            // can tell the previous workers apart exactly (NginxWorkers).
            Files.writeString(generationFile, "location = /__rp_gen/checkout { return 200 \"initial $pid\"; }\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Nginx start() {
        process = PeerProcess.start("nginx", dir, List.of(binary.toString(), "-p", dir.toString(), "-c", config.toString()));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Poll.until("NGINX generation endpoint on " + generationPort, Duration.ofSeconds(10), () -> {
            process.assertAlive();
            return http.send(HttpRequest.newBuilder(URI.create(generationUrl())).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        });
        return this;
    }

    /** The master process (the peer runs NGINX in the foreground, so it is the process the test started). */
    public long masterPid() {
        return process.pid();
    }

    public String generationUrl() {
        return "http://127.0.0.1:" + generationPort + "/__rp_gen/checkout";
    }

    public String errorLog() {
        try {
            Path log = dir.resolve("error.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
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
