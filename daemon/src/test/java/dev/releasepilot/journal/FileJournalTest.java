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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded journal on a real file system: append + fsync + replay, recovery from torn and corrupt
 * records, the data-dir lock and the in-memory tail. The writer thread completes futures off any Vert.x
 * context, so the test thread simply waits on them.
 */
class FileJournalTest {
    private static final Instant NOW = Instant.parse("2026-11-23T15:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void appendsSurviveCloseAndReopen() throws Exception {
        try (FileJournal j = open(dir)) {
            assertTrue(j.recovery().clean());
            assertEquals(List.of(), j.replay());
            JournalEntry e1 = append(j, "checkout", "alert", new JsonObject().put("fingerprint", "07b7d17d274ba13e"));
            JournalEntry e2 = append(j, "payments", "decision", new JsonObject().put("kind", "rollback"));
            JournalEntry e3 = append(j, "checkout", "action", new JsonObject().put("weights", new JsonObject().put("s1", 100)));
            assertEquals(List.of(1L, 2L, 3L), List.of(e1.seq(), e2.seq(), e3.seq()));
            assertEquals(NOW, e1.at(), "stamped by the injected clock");
            assertEquals(3, records(dir).size(), "on disk before close: the future completes after fsync");
        }
        try (FileJournal j = open(dir)) {
            assertTrue(j.recovery().clean(), j.recovery().detail());
            assertEquals(3, j.recovery().records());
            List<JournalEntry> r = j.replay();
            assertEquals(List.of(1L, 2L, 3L), r.stream().map(JournalEntry::seq).toList());
            assertEquals(List.of("checkout", "payments", "checkout"), r.stream().map(JournalEntry::service).toList());
            assertEquals(List.of("alert", "decision", "action"), r.stream().map(JournalEntry::type).toList());
            assertEquals("07b7d17d274ba13e", r.get(0).body().getString("fingerprint"));
            assertEquals(100, r.get(2).body().getJsonObject("weights").getInteger("s1"));
            assertEquals(NOW, r.get(1).at());
        }
    }

    @Test
    void seqContinuesAfterReopen() throws Exception {
        try (FileJournal j = open(dir)) {
            append(j, "checkout", "alert", new JsonObject());
            append(j, "checkout", "alert", new JsonObject());
        }
        try (FileJournal j = open(dir)) {
            assertEquals(3, append(j, "checkout", "decision", new JsonObject()).seq());
        }
        try (FileJournal j = open(dir)) {
            assertEquals(List.of(1L, 2L, 3L), j.replay().stream().map(JournalEntry::seq).toList());
            assertEquals(4, append(j, "checkout", "action", new JsonObject()).seq());
        }
    }

    @Test
    void aTornLastRecordIsSetAsideAndAppendsContinueAfterTheGoodOnes() throws Exception {
        Path full = dir.resolve("full");
        try (FileJournal j = open(full)) {
            for (int i = 1; i <= 3; i++) {
                append(j, "checkout", "alert", new JsonObject().put("n", i).put("pad", "x".repeat(40)));
            }
        }
        byte[] bytes = Files.readAllBytes(full.resolve(FileJournal.FILE_NAME));
        List<long[]> frames = records(full);
        int last = (int) frames.get(2)[0];
        int payload = (int) frames.get(2)[1];
        assertEquals(bytes.length, last + 8 + payload);

        // Cuts inside the last record's 8-byte header, right after it, and inside its payload.
        int[] cuts = {last + 1, last + 4, last + 7, last + 8, last + 9, last + 8 + payload / 2, bytes.length - 1};
        for (int cut : cuts) {
            Path d = dir.resolve("cut-" + cut);
            Files.createDirectories(d);
            Files.write(d.resolve(FileJournal.FILE_NAME), Arrays.copyOf(bytes, cut));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (FileJournal j = FileJournal.open(d, CLOCK, registry)) {
                RecoveryReport r = j.recovery();
                String what = "cut at " + cut + " (last record at " + last + "): " + r;
                assertFalse(r.clean(), what);
                assertEquals(2, r.records(), what);
                assertEquals(0, r.corruptRecords(), what);
                assertEquals(cut - last, r.tornTailBytes(), what);
                assertTrue(r.detail().contains("torn tail"), what);
                assertEquals(List.of(1, 2), j.replay().stream().map(e -> e.body().getInteger("n")).toList(), what);
                assertEquals(last, Files.size(d.resolve(FileJournal.FILE_NAME)), "cut back to the last good record");
                Path aside = d.resolve(FileJournal.FILE_NAME + ".torn-" + NOW.toEpochMilli());
                assertArrayEquals(Arrays.copyOfRange(bytes, last, cut), Files.readAllBytes(aside), what);
                assertEquals(1.0, registry.get("release_pilot_journal_corrupt_records").gauge().value(), what);

                assertEquals(3, append(j, "checkout", "decision", new JsonObject().put("n", 30)).seq(), what);
            }
            try (FileJournal j = open(d)) {
                assertTrue(j.recovery().clean(), "cut at " + cut + ": " + j.recovery());
                assertEquals(List.of(1, 2, 30), j.replay().stream().map(e -> e.body().getInteger("n")).toList());
                assertEquals(List.of(1L, 2L, 3L), j.replay().stream().map(JournalEntry::seq).toList());
            }
        }
    }

