package dev.releasepilot.journal;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The append-only decision log. */
public interface Journal extends AutoCloseable {
    /** Completes once the record is on stable storage (fsync'd), with its sequence number filled in. */
    Future<JournalEntry> append(String service, String type, JsonObject body);

    /** Every record that survived recovery, oldest first, as read when the journal was opened. */
    List<JournalEntry> replay();

    /** The newest records (bounded in memory), oldest first, optionally for one service. */
    List<JournalEntry> recent(String service, int limit);

    /** What recovery found when the journal was opened. */
    RecoveryReport recovery();

    @Override
    void close();
}
