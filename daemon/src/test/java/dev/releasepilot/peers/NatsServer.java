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
 * With {@link #jetStream(boolean)} it runs JetStream ({@code -js}) with its store in {@code <dir>/jetstream},
 * which outlives a kill, so a restart finds its streams again.
 */
public final class NatsServer implements AutoCloseable {
    public final int port;
    private volatile int monitorPort;
    private final Path dir;
    private final HttpClient http = HttpClient.newHttpClient();
    private PeerProcess process;
    private volatile boolean jetStream;

    public NatsServer(Path dir) {
        this.dir = dir;
        this.port = FreePort.get();
        this.monitorPort = FreePort.get();
    }

    /** Whether the next {@link #start()} runs JetStream ({@code -js -sd <dir>/jetstream}). */
    public NatsServer jetStream(boolean on) {
        this.jetStream = on;
        return this;
    }

    public NatsServer start() {
        if (process != null) {
            throw new IllegalStateException("nats-server already running on " + port);
        }
        Path bin = Binaries.require("nats-server", "nats-server");
        for (int attempt = 1; ; attempt++) {
            List<String> command = new java.util.ArrayList<>(List.of(bin.toString(), "-a", "127.0.0.1", "-p",
                    Integer.toString(port), "-m", Integer.toString(monitorPort), "-n", "release-pilot-test"));
            if (jetStream) {
                command.addAll(List.of("-js", "-sd", dir.resolve("jetstream").toString()));
            }
            process = PeerProcess.start("nats-server", dir, command);
            try {
                Poll.until("nats-server ready on " + port, Duration.ofSeconds(10), () -> {
                    process.assertAlive();
                    return greets();
                });
                return this;
            } catch (AssertionError e) {
                // The monitoring port was free when it was picked, but a client reconnecting meanwhile
                // can take it as its own ephemeral port (seen in CI). The client port must stay, so
                // only the monitoring port is picked again.
                boolean monitorTaken = !process.alive() && process.log().contains(":" + monitorPort + ": bind")
                        && process.log().contains("address already in use");
                process.close();
                process = null;
                if (!monitorTaken || attempt == 3) {
                    throw e;
                }
                monitorPort = FreePort.get();
            }
        }
    }

    public int monitorPort() {
        return monitorPort;
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
        return monitor("/varz").getLong(field);
    }

    /** Whether some client connection has a subscription on exactly this subject ({@code /connz?subs=1}). */
    public boolean subscribed(String subject) {
        io.vertx.core.json.JsonArray connections = monitor("/connz?subs=1").getJsonArray("connections");
        for (int i = 0; i < connections.size(); i++) {
            io.vertx.core.json.JsonArray subs = connections.getJsonObject(i).getJsonArray("subscriptions_list");
            if (subs != null && subs.contains(subject)) {
                return true;
            }
        }
        return false;
    }

    private io.vertx.core.json.JsonObject monitor(String path) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitorPort + path)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            return new io.vertx.core.json.JsonObject(body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The stream's settings and state as the server reports them, or null when it has no such stream. */
    public io.nats.client.api.StreamInfo stream(String name) throws Exception {
        try (io.nats.client.Connection c = io.nats.client.Nats.connect(url())) {
            return c.jetStreamManagement().getStreamInfo(name);
        } catch (io.nats.client.JetStreamApiException e) {
            if (e.getApiErrorCode() == 10059) { // stream not found
                return null;
            }
            throw e;
        }
    }

    /**
     * Every message the stream holds, read from the start by a consumer created now (an ordered consumer,
     * as an operator's {@code nats stream view} or a late subscriber would), in stream order.
     */
    public List<io.nats.client.Message> replay(String name) throws Exception {
        try (io.nats.client.Connection c = io.nats.client.Nats.connect(url())) {
            long count = c.jetStreamManagement().getStreamInfo(name).getStreamState().getMsgCount();
            io.nats.client.OrderedConsumerContext consumer = c.getStreamContext(name).createOrderedConsumer(
                    new io.nats.client.api.OrderedConsumerConfiguration()
                            .deliverPolicy(io.nats.client.api.DeliverPolicy.All));
            List<io.nats.client.Message> messages = new java.util.ArrayList<>();
            while (messages.size() < count) {
                io.nats.client.Message m = consumer.next(Duration.ofSeconds(10));
                if (m == null) {
                    throw new AssertionError("stream " + name + " holds " + count + " messages, replay gave "
                            + messages.size());
                }
                messages.add(m);
            }
            return messages;
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
