package dev.releasepilot.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One flipped bit costs one frame, wherever it lands: in any byte of a frame header (the sync marker,
 * the length, the seq, the checksums) or in the payload, of the first, a middle or the last frame, of
 * a one-segment journal or of any segment of a larger one. Each trial copies a pristine data dir,
 * flips one bit, opens it and compares what replays with every record but those of the hit frame.
 */
class FileJournalDamageTest {
    private static final Set<String> SERVICES = Set.of("checkout", "payments");

    @TempDir
    Path tmp;

    /** One appended frame: where it is and which seqs it holds. */
    private record FrameAt(Path segment, int offset, int length, long firstSeq, int count) {
        boolean holds(long seq) {
            return seq >= firstSeq && seq < firstSeq + count;
        }
    }

    @Test
    void aFlippedBitInAnyHeaderByteOfASmallJournalCostsOnlyItsFrame() throws Exception {
        Path pristine = build(tmp.resolve("small"), 20, FileJournal.DEFAULT_SEGMENT_BYTES);
        List<FrameAt> frames = frames(pristine);
        assertEquals(1, frames.stream().map(FrameAt::segment).distinct().count());
        Random r = new Random(1);
        int trials = 0;
        for (int i = 0; i < frames.size(); i++) {
            FrameAt f = frames.get(i);
            if (i == 0 || i == frames.size() / 2 || i == frames.size() - 1) {
                for (int b = 0; b < Frame.HEADER; b++) { // every header byte of the first, a middle and the last frame
                    trial(pristine, frames, f, f.offset() + b, 1 << r.nextInt(8), trials++);
                }
            } else {
                trial(pristine, frames, f, f.offset() + r.nextInt(Frame.HEADER), 1 << r.nextInt(8), trials++);
                trial(pristine, frames, f, f.offset() + Frame.HEADER + r.nextInt(f.length() - Frame.HEADER),
                        1 << r.nextInt(8), trials++);
            }
        }
        assertEquals(3 * Frame.HEADER + 2 * (frames.size() - 3), trials);
    }

    @Test
    void aFlippedBitAnywhereInALargeJournalCostsOnlyItsFrame() throws Exception {
        Path pristine = build(tmp.resolve("large"), 600, 16 * 1024);
        List<FrameAt> frames = frames(pristine);
        assertTrue(frames.stream().map(FrameAt::segment).distinct().count() >= 4, "several segments");
        Random r = new Random(2);
        List<FrameAt> chosen = new ArrayList<>();
        // First and last frame of every segment, plus random ones.
        for (int i = 0; i < frames.size(); i++) {
            boolean edge = i == 0 || i == frames.size() - 1 || !frames.get(i - 1).segment().equals(frames.get(i).segment())
                    || !frames.get(i + 1).segment().equals(frames.get(i).segment());
            if (edge || r.nextInt(12) == 0) {
                chosen.add(frames.get(i));
            }
        }
        int trials = 0;
        for (FrameAt f : chosen) {
            trial(pristine, frames, f, f.offset() + r.nextInt(Frame.HEADER), 1 << r.nextInt(8), trials++); // header
            trial(pristine, frames, f, f.offset() + Frame.HEADER + r.nextInt(f.length() - Frame.HEADER),
                    1 << r.nextInt(8), trials++); // payload
        }
        assertTrue(trials >= 80, trials + " trials");
    }

    @Test
    void aDamagedLengthInTheMiddleCostsOneFrameNotTheRest() throws Exception {
        // The failure the old format had: a wrong length made recovery drop every later record.
        Path pristine = build(tmp.resolve("len"), 300, FileJournal.DEFAULT_SEGMENT_BYTES);
        List<FrameAt> frames = frames(pristine);
        FrameAt middle = frames.get(frames.size() / 2);
        for (int b = 4; b < 8; b++) {
            trial(pristine, frames, middle, middle.offset() + b, 0x40, b);
        }
    }

