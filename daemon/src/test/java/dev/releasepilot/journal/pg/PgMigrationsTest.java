package dev.releasepilot.journal.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Postgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schema is created and migrated by the daemon itself: once, whoever starts first; never downgraded. */
class PgMigrationsTest {
    private static Postgres pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres() {
        pg = new Postgres().start();
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    private PgJournal open(String url, String instance) throws PgStartFailure {
        return PgJournal.open(PgUrl.parse(url, null), PgJournal.Options.of(instance, dir.resolve(instance)),
                Clock.systemUTC(), new SimpleMeterRegistry());
    }

    @Test
    void theMigrationsInTheJarAreNumberedFromOne() {
        List<Migrations.Migration> known = Migrations.known();
        assertTrue(known.size() >= 1, known::toString);
        assertEquals(new Migrations.Migration(1, "journal", "db/migration/V1__journal.sql"), known.get(0));
    }

    @Test
    void daemonsStartingTogetherMigrateOnce() throws Exception {
        String url = pg.createDatabase("together");
        int n = 4;
        CyclicBarrier start = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<PgJournal> opened = new ArrayList<>();
        try {
            List<Future<PgJournal>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String instance = "instance-" + i;
                fs.add(pool.submit((Callable<PgJournal>) () -> {
                    start.await();
                    return open(url, instance);
                }));
            }
            for (Future<PgJournal> f : fs) {
                opened.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            opened.forEach(PgJournal::close);
            pool.shutdownNow();
        }
        int known = Migrations.known().size();
        assertEquals(known + "|" + known, pg.sql("together", "SELECT count(*) || '|' || max(version) FROM release_pilot_schema_version"),
                "each migration applied once");
        assertEquals("release_pilot_journal,release_pilot_leases", pg.sql("together",
                "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE tablename IN "
                        + "('release_pilot_journal', 'release_pilot_leases')"));
    }

    @Test
    void aSchemaNewerThanThisBuildIsRefusedWithAClearMessage() throws Exception {
        String url = pg.createDatabase("newer");
        open(url, "first").close();
        int newer = Migrations.known().size() + 1;
        pg.sql("newer", "INSERT INTO release_pilot_schema_version (version, name) VALUES (" + newer + ", 'from_the_future')");
        PgStartFailure e = assertThrows(PgStartFailure.class, () -> open(url, "second"));
        assertTrue(e.getMessage().contains("schema is at version " + newer + ", newer than this release-pilot knows"),
                e.getMessage());
    }

    @Test
    void anUnusableDatabaseIsAStartFailureNamingIt() {
        PgStartFailure missing = assertThrows(PgStartFailure.class, () -> open(pg.url("no_such_db"), "x"));
        assertTrue(missing.getMessage().contains("no_such_db") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        PgStartFailure refused = assertThrows(PgStartFailure.class,
                () -> open("postgresql://nobody@127.0.0.1:" + pg.port + "/postgres", "y"));
        assertTrue(refused.getMessage().contains("role \"nobody\" does not exist"), refused.getMessage());
        PgStartFailure badUrl = assertThrows(PgStartFailure.class, () -> PgUrl.parse("mysql://u@h/db", null));
        assertTrue(badUrl.getMessage().startsWith("--journal-url: expected postgresql://"), badUrl.getMessage());
        PgStartFailure tls = assertThrows(PgStartFailure.class, () -> PgUrl.parse("postgresql://u@h:5432/db?sslmode=require", null));
        assertTrue(tls.getMessage().contains("not supported"), tls.getMessage());
        PgStartFailure secret = assertThrows(PgStartFailure.class, () -> PgUrl.parse("postgresql://u:pw@h:5432/db", null));
        assertTrue(secret.getMessage().contains("not in the URL"), secret.getMessage());
    }
}
