package dev.releasepilot.journal;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;

/**
 * The append-only decision log. Every implementation passes the same contract suite (append order,
 * atomic groups, recovery from snapshots, paging): the embedded {@link FileJournal} today, a
 * PostgreSQL store later.
 */
public interface Journal extends AutoCloseable {
    /**
     * The record type of a service's state snapshot. Replay starts at a service's newest snapshot, so
     * a snapshot's body must rebuild everything the records before it did.
     */
    String SNAPSHOT = "snapshot";

    /**
     * Appends the records of {@code group} for one service atomically: after a crash either all of
     * them are there or none (one frame, one checksum, one fsync). They get consecutive seqs, in order.
     * Completes once they are on stable storage; fails with {@link JournalUnavailable} otherwise (queue
     * full, disk error, closed), in which case none of them is there, or with {@link FencedOut} when a
     * shared journal refuses {@code fence} (never with {@link Fence#NONE}).
     */
    Future<List<JournalEntry>> append(String service, Fence fence, List<Draft> group);

    /**
     * What rebuilds {@code services}: for each, its newest {@link #SNAPSHOT} and every record of it
     * after that one (all its records if it has none), oldest first. Blocking; call once before appending.
     */
    List<JournalEntry> replay(Set<String> services);

    /**
     * The full history, newest first in pages: up to {@code limit} records with seq below
     * {@code beforeSeq} (Long.MAX_VALUE for the newest), optionally of one service (null: all),
     * snapshots left out. Blocking (reads the disk for old pages): call it off the event loops.
     */
    Page page(String service, long beforeSeq, int limit);

    /** What recovery found: when the journal was opened, and while replaying. */
    RecoveryReport recovery();

    /** False while the last write failed and the storage has not taken a write since. */
    boolean writable();

    @Override
    void close();
}
