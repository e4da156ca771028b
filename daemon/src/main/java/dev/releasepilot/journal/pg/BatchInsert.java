package dev.releasepilot.journal.pg;

import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.JournalEntry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch of fresh groups from one journal object in one statement (one round trip however many
 * groups queued), inside a transaction that already holds the journal's write lock. Each group's fence
 * is checked as in {@link GroupInsert} (its records share service, holder and epoch, so they pass or
 * fail together); the records that pass are numbered from {@code max(seq) + 1} in batch order, without
 * gaps where a refused group was. Spooled groups, which may be stored already, go through
 * {@link GroupInsert} one by one instead.
 */
final class BatchInsert {
    /*
     * $1 services, $2 types, $3 bodies, $4 epochs, $5 holders, $6 group numbers, $7 indexes in the group (one
     * element per record); $8 at, $9 instance, $10 writer (one per batch).
     */
    private static final String SQL = """
            WITH top AS (SELECT coalesce(max(seq), 0) AS seq FROM release_pilot_journal),
            r AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::int[])
                  WITH ORDINALITY AS r(service, type, body, epoch, holder, number, idx, ord)),
            ok AS (SELECT r.*, row_number() OVER (ORDER BY r.ord) AS n FROM r
                   WHERE r.epoch = 0 OR EXISTS (
                       SELECT 1 FROM release_pilot_leases l
                       WHERE l.service = r.service AND l.holder = r.holder AND l.epoch = r.epoch
                         AND l.expires_at > clock_timestamp()
                       FOR SHARE))
            INSERT INTO release_pilot_journal
                (seq, service, type, body, at, instance_id, epoch, spooled, group_writer, group_number, group_index)
            SELECT top.seq + ok.n, ok.service, ok.type, ok.body::json, $8, $9, ok.epoch, false, $10, ok.number, ok.idx
            FROM top, ok
            RETURNING seq, group_number, group_index
            """;

    private BatchInsert() {
    }

    /**
     * Per group, in order: its records as stored, or an empty list when its fence refused it.
     * Every group must come from {@code instance} and {@code writer} and share {@code at}.
     */
    static Future<List<List<JournalEntry>>> insert(SqlConnection c, String instance, String writer, Instant at,
                                                   List<PgGroup> groups) {
        int records = groups.stream().mapToInt(g -> g.drafts().size()).sum();
        String[] services = new String[records];
        String[] types = new String[records];
        String[] bodies = new String[records];
        Long[] epochs = new Long[records];
        String[] holders = new String[records];
        Long[] numbers = new Long[records];
        Integer[] indexes = new Integer[records];
        int k = 0;
        for (PgGroup g : groups) {
            for (int i = 0; i < g.drafts().size(); i++, k++) {
                Draft d = g.drafts().get(i);
                services[k] = g.service();
                types[k] = d.type();
                bodies[k] = d.body().encode();
                epochs[k] = g.fence().epoch();
                holders[k] = g.fence().holder();
                numbers[k] = g.number();
                indexes[k] = i + 1;
            }
        }
        Tuple t = Tuple.tuple().addArrayOfString(services).addArrayOfString(types).addArrayOfString(bodies)
                .addArrayOfLong(epochs).addArrayOfString(holders).addArrayOfLong(numbers).addArrayOfInteger(indexes)
                .addOffsetDateTime(at.atOffset(ZoneOffset.UTC)).addString(instance).addString(writer);
        return c.preparedQuery(SQL).execute(t).map(rows -> {
            Map<Long, long[]> seqs = new HashMap<>(); // group number → seq per index
            for (Row r : rows) {
                long number = r.getLong(1);
                PgGroup g = groups.get((int) (number - groups.get(0).number()));
                seqs.computeIfAbsent(number, n -> new long[g.drafts().size()])[r.getInteger(2) - 1] = r.getLong(0);
            }
            List<List<JournalEntry>> out = new ArrayList<>(groups.size());
            for (PgGroup g : groups) {
                long[] s = seqs.get(g.number());
                List<JournalEntry> es = new ArrayList<>(g.drafts().size());
                for (int i = 0; s != null && i < s.length; i++) {
                    Draft d = g.drafts().get(i);
                    es.add(new JournalEntry(s[i], g.at(), g.service(), d.type(), d.body()));
                }
                out.add(es);
            }
            return out;
        });
    }
}
