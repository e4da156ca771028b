package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Postgres;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's own process with {@code run --journal-url}: it creates the schema, rolls back on a real
 * HAProxy, and the records are in PostgreSQL, where a second daemon on the same database reads them
 * through {@code GET /api/v1/decisions}. Bad journal flags end start-up with one line and an exit code.
 */
class PgJournalDaemonTest {
    private static final String ALERT = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z");
    private final HttpClient http = HttpClient.newHttpClient();
    private final java.util.Map<Process, Path> errs = new java.util.concurrent.ConcurrentHashMap<>();

    @TempDir
    Path tmp;

    @Test
    void aDaemonOnPostgresRollsBackAndAnyInstanceReadsTheSharedJournal() throws Exception {
        try (Postgres pg = new Postgres().start();
             Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            String url = pg.createDatabase("shared");
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            int port = FreePort.get();
            Process a = daemon(rules, url, "instance-a", tmp.resolve("data-a"), port);
            Process b = null;
            try {
                String base = "http://127.0.0.1:" + port;
                waitReady(a, base);
                assertEquals(200, post(base + "/api/v1/alerts/alertmanager", ALERT));
                Poll.until("canary drained on HAProxy", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
                Poll.until("the action journaled", Duration.ofSeconds(10), () -> count(base, "action") == 1);
                assertEquals("alert,decision,action", pg.sql("shared", "SELECT string_agg(type, ',' ORDER BY seq) FROM "
                        + "release_pilot_journal WHERE type IN ('alert', 'decision', 'action')"), "the records are in PostgreSQL");
                assertEquals("instance-a", pg.sql("shared", "SELECT DISTINCT instance_id FROM release_pilot_journal"));

                // Another instance on the same database: its API reads the shared journal.
                int portB = FreePort.get();
                b = daemon(rules, url, "instance-b", tmp.resolve("data-b"), portB);
                String baseB = "http://127.0.0.1:" + portB;
                waitReady(b, baseB);
                JsonArray viaB = records(baseB);
                assertEquals(records(base), viaB, "both instances show the same history");
                assertEquals(1, viaB.stream().map(o -> (JsonObject) o).filter(r -> r.getString("type").equals("action")).count());
                assertEquals("ROLLED_BACK", new JsonObject(get(baseB + "/api/v1/services/checkout").body()).getString("state"),
                        "it replayed the shared journal");
            } finally {
                stop(a);
                if (b != null) {
                    stop(b);
                }
            }
        }
    }

    @Test
    void withPostgresDownTheRollbackStillHappensAndIsJournaledWhenItIsBack() throws Exception {
        try (Postgres pg = new Postgres().start();
             Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            String url = pg.createDatabase("outage");
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            try (RunningDaemon d = RunningDaemon.start(rules, tmp.resolve("data"), null,
                    c -> c.withJournal(url, null, "instance-a"))) {
                pg.crash();
                assertEquals(200, d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null).statusCode(),
                        "accepted: journaled in the local spool");
                Poll.until("canary drained on HAProxy while PostgreSQL is down", Duration.ofSeconds(20),
                        () -> haproxy.weight("canary1") == 0);
                assertTrue(d.metrics().contains("release_pilot_journal_writable 1.0"), "still ready to take alerts");
                assertEquals(503, d.get("/api/v1/decisions?service=checkout").statusCode(), "the history is in PostgreSQL");
                pg.start();
                Poll.until("the records written once PostgreSQL is back", Duration.ofSeconds(30),
                        () -> d.get("/api/v1/decisions?service=checkout").statusCode() == 200
                                && d.count("checkout", "action", null) == 1);
                assertEquals(1, d.count("checkout", "decision", "rollback"));
                assertEquals("alert,decision,action|true", pg.sql("outage", "SELECT string_agg(type, ',' ORDER BY seq) || '|' "
                        + "|| bool_and(spooled) FROM release_pilot_journal WHERE type IN ('alert', 'decision', 'action')"));
            }
        }
    }

    @Test
    void badJournalFlagsEndStartUpWithOneLineAndAnExitCode() throws Exception {
        Path rules = RunningDaemon.rules(tmp, "127.0.0.1:1", null);
        Finished badUrl = finish(daemon(rules, "mysql://u@localhost/db", "x", tmp.resolve("d1"), FreePort.get()));
        assertEquals(2, badUrl.code());
        assertTrue(badUrl.err().contains("--journal-url: expected postgresql://USER@HOST:PORT/DB"), badUrl.err());
        int closed = FreePort.get();
        Finished unreachable = finish(daemon(rules, "postgresql://postgres@127.0.0.1:" + closed + "/db", "x",
                tmp.resolve("d2"), FreePort.get()));
        assertEquals(1, unreachable.code());
        assertTrue(unreachable.err().contains("cannot use the journal database postgresql://postgres@127.0.0.1:" + closed + "/db"),
                unreachable.err());
        assertFalse(unreachable.err().contains("\tat "), "no stack trace: " + unreachable.err());
    }

    private record Finished(int code, String err) {
    }

    private Finished finish(Process p) throws Exception {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the daemon did not exit");
        }
        return new Finished(p.exitValue(), Files.readString(errs.get(p), StandardCharsets.UTF_8));
    }

    private Process daemon(Path rules, String journalUrl, String instance, Path data, int port) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.releasepilot.cli.Main",
                "run", "--config", rules.toString(), "--data-dir", data.toString(), "--listen", "127.0.0.1:" + port,
                "--journal-url", journalUrl, "--instance-id", instance, "--reconcile-interval", "0s"));
        // Files, not pipes: a daemon that logs more than a pipe holds must not block on it.
        Path out = tmp.resolve(instance + "-" + port + ".out");
        Path err = tmp.resolve(instance + "-" + port + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        errs.put(p, err);
        return p;
    }

    private void waitReady(Process p, String base) {
        Poll.until("the daemon at " + base + " listening", Duration.ofSeconds(60), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("the daemon exited: " + Files.readString(errs.get(p), StandardCharsets.UTF_8));
            }
            return get(base + "/-/healthy").statusCode() == 200;
        });
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    private JsonArray records(String base) throws Exception {
        return new JsonObject(get(base + "/api/v1/decisions?service=checkout").body()).getJsonArray("records");
    }

    private long count(String base, String type) throws Exception {
        return records(base).stream().map(o -> (JsonObject) o).filter(r -> r.getString("type").equals(type)).count();
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private int post(String url, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
