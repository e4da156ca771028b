package dev.releasepilot.journal.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.Fence;
import dev.releasepilot.journal.FencedOut;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.peers.Postgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database refuses a fenced write unless the lease row names that holder at that epoch and has not
 * expired by the database's clock. Lease rows are written with SQL here, as the lease code would.
 */
class PgFencingTest {
    private static final java.util.concurrent.atomic.AtomicInteger DATABASES = new java.util.concurrent.atomic.AtomicInteger();
    private static Postgres pg;
    private PgJournal journal;
    private String db;

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

    @BeforeEach
    void open() throws Exception {
        db = "fencing_" + DATABASES.incrementAndGet();
        String url = pg.createDatabase(db);
        journal = PgJournal.open(PgUrl.parse(url, null), PgJournal.Options.of("a", dir.resolve("spool")), Clock.systemUTC(),
                new SimpleMeterRegistry());
        lease("checkout", "a", 3, "now() + interval '1 minute'");
    }

    @AfterEach
    void close() {
        if (journal != null) {
            journal.close();
        }
    }

    private void lease(String service, String holder, long epoch, String expires) {
        pg.sql(db, "INSERT INTO release_pilot_leases (service, holder, epoch, expires_at) VALUES ('" + service
                + "', '" + holder + "', " + epoch + ", " + expires + ") ON CONFLICT (service) DO UPDATE SET holder = "
                + "excluded.holder, epoch = excluded.epoch, expires_at = excluded.expires_at");
    }

    private Future<List<JournalEntry>> append(Fence f, int n) {
        return journal.append("checkout", f, List.of(new Draft("action", new JsonObject().put("n", n)),
                new Draft("decision", new JsonObject().put("n", n + 1))));
    }

    private static Throwable failure(Future<?> f) throws Exception {
        try {
            f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void theHolderAtItsEpochWritesAndTheEpochIsStored() throws Exception {
        List<JournalEntry> es = append(new Fence("a", 3), 1).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(2, es.size());
        assertEquals("a|3|false\na|3|false", pg.sql(db, "SELECT instance_id || '|' || epoch || '|' || spooled FROM "
                + "release_pilot_journal ORDER BY seq"));
    }

    @Test
    void aStaleEpochAnotherHolderAnExpiredLeaseOrNoLeaseIsRefused() throws Exception {
        assertFencedOut(append(new Fence("a", 2), 1), "an older epoch");
        assertFencedOut(append(new Fence("b", 3), 3), "another holder");
        assertFencedOut(journal.append("payments", new Fence("a", 3), List.of(new Draft("action", new JsonObject()))),
                "no lease on that service");
        lease("checkout", "a", 3, "now() - interval '1 millisecond'");
        assertFencedOut(append(new Fence("a", 3), 5), "an expired lease");
        assertEquals("0", pg.sql(db, "SELECT count(*) FROM release_pilot_journal"), "nothing of them written");
        // Unfenced writes (what every instance records) are never refused.
        assertEquals(null, failure(append(Fence.NONE, 7)));
        assertTrue(journal.writable());
    }

    @Test
    void aRefusedGroupDoesNotTakeTheGroupsWrittenWithItDown() throws Exception {
        // Appended together: they share one transaction; the refused one writes nothing, the others commit.
        Future<List<JournalEntry>> before = append(Fence.NONE, 1);
        Future<List<JournalEntry>> stale = append(new Fence("a", 2), 3);
        Future<List<JournalEntry>> after = append(new Fence("a", 3), 5);
        assertEquals(null, failure(before));
        assertFencedOut(stale, "stale epoch");
        assertEquals(null, failure(after));
        assertEquals("1,2,5,6", pg.sql(db, "SELECT string_agg((body->>'n'), ',' ORDER BY seq) FROM release_pilot_journal"));
        assertEquals("1,2,3,4", pg.sql(db, "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM release_pilot_journal"),
                "no gap where the refused group would have been");
    }

    private static void assertFencedOut(Future<?> f, String why) throws Exception {
        Throwable t = failure(f);
        assertTrue(t instanceof FencedOut, why + ": " + t);
    }
}
