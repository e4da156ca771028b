package dev.releasepilot.journal.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.pgclient.PgConnectOptions;
import org.junit.jupiter.api.Test;

/** --journal-url values as operators mistype them: a message naming the flag, never an exception's stack trace. */
class PgUrlTest {
    @Test
    void aGoodUrlGivesItsPartsAndKeepsNoticesOutOfTheLog() throws PgStartFailure {
        PgConnectOptions o = PgUrl.parse("postgresql://rp@db.internal:6543/release_pilot", "pw");
        assertEquals("db.internal", o.getHost());
        assertEquals(6543, o.getPort());
        assertEquals("rp", o.getUser());
        assertEquals("release_pilot", o.getDatabase());
        assertEquals("pw", o.getPassword());
        assertEquals("warning", o.getProperties().get("client_min_messages"));
        assertEquals(5432, PgUrl.parse("postgres://rp@db/rp", null).getPort());
    }

    @Test
    void aPortOutOfRangeIsAStartFailureNotAnIllegalArgument() {
        for (String url : new String[] {"postgresql://rp@127.0.0.1:99999/rp", "postgresql://rp@127.0.0.1:0/rp",
                "postgresql://rp@127.0.0.1:65536/rp"}) {
            PgStartFailure e = assertThrows(PgStartFailure.class, () -> PgUrl.parse(url, null), url);
            assertTrue(e.getMessage().startsWith("--journal-url: port must be 1 to 65535"), e.getMessage());
        }
    }

    @Test
    void otherMistakesNameTheFlag() {
        for (String url : new String[] {"not a url", "mysql://rp@db/rp", "postgresql://db/rp", "postgresql://rp@db",
                "postgresql://rp:secret@db/rp", "postgresql://rp@db/rp?sslmode=require"}) {
            PgStartFailure e = assertThrows(PgStartFailure.class, () -> PgUrl.parse(url, null), url);
            assertTrue(e.getMessage().startsWith("--journal-url: "), e.getMessage());
        }
    }
}
