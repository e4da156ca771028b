package dev.releasepilot.journal.pg;

import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.JournalContract;
import dev.releasepilot.peers.Postgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The journal contract on PostgreSQL: one real cluster for the class, a fresh database per test. */
class PgJournalContractTest extends JournalContract {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static Postgres pg;

    @TempDir
    Path dir;
    private String url;

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
    void freshDatabase() {
        url = pg.createDatabase("contract_" + DATABASES.incrementAndGet());
    }

    @Override
    protected Journal open() throws Exception {
        return PgJournal.open(PgUrl.parse(url, null), PgJournal.Options.of("instance-a", dir.resolve("spool-a")),
                Clock.systemUTC(), new SimpleMeterRegistry());
    }

    @Override
    protected Journal openAnotherWriter() throws Exception {
        return PgJournal.open(PgUrl.parse(url, null), PgJournal.Options.of("instance-b", dir.resolve("spool-b")),
                Clock.systemUTC(), new SimpleMeterRegistry());
    }
}
