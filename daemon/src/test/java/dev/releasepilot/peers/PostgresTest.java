package dev.releasepilot.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The test peer itself: a cluster of its own on a free port keeps its data across a crash and a restart. */
class PostgresTest {
    @Test
    void keepsCommittedRowsAcrossACrash() {
        try (Postgres pg = new Postgres().start()) {
            pg.createDatabase("peer");
            pg.sql("peer", "CREATE TABLE t (v int); INSERT INTO t VALUES (41), (1)");
            pg.crash();
            pg.start();
            assertEquals("42", pg.sql("peer", "SELECT sum(v) FROM t"));
        }
    }
}
