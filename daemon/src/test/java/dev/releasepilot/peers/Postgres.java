package dev.releasepilot.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real PostgreSQL cluster of its own (Debian package {@code postgresql}: {@code initdb} and
 * {@code pg_ctl}) on a free loopback port, never the machine's 5432, with trust authentication for
 * the user {@code postgres}. Created stopped; {@link #start()} runs initdb the first time, then
 * starts the server; {@link #stop()} and {@link #crash()} stop it (cleanly, or as a crash: {@code -m
 * immediate}) and {@link #start()} brings it back on the same port with the same data, to test
 * clients across a restart.
 *
 * <p>The server refuses to run as root, so as root its files belong to the {@code postgres} user and
 * every command runs through {@code runuser -u postgres} (PROTOCOLS.md §6). Its directory is a fresh
 * one under the system temp dir, not JUnit's (which the {@code postgres} user cannot enter), removed on
 * {@link #close()}.
 */
public final class Postgres implements AutoCloseable {
    public final int port;
    private final Path dir;
    private final Path binDir;
    private final boolean root;
    private boolean initialised;
    private boolean running;

    public Postgres() {
        this.port = FreePort.get();
        this.binDir = findBinDir();
        this.root = "root".equals(System.getProperty("user.name"));
        try {
            this.dir = Files.createTempDirectory("release-pilot-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root) {
            run(List.of("chown", "postgres:postgres", dir.toString()), Duration.ofSeconds(10));
        }
    }

    /** Starts the server (initialising the cluster the first time) and waits until it takes connections. */
    public Postgres start() {
        if (running) {
            throw new IllegalStateException("PostgreSQL already running on " + port);
        }
        Path data = dir.resolve("data");
        if (!initialised) {
            asPostgres(List.of(binDir.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A",
                    "trust", "-E", "UTF8", "--no-sync"), Duration.ofSeconds(60));
            initialised = true;
        }
        // fsync stays on: the journal's durability is part of what the tests check.
        asPostgres(List.of(binDir.resolve("pg_ctl").toString(), "-D", data.toString(), "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=200",
                "-l", dir.resolve("server.log").toString(), "-w", "-t", "30", "start"), Duration.ofSeconds(40));
        running = true;
        Poll.until("PostgreSQL accepting connections on " + port, Duration.ofSeconds(15), this::accepts);
        return this;
    }

    /** A clean, fast shutdown: open connections are told to go away. */
    public void stop() {
        pgCtlStop("fast");
    }

    /** As a crash: the server quits at once without a checkpoint; the next start recovers from its WAL. */
    public void crash() {
        pgCtlStop("immediate");
    }

    private void pgCtlStop(String mode) {
        if (!running) {
            return;
        }
        asPostgres(List.of(binDir.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", mode,
                "-w", "-t", "30", "stop"), Duration.ofSeconds(40));
        running = false;
    }

    public boolean running() {
        return running;
    }

    /** {@code postgresql://postgres@127.0.0.1:PORT/DATABASE}: what {@code run --journal-url} takes. */
    public String url(String database) {
        return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
    }

    /** Creates an empty database (one per test keeps tests apart on one cluster); returns its URL. */
    public String createDatabase(String name) {
        sql("postgres", "CREATE DATABASE \"" + name + "\"");
        return url(name);
    }

    /** Runs SQL through {@code psql} and returns its unaligned, tuples-only output. */
    public String sql(String database, String statement) {
        return run(List.of(Binaries.require("psql", "postgresql-client").toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c",
                statement), Duration.ofSeconds(30));
    }

    /** The server's own log, for failure messages. */
    public String log() {
        try {
            Path log = dir.resolve("server.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private boolean accepts() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String asPostgres(List<String> command, Duration timeout) {
        if (!root) {
            return run(command, timeout);
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        wrapped.addAll(command);
        return run(wrapped, timeout);
    }

    private String run(List<String> command, Duration timeout) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + out
                        + "\nserver log:\n" + log());
            }
            return out.strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Debian installs the server binaries off PATH, under /usr/lib/postgresql/VERSION/bin; the newest wins. */
    private static Path findBinDir() {
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                Path found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparing(b -> versionOf(b.getParent())))
                        .orElse(null);
                if (found != null) {
                    return found;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Binaries.require("pg_ctl", "postgresql").getParent();
    }

    private static int versionOf(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        try {
            crash();
        } catch (AssertionError ignored) {
            // already gone; the directory still goes
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
