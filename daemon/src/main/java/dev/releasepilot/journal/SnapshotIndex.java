package dev.releasepilot.journal;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where each service's newest snapshot is, as of a checkpoint seq: {@code journal.index}, one frame
 * (format 2, so checksummed) rewritten atomically (temp file, fsync, rename) after a snapshot is
 * durable. Only a shortcut: without it (missing, damaged) recovery reads every segment, with the same
 * result, slower.
 *
 * @param checkpoint every record up to this seq is reflected in {@code tracks}
 * @param end        where the journal ended at the checkpoint: recovery reads on from there
 */
record SnapshotIndex(long checkpoint, Position end, Map<String, Track> tracks) {
    static final String FILE = "journal.index";

    /** A frame's place: a segment's file name and the offset in it. */
    record Position(String segment, long offset) {
        JsonObject toJson() {
            return new JsonObject().put("segment", segment).put("offset", offset);
        }

        static Position fromJson(JsonObject o) {
            return o == null ? null : new Position(o.getString("segment"), o.getLong("offset"));
        }
    }

    /**
     * @param snapshotSeq seq of the service's newest snapshot, 0 if it has none
     * @param snapshot    where its frame is (null if none)
     * @param firstAfter  seq of its first record after that snapshot (its first record at all if it has
     *                    no snapshot), 0 if none
     * @param firstAfterAt where that record's frame is (null if none)
     */
    record Track(long snapshotSeq, Position snapshot, long firstAfter, Position firstAfterAt) {
        JsonObject toJson() {
            return new JsonObject().put("snapshot", snapshotSeq).put("at", snapshot == null ? null : snapshot.toJson())
                    .put("first_after", firstAfter).put("first_after_at", firstAfterAt == null ? null : firstAfterAt.toJson());
        }

        static Track fromJson(JsonObject o) {
            return new Track(o.getLong("snapshot"), Position.fromJson(o.getJsonObject("at")), o.getLong("first_after"),
                    Position.fromJson(o.getJsonObject("first_after_at")));
        }
    }

    static SnapshotIndex empty() {
        return new SnapshotIndex(0, null, Map.of());
    }

    /** The index in {@code dir}, or null if there is none or it is damaged. */
    static SnapshotIndex read(Path dir) {
        Path f = dir.resolve(FILE);
        try {
            if (!Files.exists(f)) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f));
            Frame.Header h = Frame.header(b, 0);
            if (h == null || b.limit() != Frame.HEADER + h.length() || !Frame.payloadIntact(b, Frame.HEADER, h)) {
                return null;
            }
            JsonObject o = new JsonObject(new String(bytes(b, Frame.HEADER, h.length()), StandardCharsets.UTF_8));
            Map<String, Track> tracks = new LinkedHashMap<>();
            o.getJsonObject("tracks").forEach(e -> tracks.put(e.getKey(), Track.fromJson((JsonObject) e.getValue())));
            return new SnapshotIndex(h.firstSeq(), Position.fromJson(o.getJsonObject("end")), tracks);
        } catch (IOException | RuntimeException e) {
            return null; // a damaged index only costs time: recovery reads the segments instead
        }
    }

    private static byte[] bytes(ByteBuffer b, int from, int len) {
        byte[] out = new byte[len];
        b.get(from, out);
        return out;
    }

    /** Through {@code io}, so a crash or a full disk stops it like any other write (the old index stays). */
    void write(Path dir, SegmentIo io) throws IOException {
        JsonObject t = new JsonObject();
        tracks.forEach((s, tr) -> t.put(s, tr.toJson()));
        byte[] payload = new JsonObject().put("end", end == null ? null : end.toJson()).put("tracks", t).encode()
                .getBytes(StandardCharsets.UTF_8);
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        try (SegmentIo.Output o = io.open(tmp)) {
            o.write(new ByteBuffer[] {Frame.encode(checkpoint, 1, 0, payload)});
            o.force();
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Moves {@code tracks} on past record {@code e}, whose frame is at {@code offset} of {@code seg}. */
    static void track(Map<String, SnapshotIndex.Track> tracks, Segment seg, long offset, JournalEntry e) {
        SnapshotIndex.Track t = tracks.get(e.service());
        SnapshotIndex.Position at = new SnapshotIndex.Position(seg.file().getFileName().toString(), offset);
        if (Journal.SNAPSHOT.equals(e.type())) {
            tracks.put(e.service(), new SnapshotIndex.Track(e.seq(), at, 0, null));
        } else if (t == null) {
            tracks.put(e.service(), new SnapshotIndex.Track(0, null, e.seq(), at));
        } else if (t.firstAfter() == 0) {
            tracks.put(e.service(), new SnapshotIndex.Track(t.snapshotSeq(), t.snapshot(), e.seq(), at));
        }
    }
}
