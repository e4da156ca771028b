package dev.releasepilot.journal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The embedded journal: segment files of checksummed, re-synchronisable frames ({@link Frame}), one
 * frame per appended group, plus {@code journal.index} pointing at each service's newest snapshot.
 *
 * <p>Appends are queued (bounded; a full queue fails the append, which callers turn into a retryable
 * answer) and written by one writer thread that group-commits: it drains whatever is queued, writes it
 * and fsyncs once. So under load many groups share one fsync, and no event loop ever waits on disk.
 * The writer owns the active segment, the seq counter and the snapshot tracks; readers (replay,
 * paging) only map files up to the durable end.
 *
 * <p>Recovery never deletes a byte it did not copy first: damage inside a segment is skipped by
 * re-synchronising on the next frame and left in place; a torn tail of the newest segment is copied to
 * {@code <segment>.torn-<millis>} and then cut off, or, if the copy fails (a full disk), left in place
 * and sealed, appends going to a new segment.
 */
public final class FileJournal implements Journal {
    private static final Logger LOG = Logger.getLogger(FileJournal.class.getName());
    public static final long DEFAULT_SEGMENT_BYTES = 16L << 20;
    private static final int RECENT_LIMIT = 10_000;
    private static final long PROBE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Data dirs (real paths) this process has open: the in-process half of the data-dir lock. */
    private static final Set<Path> OPEN_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();

    /**
     * @param io           the file-system seam (tests inject crashes and full disks here)
     * @param segmentBytes a segment is sealed and a new one started once it reaches this size
     * @param queueLimit   appends waiting for the writer beyond this are refused
     */
    public record Options(SegmentIo io, long segmentBytes, int queueLimit) {
        public static Options defaults() {
            return new Options(SegmentIo.FILES, DEFAULT_SEGMENT_BYTES, 10_000);
        }

        public Options withIo(SegmentIo other) {
            return new Options(other, segmentBytes, queueLimit);
        }

        public Options withSegmentBytes(long bytes) {
            return new Options(io, bytes, queueLimit);
        }
    }

    private final Path dataDir;
    private final FileLock lock;
    private final Clock clock;
    private final Options options;
    private final DamageLog damage;
    private final Map<String, SnapshotIndex.Track> openTracks;
    private final BlockingQueue<Pending> queue;
    private final Deque<JournalEntry> recent = new ArrayDeque<>();
    private final Thread writer;
    private final Timer appendTimer;
    private final Counter rejected;
    private volatile boolean closed;
    private volatile boolean writable = true;
    private volatile List<Segment> segments;
    private volatile Segment active;
    private volatile long activeDurableSize;
    private volatile long recentFrom;
    // Owned by the writer thread (after the constructor).
    private SegmentIo.Output out;
    private boolean rollBeforeWrite;
    private long nextSeq;
    private final Map<String, SnapshotIndex.Track> tracks;
    private long indexedUpTo;
    private long lastProbe;

    private record Pending(String service, List<Draft> group, Promise<List<JournalEntry>> promise, Context context,
                           long enqueuedNanos) {
    }

    /** Wakes the writer so that close need not wait out its poll (never interrupt it: that closes the channel). */
    private static final Pending WAKE = new Pending(null, List.of(), null, null, 0);

    private FileJournal(Path dataDir, FileLock lock, Clock clock, Options options, DamageLog damage, Recovery.Opened o,
                        MeterRegistry registry) {
        this.dataDir = dataDir;
        this.lock = lock;
        this.clock = clock;
        this.options = options;
        this.damage = damage;
        this.segments = o.segments();
        this.active = o.active();
        this.activeDurableSize = o.activeSize();
        this.rollBeforeWrite = o.roll();
        this.nextSeq = o.nextSeq();
        this.recentFrom = o.nextSeq();
        this.tracks = new HashMap<>(o.tracks());
        this.openTracks = Map.copyOf(o.tracks());
        this.indexedUpTo = o.indexedUpTo();
        this.queue = new ArrayBlockingQueue<>(options.queueLimit());
        this.appendTimer = Timer.builder("release_pilot_journal_append_seconds")
                .description("Time from a journal append request to its record being fsync'd")
                .publishPercentileHistogram().register(registry);
        this.rejected = Counter.builder("release_pilot_journal_rejected_total")
                .description("Appends refused because the journal queue was full or the disk failed")
                .register(registry);
        registry.gauge("release_pilot_journal_corrupt_records", damage, DamageLog::damagedAndTorn);
        registry.gauge("release_pilot_journal_writable", this, j -> j.writable ? 1 : 0);
        registry.gauge("release_pilot_journal_replayed_records", damage, d -> d.report().records());
        this.writer = new Thread(this::writeLoop, "journal-writer");
        writer.setDaemon(true);
        writer.start();
    }

