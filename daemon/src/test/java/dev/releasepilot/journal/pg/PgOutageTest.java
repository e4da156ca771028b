package dev.releasepilot.journal.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.Fence;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.journal.JournalUnavailable;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Postgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL crashing under the journal: appends keep completing (durable in the local spool), and once
 * it is back every record is there once, in append order; a process killed during the outage leaves
 * its spool to the next start.
 */
class PgOutageTest {
    private Postgres pg;
    private String url;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        pg = new Postgres().start();
        url = pg.createDatabase("outage");
    }

    @AfterEach
    void stop() {
        pg.close();
    }

    private PgJournal open(String instance, Path spool, SimpleMeterRegistry registry) throws PgStartFailure {
        return PgJournal.open(PgUrl.parse(url, null), PgJournal.Options.of(instance, spool), Clock.systemUTC(), registry);
    }

    @Test
    void appendsCompleteThroughACrashAndAreWrittenOnceInOrderWhenItIsBack() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<String> warnings = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(PgJournal.class.getName());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        List<Integer> done = new CopyOnWriteArrayList<>();
        List<Throwable> failed = new CopyOnWriteArrayList<>();
        AtomicBoolean go = new AtomicBoolean(true);
        try (PgJournal j = open("a", dir.resolve("spool"), registry)) {
            Thread writer = new Thread(() -> {
                for (int n = 1; go.get(); n++) {
                    try {
                        j.append("checkout", Fence.NONE, List.of(new Draft("alert", new JsonObject().put("n", n)),
                                new Draft("decision", new JsonObject().put("n", n)))).toCompletionStage()
                                .toCompletableFuture().get(30, TimeUnit.SECONDS);
                        done.add(n);
                    } catch (Exception e) {
                        failed.add(e);
                        return;
                    }
                }
            }, "appender");
            writer.start();
            Poll.until("appends before the crash", Duration.ofSeconds(30), () -> done.size() >= 20);
            pg.crash();
            int atCrash = done.size();
            Poll.until("appends completing while PostgreSQL is down", Duration.ofSeconds(30),
                    () -> j.spoolDepth() >= 50 && done.size() >= atCrash + 50);
            assertTrue(j.writable(), "the spool takes writes: still ready");
            pg.start();
            int atRestart = done.size();
            Poll.until("the spool drained", Duration.ofSeconds(60), () -> done.size() >= atRestart + 50 && j.spoolDepth() == 0);
            go.set(false);
            writer.join(30_000);
            assertEquals(List.of(), failed);
            int total = done.size();
            Poll.until("the spool drained after the last append", Duration.ofSeconds(30), () -> j.spoolDepth() == 0);
            List<JournalEntry> all = j.page(null, Long.MAX_VALUE, 10 * total).records();
            List<Integer> ns = all.stream().map(e -> e.body().getInteger("n")).toList();
            List<Integer> expected = new ArrayList<>();
            IntStream.rangeClosed(1, total).forEach(n -> {
                expected.add(n);
                expected.add(n);
            });
            assertEquals(expected, ns, "every record once, in append order");
            for (int i = 0; i < all.size(); i++) {
                assertEquals(i + 1, all.get(i).seq());
            }
            assertTrue(Integer.parseInt(pg.sql("outage", "SELECT count(*) FROM release_pilot_journal WHERE spooled")) >= 100,
                    "the outage's records are marked spooled");
            assertTrue(registry.get("release_pilot_journal_spool_drained_total").counter().count() >= 50);
            assertTrue(registry.get("release_pilot_journal_pg_errors_total").counter().count() >= 1);
            assertEquals(1, warnings.size(), "one warning for the outage, not one per append: " + warnings);
            assertTrue(warnings.get(0).contains("unreachable"), warnings.get(0));
        } finally {
            log.removeHandler(handler);
        }
    }

    @Test
    void aProcessKilledDuringTheOutageLeavesItsSpoolToTheNextStart() throws Exception {
        Path spool = dir.resolve("spool");
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process child = new ProcessBuilder(List.of(java, "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), SpoolFromAnotherProcess.class.getName(), url, spool.toString(), "40"))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("open", out.readLine());
            pg.crash();
            OutputStream in = child.getOutputStream();
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertEquals("appended 40", out.readLine(), "all 40 groups spooled while PostgreSQL was down");
        } finally {
            child.destroyForcibly(); // kill -9: no shutdown hook, no close
            child.waitFor(30, TimeUnit.SECONDS);
        }
        pg.start();
        assertEquals("0", pg.sql("outage", "SELECT count(*) FROM release_pilot_journal"));
        try (PgJournal j = open("restarted", spool, new SimpleMeterRegistry())) {
            List<JournalEntry> all = j.page(null, Long.MAX_VALUE, 1_000).records();
            assertEquals(80, all.size());
            for (int i = 0; i < 80; i++) {
                assertEquals(i / 2 + 1, all.get(i).body().getInteger("n"));
                assertEquals(i % 2 == 0 ? "decision" : "action", all.get(i).type());
            }
            assertEquals(0, j.spoolDepth());
        }
        assertEquals("80|80|40", pg.sql("outage", "SELECT count(*) || '|' || count(*) FILTER (WHERE spooled AND "
                + "instance_id = 'killed') || '|' || count(*) FILTER (WHERE epoch = 7) FROM release_pilot_journal"),
                "written as the killed instance's, spooled, fenced groups with their epoch (not checked: no lease row)");
        try (PgJournal j = open("again", spool, new SimpleMeterRegistry())) {
            assertEquals(80, j.page(null, Long.MAX_VALUE, 1_000).records().size(), "the spool was emptied: not drained twice");
        }
    }

    @Test
    void aWriterStuckHoldingTheWriteLockDoesNotStopAppends() throws Exception {
        Vertx vertx = Vertx.vertx();
        Pool other = PgBuilder.pool().connectingTo(PgUrl.parse(url, null)).using(vertx).build();
        try (PgJournal j = open("a", dir.resolve("spool"), new SimpleMeterRegistry())) {
            var stuck = other.getConnection().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            // Another writer took the lock in a transaction and went quiet (paused, or its network gone).
            stuck.query("BEGIN").execute().compose(v -> stuck.query("SELECT pg_advisory_xact_lock(" + PgJournal.WRITE_LOCK + ")")
                    .execute()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            List<JournalEntry> es = j.append("checkout", Fence.NONE, List.of(new Draft("alert", new JsonObject().put("n", 1))))
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(0, es.get(0).seq(), "completed through the spool once the lock wait gave up");
            assertEquals(1, j.spoolDepth());
            // The server ends the idle transaction (idle_in_transaction_session_timeout); the lock is free again.
            Poll.until("the spool drained", Duration.ofSeconds(60), () -> j.spoolDepth() == 0);
            assertEquals(List.of(1), j.page(null, Long.MAX_VALUE, 10).records().stream()
                    .map(e -> e.body().getInteger("n")).toList());
        } finally {
            other.close();
            vertx.close();
        }
    }

    @Test
    void aFullSpoolRefusesAppendsAndTheJournalIsNotWritable() throws Exception {
        try (PgJournal j = PgJournal.open(PgUrl.parse(url, null), new PgJournal.Options("a", dir.resolve("spool"), 100, 5),
                Clock.systemUTC(), new SimpleMeterRegistry())) {
            pg.crash();
            for (int n = 1; n <= 5; n++) {
                j.append("checkout", Fence.NONE, List.of(new Draft("alert", new JsonObject().put("n", n))))
                        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            assertEquals(5, j.spoolDepth());
            Throwable refused = j.append("checkout", Fence.NONE, List.of(new Draft("alert", new JsonObject().put("n", 6))))
                    .toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(30, TimeUnit.SECONDS);
            assertTrue(refused instanceof JournalUnavailable || refused.getCause() instanceof JournalUnavailable,
                    String.valueOf(refused));
            assertTrue(String.valueOf(refused).contains("outage spool is full"), String.valueOf(refused));
            assertTrue(!j.writable(), "not ready: a load balancer should send alerts elsewhere");
            pg.start();
            Poll.until("drained and writable again", Duration.ofSeconds(60), () -> j.spoolDepth() == 0 && j.writable());
            assertEquals(List.of(1, 2, 3, 4, 5), j.page(null, Long.MAX_VALUE, 10).records().stream()
                    .map(e -> e.body().getInteger("n")).toList());
        }
    }

    @Test
    void aGroupDrainedTwiceIsStoredOnce() throws Exception {
        try (PgJournal j = open("a", dir.resolve("spool"), new SimpleMeterRegistry())) {
            j.append("checkout", Fence.NONE, List.of(new Draft("alert", new JsonObject().put("n", 0))))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        Vertx vertx = Vertx.vertx();
        Pool pool = PgBuilder.pool().connectingTo(PgUrl.parse(url, null)).using(vertx).build();
        try {
            PgGroup g = new PgGroup("a", "checkout", new Fence("gone", 4), List.of(new Draft("action", new JsonObject().put("n", 1)),
                    new Draft("decision", new JsonObject().put("n", 2))), "writer-1", 17, Instant.parse("2026-11-29T12:00:00Z"));
            List<Spool.Group> twice = List.of(new Spool.Group(1, g));
            // The acknowledgement of the first drain lost: the same group is sent again.
            PgJournal.insertSpooled(pool, twice).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            PgJournal.insertSpooled(pool, twice).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            pool.close();
            vertx.close();
        }
        assertEquals("1:alert:0,2:action:1,3:decision:2", pg.sql("outage",
                "SELECT string_agg(seq || ':' || type || ':' || (body->>'n'), ',' ORDER BY seq) FROM release_pilot_journal"));
    }
}
