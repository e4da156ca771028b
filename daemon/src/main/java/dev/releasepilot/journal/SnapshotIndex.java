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
 */
record SnapshotIndex(long checkpoint, Map<String, Track> tracks) {
    static final String FILE = "journal.index";

    /**
     * @param snapshotSeq seq of the service's newest snapshot, 0 if it has none
     * @param segment     file name of the segment holding it
     * @param offset      the offset of its frame in that segment
     * @param firstAfter  seq of its first record after that snapshot, 0 if none (as of the checkpoint)
     */
    record Track(long snapshotSeq, String segment, long offset, long firstAfter) {
        JsonObject toJson() {
            return new JsonObject().put("snapshot", snapshotSeq).put("segment", segment).put("offset", offset)
                    .put("first_after", firstAfter);
        }

        static Track fromJson(JsonObject o) {
            return new Track(o.getLong("snapshot"), o.getString("segment"), o.getLong("offset"), o.getLong("first_after"));
        }
    }

    static SnapshotIndex empty() {
        return new SnapshotIndex(0, Map.of());
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
            return new SnapshotIndex(h.firstSeq(), tracks);
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
        byte[] payload = new JsonObject().put("tracks", t).encode().getBytes(StandardCharsets.UTF_8);
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        try (SegmentIo.Output o = io.open(tmp)) {
            o.write(new ByteBuffer[] {Frame.encode(checkpoint, 1, 0, payload)});
            o.force();
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
