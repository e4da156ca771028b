package dev.releasepilot.journal;

import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Reads records out of segments: in seq order from a place (replay), one snapshot frame, or backwards (pages). */
final class SegmentReader {
    private SegmentReader() {
    }

    /** Receives each decoded record at or after some seq, with where its frame is. */
    interface RecordVisitor {
        void record(Segment seg, int frameOffset, JournalEntry e);
    }

    /**
     * Decodes every record with {@code from <= seq < before}, in order, skipping damage (reported). With
     * {@code start} (where the frame of seq {@code from}, or an earlier one, is), reading begins there;
     * without, at the start of the segment that holds {@code from}.
     */
    static void readFrom(List<Segment> segs, long from, SnapshotIndex.Position start, long before,
                         boolean snapshots, DamageLog damage, RecordVisitor v) throws IOException {
        if (start != null && segs.stream().noneMatch(s -> s.file().getFileName().toString().equals(start.segment()))) {
            readFrom(segs, from, null, before, snapshots, damage, v); // the segment is gone: find the seq
            return;
        }
        boolean started = start == null;
        for (int i = 0; i < segs.size(); i++) {
            Segment seg = segs.get(i);
            int offset = 0;
            if (!started) {
                if (!seg.file().getFileName().toString().equals(start.segment())) {
                    continue;
                }
                started = true;
                offset = (int) start.offset();
            } else if (start == null && i + 1 < segs.size() && segs.get(i + 1).firstSeq() <= from) {
                continue; // every record of this segment is older than the next segment's first
            }
            if (seg.firstSeq() >= before) {
                break;
            }
            ByteBuffer buf = seg.map();
            readSegment(seg, buf, Math.min(offset, buf.limit()), from, before, snapshots, damage, v);
        }
    }

    /** @param snapshots whether snapshot frames are wanted; if not, they are skipped undecoded */
    private static void readSegment(Segment seg, ByteBuffer buf, int start, long from, long before, boolean snapshots,
                                    DamageLog damage, RecordVisitor v) {
        FrameScanner.scan(buf, start, new FrameScanner.Visitor() {
            @Override
            public void frame(int offset, Frame.Header h, ByteBuffer payload) {
                if (h.lastSeq() < from || h.firstSeq() >= before || (!snapshots && h.snapshot())) {
                    return; // the header says so: no need to decode
                }
                for (JournalEntry e : decode(payload)) {
                    if (e.seq() >= from && e.seq() < before) {
                        v.record(seg, offset, e);
                    }
                }
            }

            @Override
            public void damaged(int offset, int length, boolean tail) {
                if (damage != null) {
                    damage.damaged(seg.file(), offset, length, tail);
                }
            }
        });
    }

    static List<JournalEntry> decode(ByteBuffer payload) {
        byte[] b = new byte[payload.remaining()];
        payload.duplicate().get(b);
        JsonArray a = new JsonArray(new String(b, StandardCharsets.UTF_8));
        List<JournalEntry> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(JournalEntry.fromJson(a.getJsonObject(i)));
        }
        return out;
    }

    static JournalEntry readSnapshot(List<Segment> segs, SnapshotIndex.Track t) {
        for (Segment seg : segs) {
            if (!seg.file().getFileName().toString().equals(t.snapshot().segment())) {
                continue;
            }
            try {
                ByteBuffer buf = seg.map();
                int offset = (int) t.snapshot().offset();
                Frame.Header h = offset >= buf.limit() ? null : Frame.header(buf, offset);
                if (h == null || (long) offset + Frame.HEADER + h.length() > buf.limit()
                        || !Frame.payloadIntact(buf, offset + Frame.HEADER, h)) {
                    return null;
                }
                for (JournalEntry e : decode(buf.slice(offset + Frame.HEADER, h.length()))) {
                    if (e.seq() == t.snapshotSeq() && Journal.SNAPSHOT.equals(e.type())) {
                        return e;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * Up to {@code need} of the newest non-snapshot records below {@code before}, from the files, oldest
     * first. Per segment, newest first: one checksum pass finds the frames, then they are decoded from
     * the newest back only until the page is full.
     */
    static List<JournalEntry> readBack(List<Segment> segs, Segment act, long actSize, String service, long before,
                                       int need) throws IOException {
        List<JournalEntry> newestFirst = new ArrayList<>();
        for (int i = segs.size() - 1; i >= 0 && newestFirst.size() < need; i--) {
            Segment seg = segs.get(i);
            if (seg.firstSeq() >= before) {
                continue;
            }
            ByteBuffer buf = seg.equals(act) ? seg.map(actSize) : seg.map();
            List<ByteBuffer> payloads = new ArrayList<>();
            FrameScanner.scan(buf, 0, new FrameScanner.Visitor() {
                @Override
                public void frame(int offset, Frame.Header h, ByteBuffer payload) {
                    if (h.firstSeq() < before && !h.snapshot()) {
                        payloads.add(payload);
                    }
                }

                @Override
                public void damaged(int offset, int length, boolean tail) {
                    // reported by recovery; a page shows what is intact
                }
            });
            for (int f = payloads.size() - 1; f >= 0 && newestFirst.size() < need; f--) {
                List<JournalEntry> group = decode(payloads.get(f));
                for (int k = group.size() - 1; k >= 0 && newestFirst.size() < need; k--) {
                    JournalEntry e = group.get(k);
                    if (e.seq() < before && !Journal.SNAPSHOT.equals(e.type()) && (service == null || service.equals(e.service()))) {
                        newestFirst.add(e);
                    }
                }
            }
        }
        Collections.reverse(newestFirst);
        return newestFirst;
    }
}
