package dev.releasepilot.peers;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real nats-server (Debian package {@code nats-server}) on a free loopback port (never the
 * system's 4222), with its HTTP monitoring endpoint on another. Created stopped; it can be started,
 * killed and started again on the same ports, to test clients that come up first or reconnect.
 */
public final class NatsServer implements AutoCloseable {
    public final int port;
    public final int monitorPort;
    private final Path dir;
    private final HttpClient http = HttpClient.newHttpClient();
    private PeerProcess process;

    public NatsServer(Path dir) {
        this.dir = dir;
        this.port = FreePort.get();
        this.monitorPort = FreePort.get();
    }

    public NatsServer start() {
        if (process != null) {
            throw new IllegalStateException("nats-server already running on " + port);
        }
        Path bin = Binaries.require("nats-server", "nats-server");
        process = PeerProcess.start("nats-server", dir, List.of(bin.toString(), "-a", "127.0.0.1", "-p",
                Integer.toString(port), "-m", Integer.toString(monitorPort), "-n", "release-pilot-test"));
        Poll.until("nats-server ready on " + port, Duration.ofSeconds(10), () -> {
            process.assertAlive();
            return greets();
        });
        return this;
    }

    /** SIGKILL, as when the server crashes: clients see the socket drop with no goodbye. */
    public void kill() {
        process.signal("KILL");
        PeerProcess p = process;
        Poll.until("nats-server on " + port + " to exit", Duration.ofSeconds(10), () -> !p.alive());
        process.close();
        process = null;
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** A number from the server's {@code /varz}, e.g. {@code in_msgs} (messages clients published to it). */
    public long varz(String field) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitorPort + "/varz")).GET()
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            return new io.vertx.core.json.JsonObject(body).getLong(field);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public String log() {
        return process == null ? "" : process.log();
    }

    /** A NATS server speaks first: {@code INFO {...}}. */
    private boolean greets() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(1000);
            InputStream in = s.getInputStream();
            byte[] b = in.readNBytes(4);
            return new String(b, StandardCharsets.US_ASCII).equals("INFO");
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
            process = null;
        }
    }
}
