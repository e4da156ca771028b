package dev.releasepilot.journal.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** What an operator reads when the journal's database cannot be used: the cause, not a wrapper's class name. */
class PgReasonTest {
    @Test
    void aWrappedCauseIsReportedByItsOwnMessage() {
        ConnectException refused = new ConnectException("Connection refused: /127.0.0.1:1");
        assertEquals("Connection refused: /127.0.0.1:1", PgJournal.reason(new CompletionException(refused)));
        assertEquals("Connection refused: /127.0.0.1:1", PgJournal.reason(new RuntimeException(new CompletionException(refused))));
    }

    @Test
    void aWrapperWithItsOwnWordsKeepsThem() {
        assertEquals("while migrating", PgJournal.reason(new RuntimeException("while migrating", new ConnectException("x"))));
        assertEquals("IllegalStateException", PgJournal.reason(new IllegalStateException()));
    }
}
