package dev.releasepilot.journal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The embedded journal: one append-only file of framed records
 * {@code [u32 length][u32 crc32c(payload)][payload = UTF-8 JSON]}.
 *
 * <p>Appends are queued (bounded; a full queue fails the append, which callers turn into a retryable
 * answer) and written by one writer thread that group-commits: it drains whatever is queued, writes it
 * and fsyncs once. So under load many records share one fsync, and no event loop ever waits on disk.
 */
public final class FileJournal implements Journal {
    public static final String FILE_NAME = "journal.rpj";
    static final int MAX_RECORD = 1 << 20;
    private static final int RECENT_LIMIT = 10_000;
    /** Data dirs (real paths) this process has open: the in-process half of the data-dir lock. */
    private static final Set<Path> OPEN_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();

    private final Path dataDir;
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Clock clock;
    private final List<JournalEntry> replayed;
    private final RecoveryReport report;
    private final BlockingQueue<Pending> queue;
    private final Deque<JournalEntry> recent = new ArrayDeque<>();
    private final Thread writer;
    private final Timer appendTimer;
    private final Counter rejected;
    private volatile boolean closed;
    private long nextSeq;

    private record Pending(String service, String type, JsonObject body, Promise<JournalEntry> promise,
                           Context context, long enqueuedNanos) {
    }

