package dev.releasepilot.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded journal's files: torn tails set aside whole, full disks, format-1 migration, the
 * data-dir lock. Damage by flipped bits has its own test ({@link FileJournalDamageTest}); the contract
 * shared with other stores is {@link JournalContract}.
 */
class FileJournalTest {
    private static final Instant NOW = Instant.parse("2026-11-23T15:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Set<String> SERVICES = Set.of("checkout");

    @TempDir
    Path dir;

    @Test
    void aTornTailIsCopiedAsideWholeThenCutAndAppendsFollowTheGoodRecords() throws Exception {
        Path full = dir.resolve("full");
        try (FileJournal j = open(full)) {
            for (int i = 1; i <= 3; i++) {
                JournalContract.append(j, "checkout", new Draft("alert", new JsonObject().put("n", i).put("pad", "x".repeat(40))));
            }
        }
        Path segment = onlySegment(full);
        byte[] bytes = Files.readAllBytes(segment);
        List<long[]> frames = frames(bytes);
        int last = (int) frames.get(2)[0];
        assertEquals(bytes.length, frames.get(2)[0] + frames.get(2)[1]);

        // Cuts inside the last frame's header, right after it, and inside its payload.
        int[] cuts = {last + 1, last + 4, last + 27, last + 28, last + 29, (last + bytes.length) / 2, bytes.length - 1};
        for (int cut : cuts) {
            Path d = dir.resolve("cut-" + cut);
            Files.createDirectories(d);
            Files.write(d.resolve(segment.getFileName()), Arrays.copyOf(bytes, cut));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (FileJournal j = FileJournal.open(d, CLOCK, registry)) {
                String what = "cut at " + cut + " (last frame at " + last + ")";
                assertEquals(List.of(1, 2), JournalContract.ns(j.replay(SERVICES)), what);
                RecoveryReport r = j.recovery();
                assertFalse(r.clean(), what);
                assertEquals(0, r.damagedRegions(), what + ": " + r);
                assertEquals(cut - last, r.tornTailBytes(), what + ": " + r);
                assertTrue(r.detail().contains("torn tail") && r.detail().contains("copied to"), r.detail());
                assertEquals(last, Files.size(d.resolve(segment.getFileName())), "cut back to the last good frame");
                Path aside = d.resolve(segment.getFileName() + ".torn-" + NOW.toEpochMilli());
                assertArrayEquals(Arrays.copyOfRange(bytes, last, cut), Files.readAllBytes(aside), what + ": every torn byte kept");
                assertEquals(1.0, registry.get("release_pilot_journal_corrupt_records").gauge().value(), what);
                assertEquals(3, JournalContract.append(j, "checkout", new Draft("decision", new JsonObject().put("n", 30))).get(0).seq());
            }
            try (FileJournal j = open(d)) {
                assertTrue(j.recovery().clean(), "cut at " + cut + ": " + j.recovery());
                assertEquals(List.of(1, 2, 30), JournalContract.ns(j.replay(SERVICES)));
            }
        }
    }

    @Test
    void aLargeTornTailIsKeptInFull() throws Exception {
        // The old journal kept at most 2 MiB of a damaged tail and cut the rest: here 5 MiB of it.
        try (FileJournal j = open(dir)) {
            JournalContract.append(j, "checkout", new Draft("alert", new JsonObject().put("n", 1)));
        }
        Path segment = onlySegment(dir);
        byte[] junk = new byte[5 << 20];
        new java.util.Random(7).nextBytes(junk);
        for (int i = 0; i < junk.length; i++) {
            if (junk[i] == (byte) 0xFF) {
                junk[i] = 0; // no sync marker in it: one damaged stretch to the end
            }
        }
        long good = Files.size(segment);
        Files.write(segment, junk, java.nio.file.StandardOpenOption.APPEND);
        try (FileJournal j = open(dir)) {
            assertEquals(List.of(1), JournalContract.ns(j.replay(SERVICES)));
            assertEquals(junk.length, j.recovery().tornTailBytes());
            Path aside = dir.resolve(segment.getFileName() + ".torn-" + NOW.toEpochMilli());
            assertArrayEquals(junk, Files.readAllBytes(aside));
            assertEquals(good, Files.size(segment));
        }
    }

    @Test
    void aTornTailOnAFullDiskIsKeptInPlaceTheJournalOpensAndIsNotWritableUntilTheDiskIs() throws Exception {
        try (FileJournal j = open(dir)) {
            for (int i = 1; i <= 3; i++) {
                JournalContract.append(j, "checkout", new Draft("alert", new JsonObject().put("n", i)));
            }
        }
        Path segment = onlySegment(dir);
        byte[] bytes = Files.readAllBytes(segment);
        long cut = bytes.length - 5;
        Files.write(segment, Arrays.copyOf(bytes, (int) cut));
        FaultyIo disk = FaultyIo.fullAfter(0);
        try (FileJournal j = FileJournal.open(dir, CLOCK, new SimpleMeterRegistry(),
                FileJournal.Options.defaults().withIo(disk))) {
            assertEquals(List.of(1, 2), JournalContract.ns(j.replay(SERVICES)), "starts, with what it could read");
            RecoveryReport r = j.recovery();
            assertTrue(r.tornTailBytes() > 0 && r.detail().contains("could not be copied aside"), r.detail());
            assertEquals(cut, Files.size(segment), "not one byte cut that was not copied");
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(0, files.filter(p -> p.getFileName().toString().contains(".torn-")).count());
            }
            Throwable refused = j.append("checkout", Fence.NONE, List.of(new Draft("decision", new JsonObject().put("n", 3))))
                    .toCompletionStage().toCompletableFuture().handle((v, e) -> e).get(5, TimeUnit.SECONDS);
            assertTrue(refused != null && refused.getMessage().contains("No space left"), String.valueOf(refused));
            assertFalse(j.writable(), "not ready while the disk refuses writes");

            disk.free();
            peers().until("the journal notices the disk takes writes again", j::writable);
            assertEquals(4, JournalContract.append(j, "checkout", new Draft("decision", new JsonObject().put("n", 3))).get(0).seq(),
                    "seq 3 belonged to the torn record (the index had seen it): seqs are never reused");
        }
        try (FileJournal j = open(dir)) {
            assertEquals(List.of(1, 2, 3), JournalContract.ns(j.replay(SERVICES)), "new records went to a new segment");
            assertEquals(2, Segment.list(dir).size());
            assertEquals(cut, Files.size(segment), "the sealed segment still holds its torn bytes");
        }
    }

