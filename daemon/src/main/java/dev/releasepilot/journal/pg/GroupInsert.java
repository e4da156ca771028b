package dev.releasepilot.journal.pg;

import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.JournalEntry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * One group in one statement, inside a transaction that already holds the journal's write lock: its
 * records numbered from the current {@code max(seq) + 1}, the fence checked against the lease row in
 * the same statement, and a group already stored (same writer and number) skipped.
 */
final class GroupInsert {
    /*
     * $1 service, $2 at, $3 instance, $4 epoch, $5 spooled, $6 writer, $7 number, $8 types, $9 bodies, $10 holder.
     * The fence: unfenced (epoch 0) and spooled groups pass; others need the lease row at exactly this holder and
     * epoch, unexpired by the database's clock (clock_timestamp(), not the transaction's start, which may be
     * from before the lock wait). FOR SHARE holds off a takeover's epoch bump until this write commits.
     */
    private static final String SQL = """
            INSERT INTO release_pilot_journal
                (seq, service, type, body, at, instance_id, epoch, spooled, group_writer, group_number, group_index)
            SELECT top.seq + r.i, $1, r.type, r.body::json, $2, $3, $4, $5, $6, $7, r.i::int
            FROM (SELECT coalesce(max(seq), 0) AS seq FROM release_pilot_journal) top,
                 unnest($8::text[], $9::text[]) WITH ORDINALITY AS r(type, body, i)
            WHERE $4::bigint = 0 OR $5::boolean OR EXISTS (
                SELECT 1 FROM release_pilot_leases l
                WHERE l.service = $1 AND l.holder = $10 AND l.epoch = $4 AND l.expires_at > clock_timestamp()
                FOR SHARE)
            ON CONFLICT (group_writer, group_number, group_index) DO NOTHING
            RETURNING seq
            """;

    private GroupInsert() {
    }

    /** The records as stored, or an empty list when the fence refused them (or, spooled, they were there already). */
    static Future<List<JournalEntry>> insert(SqlConnection c, PgGroup g, boolean spooled) {
        String[] types = new String[g.drafts().size()];
        String[] bodies = new String[types.length];
        for (int i = 0; i < types.length; i++) {
            Draft d = g.drafts().get(i);
            types[i] = d.type();
            bodies[i] = d.body().encode();
        }
        Tuple t = Tuple.tuple().addString(g.service()).addOffsetDateTime(g.at().atOffset(ZoneOffset.UTC))
                .addString(g.instance()).addLong(g.fence().epoch()).addBoolean(spooled).addString(g.writer())
                .addLong(g.number()).addArrayOfString(types).addArrayOfString(bodies).addString(g.fence().holder());
        return c.preparedQuery(SQL).execute(t).map(rows -> {
            List<Long> seqs = new ArrayList<>();
            for (Row r : rows) {
                seqs.add(r.getLong(0));
            }
            seqs.sort(null);
            List<JournalEntry> out = new ArrayList<>(seqs.size());
            for (int i = 0; i < seqs.size(); i++) {
                Draft d = g.drafts().get(i);
                out.add(new JournalEntry(seqs.get(i), g.at(), g.service(), d.type(), d.body()));
            }
            return out;
        });
    }
}