    public static FileJournal open(Path dataDir, Clock clock, MeterRegistry registry) throws IOException {
        return open(dataDir, clock, registry, Options.defaults());
    }

    /**
     * Opens (creating if needed) the journal in {@code dataDir}: migrates a format-1 {@code journal.rpj},
     * finds the end of the newest segment (re-synchronising past damage, setting a torn tail aside) and
     * where each service's newest snapshot is. Fails only if the directory cannot be used at all (in
     * use, unreadable); a full disk opens, not {@link #writable()} until it takes a write.
     */
    public static FileJournal open(Path dataDir, Clock clock, MeterRegistry registry, Options options)
            throws IOException {
        Files.createDirectories(dataDir);
        Path held = dataDir.toRealPath();
        // Checked before touching the LOCK file: the OS lock is per process (fcntl), and closing any
        // channel on that file, even a failed second attempt's, would silently drop the first one's lock.
        if (!OPEN_IN_THIS_PROCESS.add(held)) {
            throw new IOException("data dir " + dataDir + " is in use (already open in this process)");
        }
        FileChannel lockChannel = null;
        try {
            lockChannel = FileChannel.open(dataDir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = lockChannel.tryLock();
            if (lock == null) {
                throw new IOException("data dir " + dataDir + " is in use by another release-pilot process");
            }
            DamageLog damage = new DamageLog();
            Recovery.migrateFormat1(held, clock, damage);
            Recovery.Opened o = Recovery.recover(held, clock, options, damage);
            return new FileJournal(held, lock, clock, options, damage, o, registry);
        } catch (IOException | RuntimeException e) {
            if (lockChannel != null) {
                try {
                    lockChannel.close(); // releases the lock if we took it
                } catch (IOException ignored) {
                    // already failing; the first error is the one to report
                }
            }
            OPEN_IN_THIS_PROCESS.remove(held);
            throw e;
        }
    }

    // ---------------------------------------------------------------- appending

    @Override
    public Future<List<JournalEntry>> append(String service, Fence fence, List<Draft> group) {
        // One process owns the file (it is locked): there is no other writer to fence out.
        if (group.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        if (closed) {
            return Future.failedFuture(new JournalUnavailable("journal is closed", null));
        }
        Promise<List<JournalEntry>> p = Promise.promise();
        if (!queue.offer(new Pending(service, List.copyOf(group), p, Vertx.currentContext(), System.nanoTime()))) {
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
                    probeIfUnwritable();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1024);
                batch.removeIf(p -> p == WAKE);
                if (!batch.isEmpty()) {
                    writeBatch(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                batch.clear();
            }
        }
    }

    /** While the disk refuses writes and nobody appends, find out when it takes them again (readiness). */
    private void probeIfUnwritable() {
        long now = System.nanoTime();
        if (writable || now - lastProbe < PROBE_EVERY_NANOS) {
            return;
        }
        lastProbe = now;
        try {
            options.io().probe(dataDir);
            writable = true;
        } catch (IOException e) {
            // still full or failing; probed again in a second
        }
    }

    private void writeBatch(List<Pending> batch) {
        long startSeq = nextSeq;
        Instant now = clock.instant();
        List<ByteBuffer> frames = new ArrayList<>(batch.size());
        List<List<JournalEntry>> entries = new ArrayList<>(batch.size());
        List<Pending> accepted = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            List<JournalEntry> es = new ArrayList<>(p.group().size());
            JsonArray a = new JsonArray();
            long seq = nextSeq;
            int flags = 0;
            for (Draft d : p.group()) {
                JournalEntry e = new JournalEntry(seq++, now, p.service(), d.type(), d.body());
                es.add(e);
                a.add(e.toJson());
                flags |= SNAPSHOT.equals(d.type()) ? Frame.FLAG_SNAPSHOT : 0;
            }
            byte[] payload = a.encode().getBytes(StandardCharsets.UTF_8);
            if (payload.length > Frame.MAX_PAYLOAD || es.size() > Frame.MAX_COUNT) {
                // Refuse this group alone, as not retryable: it will never fit, and failing the batch would
                // fail every group written with it. Ingest bounds records so that this does not happen.
                fail(p, new RecordTooLarge("a group of " + es.size() + " records, " + payload.length
                        + " bytes, for " + p.service() + " exceeds the frame limits (" + Frame.MAX_COUNT + " records, "
                        + Frame.MAX_PAYLOAD + " bytes)"));
                continue;
            }
            frames.add(Frame.encode(nextSeq, es.size(), flags, payload));
            nextSeq = seq;
            entries.add(es);
            accepted.add(p);
        }
        if (accepted.isEmpty()) {
            return;
        }
        long before = activeDurableSize;
        try {
            if (out == null || rollBeforeWrite || activeDurableSize >= options.segmentBytes()) {
                roll(startSeq);
                before = activeDurableSize;
            }
            try {
                out.write(frames.toArray(ByteBuffer[]::new));
                out.force();
            } catch (IOException e) {
                undo(before);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            nextSeq = startSeq;
            writable = false;
            lastProbe = System.nanoTime();
            LOG.warning("journal write failed: " + e);
            for (Pending p : accepted) {
                fail(p, new JournalUnavailable("journal write failed: " + e, e));
            }
            return;
        }
        writable = true;
        Segment seg = active;
        long offset = before;
        boolean snapshot = false;
        for (int i = 0; i < accepted.size(); i++) {
            for (JournalEntry e : entries.get(i)) {
                SnapshotIndex.track(tracks, seg, offset, e);
                snapshot |= SNAPSHOT.equals(e.type());
                remember(e);
            }
            offset += frames.get(i).limit();
        }
        activeDurableSize = offset;
        for (int i = 0; i < accepted.size(); i++) {
            Pending p = accepted.get(i);
            List<JournalEntry> es = entries.get(i);
            appendTimer.record(System.nanoTime() - p.enqueuedNanos(), TimeUnit.NANOSECONDS);
            complete(p, () -> p.promise().complete(es));
        }
        if (snapshot) {
            writeIndex();
        }
    }

    /** After a failed write: leave no half batch behind (it was not acknowledged, so it must not replay). */
    private void undo(long before) {
        try {
            out.truncate(before);
        } catch (IOException e) {
            // Cannot cut our own unacknowledged bytes: seal this segment. Its end may hold a partial frame,
            // which recovery skips like any damage.
            rollBeforeWrite = true;
        }
    }

    private void roll(long firstSeq) throws IOException {
        if (out != null) {
            SegmentIo.Output old = out;
            out = null;
            old.close();
        }
        Segment next = active;
        if (next == null || rollBeforeWrite || activeDurableSize >= options.segmentBytes()) {
            Path p = Segment.name(dataDir, firstSeq, 0);
            long suffix = 0;
            while (Files.exists(p)) { // a sealed segment whose records were all damaged, named by the same seq
                p = Segment.name(dataDir, firstSeq, ++suffix);
            }
            next = new Segment(p, firstSeq, suffix);
        }
        SegmentIo.Output o = options.io().open(next.file());
        long size = o.size();
        if (next != active) {
            List<Segment> all = new ArrayList<>(segments);
            all.add(next);
            segments = List.copyOf(all);
        }
        out = o;
        active = next;
        activeDurableSize = size;
        rollBeforeWrite = false;
    }

    private void writeIndex() {
        if (nextSeq - 1 <= indexedUpTo) {
            return;
        }
        try {
            Segment a = active;
            SnapshotIndex.Position end = a == null ? null
                    : new SnapshotIndex.Position(a.file().getFileName().toString(), activeDurableSize);
            new SnapshotIndex(nextSeq - 1, end, Map.copyOf(tracks)).write(dataDir, options.io());
            indexedUpTo = nextSeq - 1;
        } catch (IOException e) {
            // Only a shortcut for the next start (which then reads further back): not a failed append.
            LOG.warning("could not write " + SnapshotIndex.FILE + ": " + e);
        }
    }

    private void fail(Pending p, RuntimeException e) {
        rejected.increment();
        complete(p, () -> p.promise().fail(e));
    }

    private static void complete(Pending p, Runnable r) {
        OnCaller.run(p.context(), r);
    }

    private void remember(JournalEntry e) {
        if (SNAPSHOT.equals(e.type())) {
            return; // pages leave snapshots out
        }
        synchronized (recent) { // shared with API readers; the critical section is a pointer move
            recent.addLast(e);
            if (recent.size() > RECENT_LIMIT) {
                recent.removeFirst();
                recentFrom = recent.peekFirst().seq();
            }
        }
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<JournalEntry> replay(Set<String> services) {
        List<JournalEntry> out = new ArrayList<>();
        Map<String, Long> after = new HashMap<>();
        long from = Long.MAX_VALUE;
        boolean olderSnapshots = false; // wanted only where a newest snapshot is unreadable
        SnapshotIndex.Position start = null; // the frame of seq `from`, where known
        List<Segment> segs = segments;
        for (String s : services) {
            SnapshotIndex.Track t = openTracks.get(s);
            if (t == null) {
                continue; // no record of it yet
            }
            JournalEntry snap = t.snapshotSeq() > 0 ? SegmentReader.readSnapshot(segs, t) : null;
            if (snap != null) {
                out.add(snap);
                after.put(s, snap.seq());
                if (t.firstAfter() > 0 && t.firstAfter() < from) {
                    from = t.firstAfter();
                    start = t.firstAfterAt();
                }
            } else if (t.snapshotSeq() == 0) {
                after.put(s, 0L);
                if (t.firstAfter() < from) {
                    from = t.firstAfter();
                    start = t.firstAfterAt();
                }
            } else {
                damage.note("the newest snapshot of " + s + " (seq " + t.snapshotSeq()
                        + ") is unreadable; its whole history is replayed instead.");
                after.put(s, 0L);
                from = 1;
                start = null;
                olderSnapshots = true;
            }
        }
        if (from != Long.MAX_VALUE) {
            try {
                SegmentReader.readFrom(segs, from, from == 1 ? null : start, Long.MAX_VALUE, olderSnapshots, damage, (seg, offset, e) -> {
                    Long a = after.get(e.service());
                    if (a != null && e.seq() > a) {
                        out.add(e);
                    }
                });
            } catch (IOException e) {
                throw new JournalUnavailable("cannot read the journal: " + e.getMessage(), e);
            }
        }
        out.sort(Comparator.comparingLong(JournalEntry::seq));
        damage.replayed(out.size());
        return out;
    }

    @Override
    public Page page(String service, long beforeSeq, int limit) {
        if (limit <= 0) {
            return new Page(List.of(), 0);
        }
        List<JournalEntry> newestFirst = new ArrayList<>();
        long cacheFrom;
        synchronized (recent) {
            cacheFrom = recentFrom;
            var it = recent.descendingIterator();
            while (it.hasNext() && newestFirst.size() < limit) {
                JournalEntry e = it.next();
                if (e.seq() < beforeSeq && (service == null || service.equals(e.service()))) {
                    newestFirst.add(e);
                }
            }
        }
        Collections.reverse(newestFirst);
        List<JournalEntry> page = newestFirst;
        if (page.size() < limit) {
            try {
                List<JournalEntry> older = SegmentReader.readBack(segments, active, activeDurableSize, service,
                        Math.min(beforeSeq, cacheFrom), limit - page.size());
                older.addAll(page);
                page = older;
            } catch (IOException e) {
                throw new JournalUnavailable("cannot read the journal: " + e.getMessage(), e);
            }
        }
        return new Page(List.copyOf(page), page.size() == limit && page.get(0).seq() > 1 ? page.get(0).seq() : 0);
    }

    @Override
    public RecoveryReport recovery() {
        return damage.report();
    }

    @Override
    public boolean writable() {
        return writable;
    }

    /** The segment appended to (null before the first record). */
    public Path activeSegment() {
        Segment a = active;
        return a == null ? null : a.file();
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            queue.offer(WAKE); // if the queue is full, the writer is busy and sees closed after this batch
            writer.join(5_000);
            // An append that slipped in between its closed check and the writer's exit must not hang
            // its caller (a webhook waiting to answer): fail it, so the sender retries elsewhere/later.
            for (Pending p; (p = queue.poll()) != null; ) {
                if (p == WAKE) {
                    continue;
                }
                Pending failed = p;
                complete(failed, () -> failed.promise().fail(new JournalUnavailable("journal closed", null)));
            }
            if (!writer.isAlive()) {
                writeIndex(); // the writer is gone: its state is ours now. A fresh checkpoint speeds the next open.
            }
            if (out != null) {
                out.close();
            }
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