    @Test
    void aFailedWriteLeavesNothingBehindAndLaterAppendsGetItsSeqs() throws Exception {
        FaultyIo disk = FaultyIo.counting();
        try (FileJournal j = FileJournal.open(dir, CLOCK, new SimpleMeterRegistry(), FileJournal.Options.defaults().withIo(disk))) {
            JournalContract.append(j, "checkout", new Draft("alert", new JsonObject().put("n", 1)));
        }
        long oneFrame = Files.size(onlySegment(dir));
        FaultyIo full = FaultyIo.fullAfter(oneFrame + 10); // room for the next frame's first 10 bytes only
        try (FileJournal j = FileJournal.open(dir, CLOCK, new SimpleMeterRegistry(), FileJournal.Options.defaults().withIo(full))) {
            j.replay(SERVICES);
            // the budget counts from this open: the first frame of this run fits, the second is cut after 10 bytes
            JournalContract.append(j, "checkout", new Draft("alert", new JsonObject().put("n", 2)));
            assertTrue(j.append("checkout", Fence.NONE, List.of(new Draft("alert", new JsonObject().put("n", 3)),
                    new Draft("decision", new JsonObject().put("n", 4)))).toCompletionStage().toCompletableFuture()
                    .handle((v, e) -> e != null).get(5, TimeUnit.SECONDS));
            full.free();
            List<JournalEntry> again = JournalContract.await(j.append("checkout", Fence.NONE, List.of(
                    new Draft("alert", new JsonObject().put("n", 3)), new Draft("decision", new JsonObject().put("n", 4)))));
            assertEquals(List.of(3L, 4L), JournalContract.seqs(again));
        }
        try (FileJournal j = open(dir)) {
            assertEquals(List.of(1, 2, 3, 4), JournalContract.ns(j.replay(SERVICES)));
            assertTrue(j.recovery().clean(), j.recovery().toString());
        }
    }

    @Test
    void aFormat1JournalIsMigratedAndKept() throws Exception {
        ByteBuffer old = ByteBuffer.allocate(4096);
        for (int i = 1; i <= 3; i++) {
            byte[] payload = new JsonObject().put("seq", i).put("at", NOW.toString()).put("service", "checkout")
                    .put("type", "alert").put("body", new JsonObject().put("n", i)).encode().getBytes(StandardCharsets.UTF_8);
            CRC32C c = new CRC32C();
            c.update(payload);
            old.putInt(payload.length).putInt((int) c.getValue()).put(payload);
        }
        byte[] oldBytes = Arrays.copyOf(old.array(), old.position());
        Files.write(dir.resolve("journal.rpj"), oldBytes);
        try (FileJournal j = open(dir)) {
            assertEquals(List.of(1, 2, 3), JournalContract.ns(j.replay(SERVICES)));
            assertTrue(j.recovery().detail().contains("migrated 3 format-1 records"), j.recovery().detail());
            assertEquals(4, JournalContract.append(j, "checkout", new Draft("decision", new JsonObject().put("n", 4))).get(0).seq());
        }
        assertFalse(Files.exists(dir.resolve("journal.rpj")));
        assertArrayEquals(oldBytes, Files.readAllBytes(dir.resolve("journal.rpj.format1")), "the old file is kept as it was");
        try (FileJournal j = open(dir)) {
            assertEquals(List.of(1, 2, 3, 4), JournalContract.ns(j.replay(SERVICES)));
        }
    }

