package dev.releasepilot.journal.pg;

import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.JournalEntry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/** The journal's two reads: replay from each service's newest snapshot, and pages of history. */
final class JournalReads {
    private static final String COLUMNS = "seq, at, service, type, body::text";

    private static final String REPLAY = "SELECT " + COLUMNS + " FROM release_pilot_journal j "
            + "WHERE j.service = ANY($1::text[]) AND j.seq >= coalesce((SELECT max(s.seq) FROM release_pilot_journal s "
            + "WHERE s.service = j.service AND s.type = '" + Journal.SNAPSHOT + "'), 0) ORDER BY j.seq";

    private static final String PAGE = "SELECT " + COLUMNS + " FROM release_pilot_journal "
            + "WHERE seq < $1 AND type <> '" + Journal.SNAPSHOT + "' AND ($2::text IS NULL OR service = $2) "
            + "ORDER BY seq DESC LIMIT $3";

    private JournalReads() {
    }

    static Future<List<JournalEntry>> replay(Pool pool, Set<String> services) {
        if (services.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        return pool.preparedQuery(REPLAY).execute(Tuple.tuple().addArrayOfString(services.toArray(String[]::new)))
                .map(JournalReads::entries);
    }

    /** Oldest first. */
    static Future<List<JournalEntry>> page(Pool pool, String service, long beforeSeq, int limit) {
        return pool.preparedQuery(PAGE).execute(Tuple.tuple().addLong(beforeSeq).addString(service).addInteger(limit))
                .map(rows -> {
                    List<JournalEntry> es = entries(rows);
                    Collections.reverse(es);
                    return List.copyOf(es);
                });
    }

    private static List<JournalEntry> entries(RowSet<Row> rows) {
        List<JournalEntry> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new JournalEntry(r.getLong(0), r.getOffsetDateTime(1).toInstant(), r.getString(2), r.getString(3),
                    new JsonObject(r.getString(4))));
        }
        return out;
    }
}
