package dev.releasepilot.journal.pg;

import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.Fence;
import java.time.Instant;
import java.util.List;

/**
 * One group on its way to PostgreSQL. {@code (writer, number)} identifies it for good: the drain of a
 * group whose first write was acknowledged (or not) inserts it at most once.
 *
 * @param instance the instance that took the append ({@code --instance-id}), stored with each record
 * @param writer the id of the journal object that took the append (random per open)
 * @param number the group's number from that writer, counting from 1
 * @param at     when the group was appended (this host's clock)
 */
record PgGroup(String instance, String service, Fence fence, List<Draft> drafts, String writer, long number, Instant at) {
}