    @Test
    void aCutExactlyBetweenRecordsIsClean() throws Exception {
        Path full = dir.resolve("full");
        try (FileJournal j = open(full)) {
            append(j, "checkout", "alert", new JsonObject().put("n", 1));
            append(j, "checkout", "alert", new JsonObject().put("n", 2));
        }
        long boundary = records(full).get(1)[0];
        byte[] bytes = Files.readAllBytes(full.resolve(FileJournal.FILE_NAME));
        Path d = dir.resolve("cut");
        Files.createDirectories(d);
        Files.write(d.resolve(FileJournal.FILE_NAME), Arrays.copyOf(bytes, (int) boundary));
        try (FileJournal j = open(d)) {
            assertTrue(j.recovery().clean(), j.recovery().detail());
            assertEquals(1, j.replay().size());
            try (Stream<Path> files = Files.list(d)) {
                assertEquals(0, files.filter(p -> p.getFileName().toString().contains(".torn-")).count());
            }
        }
    }

    @Test
    void aFlippedByteInAMiddleRecordSkipsOnlyThatRecord() throws Exception {
        try (FileJournal j = open(dir)) {
            for (int i = 1; i <= 3; i++) {
                append(j, "checkout", "alert", new JsonObject().put("n", i));
            }
        }
        long[] middle = records(dir).get(1);
        Path file = dir.resolve(FileJournal.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        int at = (int) (middle[0] + 8 + middle[1] / 2);
        bytes[at] ^= 0x01;
        Files.write(file, bytes);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (FileJournal j = FileJournal.open(dir, CLOCK, registry)) {
            RecoveryReport r = j.recovery();
            assertEquals(1, r.corruptRecords(), r.toString());
            assertEquals(0, r.tornTailBytes(), r.toString());
            assertEquals(2, r.records(), r.toString());
            assertTrue(r.detail().contains("checksum mismatch in record at offset " + middle[0]), r.detail());
            assertEquals(List.of(1L, 3L), j.replay().stream().map(JournalEntry::seq).toList());
            assertEquals(1.0, registry.get("release_pilot_journal_corrupt_records").gauge().value());
            assertEquals(bytes.length, Files.size(file), "a corrupt middle record is kept for inspection, not cut");
            assertEquals(4, append(j, "checkout", "decision", new JsonObject()).seq());
        }
        try (FileJournal j = open(dir)) {
            assertEquals(List.of(1L, 3L, 4L), j.replay().stream().map(JournalEntry::seq).toList());
        }
    }

    @Test
    void aSecondOpenOfTheSameDataDirFailsClearly() throws Exception {
        try (FileJournal first = open(dir)) {
            IOException e = assertThrows(IOException.class, () -> open(dir));
            assertTrue(e.getMessage().contains("data dir " + dir) && e.getMessage().contains("in use"), e.getMessage());
            // The failed attempt must leave the first one fully working...
            assertEquals(1, append(first, "checkout", "alert", new JsonObject()).seq());
            // ...and still holding the OS-level lock against other processes.
            String other = OpenFromAnotherProcess.run(dir);
            assertTrue(other.startsWith("refused:") && other.contains("in use"), other);
        }
        try (FileJournal again = open(dir)) {
            assertEquals(1, again.replay().size(), "reopens after close");
        }
    }

    @Test
    void recentFiltersByServiceAndIsBounded() throws Exception {
        try (FileJournal j = open(dir)) {
            for (int i = 1; i <= 6; i++) {
                append(j, i % 2 == 0 ? "payments" : "checkout", "alert", new JsonObject().put("n", i));
            }
            assertEquals(List.of(3, 5), ns(j.recent("checkout", 2)), "newest two, oldest first");
            assertEquals(List.of(1, 3, 5), ns(j.recent("checkout", 100)));
            assertEquals(List.of(2, 4, 6), ns(j.recent("payments", 3)));
            assertEquals(List.of(4, 5, 6), ns(j.recent(null, 3)), "null means every service");
            assertEquals(List.of(), j.recent("search", 10));
            assertEquals(List.of(), j.recent("checkout", 0));
        }
        try (FileJournal j = open(dir)) {
            assertEquals(List.of(3, 5), ns(j.recent("checkout", 2)), "replayed records are in the tail too");
            append(j, "checkout", "alert", new JsonObject().put("n", 7));
            assertEquals(List.of(5, 7), ns(j.recent("checkout", 2)));
        }
    }

    @Test
    void appendAfterCloseFailsWithJournalUnavailable() throws Exception {
        FileJournal j = open(dir);
        j.close();
        Throwable cause = j.append("checkout", "alert", new JsonObject()).cause();
        assertTrue(cause instanceof JournalUnavailable, String.valueOf(cause));
    }

    // --- helpers

    @Test
    void aRecordOverTheLimitIsRefusedAloneAndTheRecordsBesideItAreWritten() throws Exception {
        try (FileJournal j = open(dir)) {
            // Queued back to back, so the writer usually takes them in one batch.
            var before = j.append("checkout", "alert", new JsonObject().put("n", 1));
            var huge = j.append("checkout", "decision", new JsonObject().put("pad", "x".repeat(FileJournal.MAX_RECORD)));
            var after = j.append("checkout", "alert", new JsonObject().put("n", 2));
            var failure = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> huge.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
            assertTrue(failure.getCause() instanceof RecordTooLarge, failure.getCause().toString());
            assertEquals(1L, before.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).seq());
            assertEquals(2L, after.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).seq(),
                    "no sequence number is spent on the refused record");
        }
        try (FileJournal j = open(dir)) {
            assertTrue(j.recovery().clean(), j.recovery().detail());
            assertEquals(List.of(1, 2), ns(j.replay()));
        }
    }

    private static FileJournal open(Path d) throws IOException {
        return FileJournal.open(d, CLOCK, new SimpleMeterRegistry());
    }

    private static JournalEntry append(FileJournal j, String service, String type, JsonObject body) throws Exception {
        return j.append(service, type, body).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static List<Integer> ns(List<JournalEntry> entries) {
        return entries.stream().map(e -> e.body().getInteger("n")).toList();
    }

    /** {offset, payload length} of each record, read from the framing {@code [u32 len][u32 crc][payload]}. */
    private static List<long[]> records(Path d) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(d.resolve(FileJournal.FILE_NAME)));
        List<long[]> out = new ArrayList<>();
        while (b.remaining() >= 8) {
            int at = b.position();
            int len = b.getInt();
            b.getInt();
            byte[] payload = new byte[len];
            b.get(payload);
            assertTrue(new String(payload, StandardCharsets.UTF_8).startsWith("{"), "a JSON payload");
            out.add(new long[] {at, len});
        }
        assertEquals(0, b.remaining());
        return out;
    }
}
