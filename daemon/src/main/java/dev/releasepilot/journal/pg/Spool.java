package dev.releasepilot.journal.pg;

import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.Fence;
import dev.releasepilot.journal.FileJournal;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.journal.RecoveryReport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where appends wait, durably, while PostgreSQL is unreachable: an embedded {@link FileJournal} of its
 * own (same frames, checksums and fsync as the default store; no third format), one record per
 * spooled group, numbered by the file journal's consecutive seqs. The record carries the group's id,
 * so draining it twice (an acknowledgement lost) inserts it once.
 */
final class Spool implements AutoCloseable {
    static final String TYPE = "spooled-group";

    /** One spooled group, as it goes to PostgreSQL. */
    record Group(long spoolSeq, PgGroup group) {
    }

    private final Path dir;
    private final Clock clock;
    private FileJournal file;

    private Spool(Path dir, Clock clock, FileJournal file) {
        this.dir = dir;
        this.clock = clock;
        this.file = file;
    }

    static Spool open(Path dir, Clock clock) throws IOException {
        // Its own registry: the spool's file metrics would read as the journal's; PgJournal reports the spool.
        return new Spool(dir, clock, FileJournal.open(dir, clock, new SimpleMeterRegistry()));
    }

    /** Completes with the group's spool seq once it is fsync'd. */
    Future<Long> append(PgGroup g) {
        JsonArray records = new JsonArray();
        for (Draft d : g.drafts()) {
            records.add(new JsonObject().put("type", d.type()).put("body", d.body()));
        }
        JsonObject body = new JsonObject().put("instance", g.instance()).put("writer", g.writer()).put("number", g.number())
                .put("holder", g.fence().holder()).put("epoch", g.fence().epoch()).put("at", g.at().toString())
                .put("records", records);
        return file.append(g.service(), Fence.NONE, List.of(new Draft(TYPE, body))).map(es -> es.get(0).seq());
    }

    /** Up to {@code limit} groups after spool seq {@code after}, oldest first. Blocking (reads the disk). */
    List<Group> after(long after, int limit) {
        List<Group> out = new ArrayList<>();
        for (JournalEntry e : file.page(null, after + 1 + limit, limit).records()) {
            if (e.seq() <= after || !TYPE.equals(e.type())) {
                continue;
            }
            JsonObject b = e.body();
            List<Draft> drafts = new ArrayList<>();
            for (Object o : b.getJsonArray("records")) {
                JsonObject r = (JsonObject) o;
                drafts.add(new Draft(r.getString("type"), r.getJsonObject("body")));
            }
            long epoch = b.getLong("epoch");
            Fence fence = epoch == 0 ? Fence.NONE : new Fence(b.getString("holder"), epoch);
            out.add(new Group(e.seq(), new PgGroup(b.getString("instance"), e.service(), fence, List.copyOf(drafts), b.getString("writer"),
                    b.getLong("number"), Instant.parse(b.getString("at")))));
        }
        return out;
    }

    /** The newest spool seq (0 when empty). Blocking. */
    long newest() {
        List<JournalEntry> last = file.page(null, Long.MAX_VALUE, 1).records();
        return last.isEmpty() ? 0 : last.get(0).seq();
    }

    boolean writable() {
        return file.writable();
    }

    /** What opening the spool found (damage costs the groups in the damaged frames; the rest drain). */
    RecoveryReport recovery() {
        return file.recovery();
    }

    /** Empties the spool (everything in it is in PostgreSQL): start-up only, before any append. */
    void reset() throws IOException {
        file.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
        file = FileJournal.open(dir, clock, new SimpleMeterRegistry());
    }

    @Override
    public void close() {
        file.close();
    }
}