    @Test
    void damageInTwoSegmentsCostsTheTwoFrames() throws Exception {
        Path pristine = build(tmp.resolve("two"), 400, 16 * 1024);
        List<FrameAt> frames = frames(pristine);
        FrameAt a = frames.get(10);
        FrameAt b = frames.get(frames.size() - 10);
        assertTrue(!a.segment().equals(b.segment()));
        Path d = copy(pristine, tmp.resolve("two-damaged"));
        flip(d.resolve(a.segment().getFileName()), a.offset() + 9, 0x01);
        flip(d.resolve(b.segment().getFileName()), b.offset() + Frame.HEADER + 3, 0x20);
        try (FileJournal j = FileJournal.open(d, Clock.systemUTC(), new SimpleMeterRegistry())) {
            List<Long> got = JournalContract.seqs(j.replay(SERVICES));
            assertEquals(expected(frames, a, b), got);
            assertEquals(2, j.recovery().damagedRegions(), j.recovery().toString());
        }
    }

    // --- fixtures

    private void trial(Path pristine, List<FrameAt> frames, FrameAt hit, int at, int bit, int n) throws IOException {
        Path d = copy(pristine, tmp.resolve("t" + n));
        flip(d.resolve(hit.segment().getFileName()), at, bit);
        try (FileJournal j = FileJournal.open(d, Clock.systemUTC(), new SimpleMeterRegistry())) {
            List<Long> got = JournalContract.seqs(j.replay(SERVICES));
            String what = "bit " + bit + " of byte " + at + " of " + hit.segment().getFileName() + " (frame at "
                    + hit.offset() + ", seqs " + hit.firstSeq() + "+" + hit.count() + "): " + j.recovery();
            assertEquals(expected(frames, hit), got, what);
            assertTrue(!j.recovery().clean(), what);
        }
        deleteTree(d);
    }

    private static List<Long> expected(List<FrameAt> frames, FrameAt... hit) {
        List<Long> out = new ArrayList<>();
        for (FrameAt f : frames) {
            if (!List.of(hit).contains(f)) {
                for (int i = 0; i < f.count(); i++) {
                    out.add(f.firstSeq() + i);
                }
            }
        }
        return out;
    }

    /** A journal of {@code groups} appends of one or two records, two services, no snapshots. */
    private static Path build(Path d, int groups, long segmentBytes) throws Exception {
        Random r = new Random(groups);
        try (FileJournal j = FileJournal.open(d, Clock.systemUTC(), new SimpleMeterRegistry(),
                FileJournal.Options.defaults().withSegmentBytes(segmentBytes))) {
            for (int i = 0; i < groups; i++) {
                String service = r.nextBoolean() ? "checkout" : "payments";
                JsonObject body = new JsonObject().put("n", i).put("labels", new JsonObject()
                        .put("alertname", "CheckoutErrors").put("pad", "x".repeat(r.nextInt(200))));
                List<Draft> group = r.nextInt(3) == 0 ? List.of(new Draft("alert", body), new Draft("decision", body))
                        : List.of(new Draft("alert", body));
                JournalContract.await(j.append(service, Fence.NONE, group));
            }
        }
        return d;
    }

    private static List<FrameAt> frames(Path d) throws IOException {
        List<FrameAt> out = new ArrayList<>();
        for (Segment s : Segment.list(d)) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(s.file()));
            int pos = 0;
            while (pos < b.limit()) {
                Frame.Header h = Frame.header(b, pos);
                out.add(new FrameAt(s.file(), pos, Frame.HEADER + h.length(), h.firstSeq(), h.count()));
                pos += Frame.HEADER + h.length();
            }
        }
        return out;
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().equals("LOCK")) {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        }
        return to;
    }

    private static void flip(Path file, int at, int bit) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[at] ^= (byte) bit;
        Files.write(file, b);
    }

    private static void deleteTree(Path d) throws IOException {
        try (Stream<Path> files = Files.list(d)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(d);
    }
}