    @Test
    void segmentsRollAndADamagedIndexOnlyCostsTime() throws Exception {
        FileJournal.Options small = FileJournal.Options.defaults().withSegmentBytes(1_000);
        try (FileJournal j = FileJournal.open(dir, CLOCK, new SimpleMeterRegistry(), small)) {
            for (int i = 1; i <= 60; i++) {
                JournalContract.append(j, "checkout", new Draft(i % 20 == 0 ? Journal.SNAPSHOT : "alert",
                        new JsonObject().put("n", i)));
            }
        }
        assertTrue(Segment.list(dir).size() > 3, "rolled over several segments");
        try (FileJournal j = FileJournal.open(dir, CLOCK, new SimpleMeterRegistry(), small)) {
            assertEquals(List.of(60), JournalContract.ns(j.replay(SERVICES)));
        }
        Path index = dir.resolve(SnapshotIndex.FILE);
        byte[] b = Files.readAllBytes(index);
        b[b.length / 2] ^= 0x10;
        Files.write(index, b);
        try (FileJournal j = FileJournal.open(dir, CLOCK, new SimpleMeterRegistry(), small)) {
            assertEquals(List.of(60), JournalContract.ns(j.replay(SERVICES)), "the same answer from the segments");
            assertTrue(j.recovery().detail().contains("journal.index is damaged"), j.recovery().detail());
        }
    }

    @Test
    void aSecondOpenOfTheSameDataDirFailsClearly() throws Exception {
        try (FileJournal first = open(dir)) {
            IOException e = assertThrows(IOException.class, () -> open(dir));
            assertTrue(e.getMessage().contains("data dir " + dir) && e.getMessage().contains("in use"), e.getMessage());
            // The failed attempt must leave the first one fully working...
            assertEquals(1, JournalContract.append(first, "checkout", new Draft("alert", new JsonObject())).get(0).seq());
            // ...and still holding the OS-level lock against other processes.
            String other = OpenFromAnotherProcess.run(dir);
            assertTrue(other.startsWith("refused:") && other.contains("in use"), other);
        }
        try (FileJournal again = open(dir)) {
            assertEquals(1, again.replay(SERVICES).size(), "reopens after close");
        }
    }

    @Test
    void aGroupOverTheFrameLimitIsRefusedAloneAsNotRetryable(@TempDir Path dir) throws Exception {
        try (FileJournal j = open(dir)) {
            // Queued back to back, so the writer usually takes them in one batch.
            var before = j.append("checkout", Fence.NONE, List.of(new Draft("alert", new JsonObject().put("n", 1))));
            var huge = j.append("checkout", Fence.NONE, List.of(new Draft("decision",
                    new JsonObject().put("n", 99).put("pad", "x".repeat(Frame.MAX_PAYLOAD)))));
            var after = j.append("checkout", Fence.NONE, List.of(new Draft("alert", new JsonObject().put("n", 2))));
            var failure = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> huge.toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(failure.getCause() instanceof RecordTooLarge, failure.getCause().toString());
            assertEquals(1L, before.toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS).get(0).seq());
            assertEquals(2L, after.toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS).get(0).seq(),
                    "no sequence number is spent on the refused group");
            assertTrue(j.writable(), "a refused group says nothing about the disk");
        }
        try (FileJournal j = open(dir)) {
            assertEquals(List.of(1, 2), JournalContract.ns(j.replay(SERVICES)));
        }
    }

    // --- fixtures

    static FileJournal open(Path d) throws IOException {
        return FileJournal.open(d, CLOCK, new SimpleMeterRegistry());
    }

    private static Waits peers() {
        return new Waits();
    }

    /** Poll with a deadline (the peers' Poll, typed for a boolean probe). */
    private static final class Waits {
        void until(String what, java.util.function.BooleanSupplier p) {
            dev.releasepilot.peers.Poll.until(what, java.time.Duration.ofSeconds(10), p::getAsBoolean);
        }
    }

    static Path onlySegment(Path d) throws IOException {
        List<Segment> s = Segment.list(d);
        assertEquals(1, s.size(), s.toString());
        return s.get(0).file();
    }

    /** {offset, total length} of each frame of a segment, read by the frame layout. */
    static List<long[]> frames(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        List<long[]> out = new ArrayList<>();
        int pos = 0;
        while (pos < bytes.length) {
            Frame.Header h = Frame.header(b, pos);
            assertTrue(h != null, "a frame at " + pos);
            out.add(new long[] {pos, Frame.HEADER + h.length()});
            pos += Frame.HEADER + h.length();
        }
        return out;
    }
}
