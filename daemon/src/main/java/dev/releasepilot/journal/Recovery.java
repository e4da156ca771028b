package dev.releasepilot.journal;

import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What opening a data dir does before the journal can append: migrate format 1, find where the newest
 * segment really ends (re-synchronising past damage, setting a torn tail aside without deleting a byte
 * that was not copied) and bring the snapshot tracks up to date from the records after the index.
 */
final class Recovery {
    private Recovery() {
    }

    /** What open found about the newest segment and the seqs. */
    record Opened(List<Segment> segments, Segment active, long activeSize, boolean roll, long nextSeq,
                  Map<String, SnapshotIndex.Track> tracks, long indexedUpTo) {
    }

    static Opened recover(Path dir, Clock clock, FileJournal.Options options, DamageLog damage) throws IOException {
        List<Segment> segs = Segment.list(dir);
        SnapshotIndex index = SnapshotIndex.read(dir);
        if (index == null) {
            if (Files.exists(dir.resolve(SnapshotIndex.FILE))) {
                damage.note(SnapshotIndex.FILE + " is damaged; every segment is read instead.");
            }
            index = SnapshotIndex.empty();
        }
        long lastSeq = index.checkpoint();
        Segment active = segs.isEmpty() ? null : segs.get(segs.size() - 1);
        long activeSize = 0;
        boolean roll = false;
        if (active != null) {
            long[] last = {0};
            int[] tail = {-1, 0};
            ByteBuffer buf = active.map();
            // Frames before the index's end were read when it was written: start after them.
            SnapshotIndex.Position end = index.end();
            int scanFrom = end != null && end.segment().equals(active.file().getFileName().toString())
                    && end.offset() <= buf.limit() ? (int) end.offset() : 0;
            int goodEnd = FrameScanner.scan(buf, scanFrom, new FrameScanner.Visitor() {
                @Override
                public void frame(int offset, Frame.Header h, ByteBuffer payload) {
                    last[0] = Math.max(last[0], h.lastSeq());
                }

                @Override
                public void damaged(int offset, int length, boolean isTail) {
                    damage.damaged(active.file(), offset, length, isTail);
                    if (isTail) {
                        tail[0] = offset;
                        tail[1] = length;
                    }
                }
            });
            activeSize = buf.limit();
            if (tail[0] >= 0) {
                if (setAside(active, goodEnd, buf.limit(), clock, options.io(), damage)) {
                    activeSize = goodEnd;
                } else {
                    roll = true; // keep the bytes where they are; new records go to a new segment
                }
            }
            lastSeq = Math.max(lastSeq, Math.max(last[0], active.firstSeq() - 1));
            // An empty newest segment (and no index to say where things ended): the last seq is further back.
            for (int i = segs.size() - 2; i >= 0 && last[0] == 0 && scanFrom == 0; i--) {
                last[0] = lastSeqIn(segs.get(i));
                lastSeq = Math.max(lastSeq, last[0]);
            }
        }
        // Bring the tracks from the index's checkpoint up to the end.
        Map<String, SnapshotIndex.Track> tracks = new HashMap<>(index.tracks());
        if (lastSeq > index.checkpoint()) { // after a graceful stop the index is up to date: nothing to read
            SegmentReader.readFrom(segs, index.checkpoint() + 1, index.end(), Long.MAX_VALUE, true, damage,
                    (seg, offset, e) -> SnapshotIndex.track(tracks, seg, offset, e));
        }
        return new Opened(List.copyOf(segs), active, activeSize, roll, lastSeq + 1, tracks, index.checkpoint());
    }

    private static long lastSeqIn(Segment s) throws IOException {
        long[] last = {0};
        FrameScanner.scan(s.map(), 0, new FrameScanner.Visitor() {
            @Override
            public void frame(int offset, Frame.Header h, ByteBuffer payload) {
                last[0] = Math.max(last[0], h.lastSeq());
            }

            @Override
            public void damaged(int offset, int length, boolean tail) {
            }
        });
        return last[0];
    }

    /**
     * Copies the torn tail {@code [from, to)} of {@code seg} aside in full, then cuts it off. False (and
     * nothing cut) if the copy could not be made durable, e.g. on a full disk.
     */
    private static boolean setAside(Segment seg, long from, long to, Clock clock, SegmentIo io, DamageLog damage) {
        Path aside = seg.file().resolveSibling(seg.file().getFileName() + ".torn-" + clock.millis());
        try {
            ByteBuffer tail = seg.map(to).slice((int) from, (int) (to - from));
            try (SegmentIo.Output o = io.open(aside)) {
                o.write(new ByteBuffer[] {tail});
                o.force();
            }
            try (FileChannel ch = FileChannel.open(seg.file(), StandardOpenOption.WRITE)) {
                ch.truncate(from);
                ch.force(true);
            }
            damage.note("the " + (to - from) + " torn bytes were copied to " + aside.getFileName() + " and cut off.");
            return true;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(aside);
            } catch (IOException ignored) {
                // the copy failed already; the original bytes are untouched either way
            }
            damage.note("the torn bytes could not be copied aside (" + e.getMessage() + "); they stay in "
                    + seg.file().getFileName() + ", which is sealed, and new records go to a new segment.");
            return false;
        }
    }

    /**
     * Format 1 (one {@code journal.rpj} without sync markers) becomes a format-2 segment; the old file is
     * kept as {@code journal.rpj.format1} (renamed only once the new segment is durable).
     */
    static void migrateFormat1(Path dir, Clock clock, DamageLog damage) throws IOException {
        Path legacy = dir.resolve(LegacyFormat.FILE);
        if (!Files.exists(legacy)) {
            return;
        }
        ByteBuffer b;
        try (FileChannel ch = FileChannel.open(legacy, StandardOpenOption.READ)) {
            b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        }
        if (b.limit() > 0 && !LegacyFormat.isLegacy(b.get(0))) {
            throw new IOException(legacy + " is not a format-1 journal; move it out of the data dir");
        }
        LegacyFormat.Read r = LegacyFormat.read(b);
        if (!r.entries().isEmpty()) {
            Path seg = Segment.name(dir, r.entries().get(0).seq(), 0);
            Files.deleteIfExists(seg); // a migration cut short earlier: the format-1 file is still the truth
            try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (JournalEntry e : r.entries()) {
                    ByteBuffer f = Frame.encode(e.seq(), 1, 0, new JsonArray().add(e.toJson()).encode()
                            .getBytes(StandardCharsets.UTF_8));
                    while (f.hasRemaining()) {
                        ch.write(f);
                    }
                }
                ch.force(true);
            }
        }
        Path kept = dir.resolve(LegacyFormat.FILE + ".format1");
        if (Files.exists(kept)) {
            kept = dir.resolve(LegacyFormat.FILE + ".format1-" + clock.millis());
        }
        Files.move(legacy, kept);
        damage.note("migrated " + r.entries().size() + " format-1 records to segments; the old file is kept as "
                + kept.getFileName() + ". " + r.detail());
    }
}