    private FileJournal(Path dataDir, Path file, FileChannel channel, FileLock lock, Clock clock, Scan scan,
                        int queueLimit, MeterRegistry registry) {
        this.dataDir = dataDir;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.clock = clock;
        this.replayed = Collections.unmodifiableList(scan.entries);
        this.report = scan.report();
        this.queue = new ArrayBlockingQueue<>(queueLimit);
        this.nextSeq = scan.entries.isEmpty() ? 1 : scan.entries.get(scan.entries.size() - 1).seq() + 1;
        int from = Math.max(0, scan.entries.size() - RECENT_LIMIT);
        recent.addAll(scan.entries.subList(from, scan.entries.size()));
        this.appendTimer = Timer.builder("release_pilot_journal_append_seconds")
                .description("Time from a journal append request to its record being fsync'd")
                .publishPercentileHistogram().register(registry);
        this.rejected = Counter.builder("release_pilot_journal_rejected_total")
                .description("Appends refused because the journal queue was full or the disk failed")
                .register(registry);
        registry.gauge("release_pilot_journal_corrupt_records", report, r -> r.corruptRecords() + (r.tornTailBytes() > 0 ? 1 : 0));
        this.writer = new Thread(this::writeLoop, "journal-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Opens (creating if needed) the journal in {@code dataDir}, recovering from a torn or corrupt tail. */
    public static FileJournal open(Path dataDir, Clock clock, MeterRegistry registry) throws IOException {
        Files.createDirectories(dataDir);
        Path held = dataDir.toRealPath();
        // Checked before touching the LOCK file: the OS lock is per process (fcntl), and closing any
        // channel on that file, even a failed second attempt's, would silently drop the first one's lock.
        if (!OPEN_IN_THIS_PROCESS.add(held)) {
            throw new IOException("data dir " + dataDir + " is in use (already open in this process)");
        }
        FileChannel lockChannel = null;
        FileChannel ch = null;
        try {
            lockChannel = FileChannel.open(dataDir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = lockChannel.tryLock();
            if (lock == null) {
                throw new IOException("data dir " + dataDir + " is in use by another release-pilot process");
            }
            Path file = dataDir.resolve(FILE_NAME);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Scan scan = scan(ch);
            if (scan.goodEnd < ch.size()) {
                // Keep the bytes we could not read for a human to inspect, then cut them off so new
                // appends follow the last good record.
                Path aside = dataDir.resolve(FILE_NAME + ".torn-" + clock.millis());
                ByteBuffer tail = ByteBuffer.allocate((int) Math.min(ch.size() - scan.goodEnd, MAX_RECORD * 2L));
                ch.read(tail, scan.goodEnd);
                Files.write(aside, java.util.Arrays.copyOf(tail.array(), tail.position()));
                ch.truncate(scan.goodEnd);
                ch.force(true);
            }
            ch.position(ch.size());
            return new FileJournal(held, file, ch, lock, clock, scan, 10_000, registry);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            closeQuietly(lockChannel); // releases the lock if we took it
            OPEN_IN_THIS_PROCESS.remove(held);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one to report
            }
        }
    }

    private static final class Scan {
        final List<JournalEntry> entries = new ArrayList<>();
        long goodEnd;
        long corrupt;
        long tornBytes;
        final StringBuilder detail = new StringBuilder();

        RecoveryReport report() {
            return new RecoveryReport(entries.size(), corrupt, tornBytes, detail.toString().strip());
        }
    }

    private static Scan scan(FileChannel ch) throws IOException {
        Scan s = new Scan();
        long size = ch.size();
        long pos = 0;
        ByteBuffer header = ByteBuffer.allocate(8);
        while (pos < size) {
            header.clear();
            if (size - pos < 8) {
                s.tornBytes = size - pos;
                s.detail.append("torn tail: ").append(size - pos).append(" bytes of an incomplete header at offset ")
                        .append(pos).append(". ");
                break;
            }
            ch.read(header, pos);
            header.flip();
            int len = header.getInt();
            int crc = header.getInt();
            if (len <= 0 || len > MAX_RECORD) {
                // A length we cannot trust means we cannot find the next record either: stop here.
                s.tornBytes = size - pos;
                s.detail.append("unreadable record length ").append(len).append(" at offset ").append(pos)
                        .append("; ").append(size - pos).append(" bytes set aside. ");
                break;
            }
            if (size - pos - 8 < len) {
                s.tornBytes = size - pos;
                s.detail.append("torn tail: record at offset ").append(pos).append(" wants ").append(len)
                        .append(" bytes, ").append(size - pos - 8).append(" present. ");
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            ch.read(payload, pos + 8);
            CRC32C c = new CRC32C();
            c.update(payload.array());
            long next = pos + 8 + len;
            if ((int) c.getValue() != crc) {
                s.corrupt++;
                s.detail.append("checksum mismatch in record at offset ").append(pos).append(", skipped. ");
            } else {
                try {
                    s.entries.add(JournalEntry.fromJson(new JsonObject(new String(payload.array(), StandardCharsets.UTF_8))));
                } catch (RuntimeException e) { // DecodeException, or a record missing a field
                    s.corrupt++;
                    s.detail.append("undecodable record at offset ").append(pos).append(", skipped. ");
                }
            }
            pos = next;
            s.goodEnd = next;
        }
        return s;
    }

    @Override
    public Future<JournalEntry> append(String service, String type, JsonObject body) {
        Context ctx = Vertx.currentContext();
        Promise<JournalEntry> p = Promise.promise();
        if (closed) {
            return Future.failedFuture(new JournalUnavailable("journal is closed", null));
        }
        if (!queue.offer(new Pending(service, type, body, p, ctx, System.nanoTime()))) {
            rejected.increment();
            return Future.failedFuture(new JournalUnavailable("journal queue is full", null));
        }
        return p.future();
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1024);
                writeBatch(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void writeBatch(List<Pending> batch) {
        List<JournalEntry> written = new ArrayList<>(batch.size());
        Throwable failure = null;
        try {
            long startSeq = nextSeq;
            List<ByteBuffer> frames = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                JournalEntry e = new JournalEntry(nextSeq, clock.instant(), p.service(), p.type(), p.body());
                byte[] payload = e.toJson().encode().getBytes(StandardCharsets.UTF_8);
                if (payload.length > MAX_RECORD) {
                    // Refuse this record alone: failing the batch would fail every record written with it.
                    written.add(null);
                    continue;
                }
                nextSeq++;
                CRC32C c = new CRC32C();
                c.update(payload);
                ByteBuffer frame = ByteBuffer.allocate(8 + payload.length);
                frame.putInt(payload.length).putInt((int) c.getValue()).put(payload).flip();
                frames.add(frame);
                written.add(e);
            }
            long before = channel.position();
            try {
                ByteBuffer[] arr = frames.toArray(ByteBuffer[]::new);
                while (arr.length > 0 && arr[arr.length - 1].hasRemaining()) {
                    channel.write(arr);
                }
                channel.force(false);
            } catch (IOException e) {
                // Leave no half batch behind: the records were not acknowledged, so they must not
                // reappear on replay either.
                channel.truncate(before);
                channel.position(before);
                nextSeq = startSeq;
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            if (failure == null && written.get(i) == null) {
                rejected.increment();
                complete(p, () -> p.promise().fail(new RecordTooLarge("a " + p.type() + " record for " + p.service()
                        + " is larger than the journal's limit of " + MAX_RECORD + " bytes")));
            } else if (failure == null) {
                JournalEntry e = written.get(i);
                remember(e);
                appendTimer.record(System.nanoTime() - p.enqueuedNanos(), TimeUnit.NANOSECONDS);
                complete(p, () -> p.promise().complete(e));
            } else {
                rejected.increment();
                Throwable f = failure;
                complete(p, () -> p.promise().fail(new JournalUnavailable("journal write failed: " + f, f)));
            }
        }
    }

    private static void complete(Pending p, Runnable r) {
        if (p.context() != null) {
            p.context().runOnContext(v -> r.run());
        } else {
            r.run();
        }
    }

    private void remember(JournalEntry e) {
        synchronized (recent) { // shared with API readers; the critical section is a pointer move
            recent.addLast(e);
            if (recent.size() > RECENT_LIMIT) {
                recent.removeFirst();
            }
        }
    }

    @Override
    public List<JournalEntry> replay() {
        return replayed;
    }

    @Override
    public List<JournalEntry> recent(String service, int limit) {
        List<JournalEntry> out = new ArrayList<>();
        synchronized (recent) {
            var it = recent.descendingIterator();
            while (it.hasNext() && out.size() < limit) {
                JournalEntry e = it.next();
                if (service == null || service.equals(e.service())) {
                    out.add(e);
                }
            }
        }
        Collections.reverse(out);
        return out;
    }

    @Override
    public RecoveryReport recovery() {
        return report;
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.join(5_000);
            // An append that slipped in between its closed check and the writer's exit must not hang
            // its caller (a webhook waiting to answer): fail it, so the sender retries elsewhere/later.
            for (Pending p; (p = queue.poll()) != null; ) {
                Pending failed = p;
                complete(failed, () -> failed.promise().fail(new JournalUnavailable("journal closed", null)));
            }
            channel.close();
            lock.release();
            lock.channel().close();
        } catch (IOException e) {
            // closing on shutdown: nothing left to protect
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            OPEN_IN_THIS_PROCESS.remove(dataDir);
        }
    }
}
