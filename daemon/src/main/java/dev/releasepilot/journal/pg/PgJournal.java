package dev.releasepilot.journal.pg;

import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.Fence;
import dev.releasepilot.journal.FencedOut;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.OnCaller;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.journal.JournalUnavailable;
import dev.releasepilot.journal.Page;
import dev.releasepilot.journal.RecordTooLarge;
import dev.releasepilot.journal.RecoveryReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The shared journal in PostgreSQL, for several daemons on one database.
 *
 * <p><b>Seq order is commit order.</b> Each write transaction first takes a transaction-scoped
 * advisory lock ({@code pg_advisory_xact_lock}), then numbers its records from {@code max(seq) + 1}
 * (read after the lock, so it sees every earlier commit) and commits, which releases the lock. Writers
 * in every process therefore commit one after the other in seq order, and a reader that has seen seq N
 * never later finds a record below N. (A sequence would not do: its numbers are handed out at insert
 * time, and a slower transaction would commit a smaller seq after a reader saw a bigger one.)
 *
 * <p><b>Fencing is in the insert.</b> A group with an epoch is inserted by {@code INSERT … SELECT … WHERE
 * EXISTS} a lease row naming its holder at that epoch that has not expired by the database's clock,
 * read {@code FOR SHARE}, so a takeover that bumps the epoch waits until this write has committed and
 * then sees it. No row inserted: {@link FencedOut}.
 *
 * <p><b>Outages fail safe.</b> Appends are handed to one context, which writes them in batches (one
 * transaction, one lock, in order). When PostgreSQL cannot be reached, the batch and every append after
 * it go to the {@link Spool} in the data dir and complete once fsync'd there; a probe with backoff
 * finds PostgreSQL again and the spool is drained in order, each group marked {@code spooled} and not
 * fence-checked (it already happened). Every group has an id (writer, number) under a UNIQUE
 * constraint, so a group written twice (an acknowledgement lost in the outage) is stored once. A
 * restart drains what an earlier process left in the spool before replaying.
 */
public final class PgJournal implements Journal {
    private static final Logger LOG = Logger.getLogger(PgJournal.class.getName());
    /** The advisory lock key that serialises journal writers ("rpjournl"). */
    static final long WRITE_LOCK = 0x72706a6f75726e6cL;
    private static final int BATCH = 256;
    private static final int DRAIN_CHUNK = 256;
    private static final long PROBE_FIRST_MS = 100;
    private static final long PROBE_MAX_MS = 5_000;
    /**
     * A write or probe PostgreSQL has not answered within this is an outage (a partition gives no
     * error, only silence): the batch goes to the spool. Should it commit after all, its group ids
     * keep the drain from writing it twice.
     */
    static final long ANSWER_WITHIN_MS = 10_000;

    /**
     * @param instanceId  who writes ({@code --instance-id}): stored with every record
     * @param spoolDir    where appends wait while PostgreSQL is down (inside the data dir)
     * @param queueLimit  appends waiting for the writer beyond this are refused
     * @param spoolLimit  groups the spool holds before appends are refused
     */
    public record Options(String instanceId, Path spoolDir, int queueLimit, int spoolLimit) {
        public static Options of(String instanceId, Path spoolDir) {
            return new Options(instanceId, spoolDir, 10_000, 100_000);
        }
    }

    private final Vertx vertx;
    private final Context ctx;
    private final Pool pool;
    private final Options options;
    private final Clock clock;
    private final Spool spool;
    private final String writer = UUID.randomUUID().toString();
    private final String where;
    private final RecoveryReport report;
    private final AtomicInteger queued = new AtomicInteger();
    private final Timer appendTimer;
    private final Counter rejected;
    private final Counter fencedOut;
    private final Counter pgErrors;
    private final Counter drained;
    private volatile boolean closed;
    private volatile boolean pgUp = true;
    private volatile long spoolDepth;
    private volatile long replayed;
    // Owned by ctx.
    private final Deque<Pending> queue = new ArrayDeque<>();
    private long groupNumber;
    private boolean busy;
    private boolean spooling;
    private boolean preferDrain;
    private long lastSpooled;
    private long drainedUpTo;
    private long probeDelay = PROBE_FIRST_MS;
    private long outageSince;
    private Runnable whenIdle;

    private record Pending(PgGroup group, Promise<List<JournalEntry>> promise, Context caller, long enqueuedNanos) {
    }

    private PgJournal(Vertx vertx, Pool pool, Options options, Clock clock, Spool spool, String where,
                      RecoveryReport report, MeterRegistry registry) {
        this.vertx = vertx;
        this.ctx = vertx.getOrCreateContext();
        this.pool = pool;
        this.options = options;
        this.clock = clock;
        this.spool = spool;
        this.where = where;
        this.report = report;
        this.appendTimer = Timer.builder("release_pilot_journal_append_seconds")
                .description("Time from a journal append request to its record being committed (or spooled)")
                .publishPercentileHistogram().register(registry);
        this.rejected = Counter.builder("release_pilot_journal_rejected_total")
                .description("Appends refused because the journal queue or outage spool was full or failing")
                .register(registry);
        this.fencedOut = Counter.builder("release_pilot_journal_fenced_out_total")
                .description("Fenced appends the database refused: the writer no longer held the service's lease")
                .register(registry);
        this.pgErrors = Counter.builder("release_pilot_journal_pg_errors_total")
                .description("Journal writes, drains and probes that failed at PostgreSQL").register(registry);
        this.drained = Counter.builder("release_pilot_journal_spool_drained_total")
                .description("Spooled groups written to PostgreSQL after an outage").register(registry);
        registry.gauge("release_pilot_journal_spool_depth", this, j -> j.spoolDepth);
        registry.gauge("release_pilot_journal_writable", this, j -> j.writable() ? 1 : 0);
        registry.gauge("release_pilot_journal_replayed_records", this, j -> j.replayed);
    }

    /**
     * Connects, migrates the schema, drains what an earlier process left in the spool, and opens.
     * Blocking: start-up only. PostgreSQL must be reachable: without it this process cannot know what
     * the other instances decided.
     */
    public static PgJournal open(PgConnectOptions connect, Options options, Clock clock, MeterRegistry registry)
            throws PgStartFailure {
        String where = PgUrl.describe(connect);
        // A Vert.x of its own: the journal outlives the daemon's (services journal a snapshot while they stop).
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4).setConnectionTimeout(10)
                        .setConnectionTimeoutUnit(TimeUnit.SECONDS).setName("release-pilot-journal"))
                .connectingTo(connect).using(vertx).build();
        Spool spool = null;
        try {
            try {
                Migrations.await(pool.query("SELECT 1").execute());
            } catch (RuntimeException e) {
                throw new PgStartFailure("cannot use the journal database " + where + ": " + reason(e));
            }
            try {
                Migrations.migrate(pool);
            } catch (RuntimeException e) {
                throw new PgStartFailure("cannot migrate the journal database " + where + ": " + reason(e));
            }
            try {
                spool = Spool.open(options.spoolDir(), clock);
            } catch (IOException e) {
                throw new PgStartFailure("cannot open the outage spool in " + options.spoolDir() + ": " + e.getMessage());
            }
            RecoveryReport spooled = spool.recovery();
            long drainedAtStart = drainLeftovers(pool, spool, options, where);
            RecoveryReport report = new RecoveryReport(0, spooled.damagedRegions(), spooled.damagedBytes(),
                    spooled.tornTailBytes(), spooled.clean() ? "" : "outage spool: " + spooled.detail());
            PgJournal j = new PgJournal(vertx, pool, options, clock, spool, where, report, registry);
            if (drainedAtStart > 0) {
                j.drained.increment(drainedAtStart);
            }
            return j;
        } catch (PgStartFailure | RuntimeException e) {
            if (spool != null) {
                spool.close();
            }
            pool.close();
            vertx.close();
            throw e instanceof PgStartFailure f ? f
                    : new PgStartFailure("cannot open the journal database " + where + ": " + reason(e));
        }
    }

    /**
     * Writes what an earlier process left in the spool (killed during an outage), in order, then empties
     * the spool; returns how many groups it wrote. Groups already stored are skipped by their ids.
     */
    private static long drainLeftovers(Pool pool, Spool spool, Options options, String where) throws PgStartFailure {
        long left = spool.newest();
        if (left == 0) {
            return 0;
        }
        long drained = 0;
        long upTo = 0;
        while (upTo < left) {
            List<Spool.Group> groups = spool.after(upTo, DRAIN_CHUNK);
            if (!groups.isEmpty()) {
                try {
                    Migrations.await(insertSpooled(pool, groups));
                } catch (RuntimeException e) {
                    throw new PgStartFailure("cannot drain the outage spool in " + options.spoolDir() + " to " + where
                            + ": " + reason(e));
                }
                drained += groups.size();
            }
            upTo = groups.isEmpty() ? upTo + DRAIN_CHUNK : groups.get(groups.size() - 1).spoolSeq(); // past damage
        }
        try {
            spool.reset();
        } catch (IOException e) {
            throw new PgStartFailure("cannot empty the drained outage spool in " + options.spoolDir() + ": " + e.getMessage());
        }
        LOG.info("journal: " + drained + " groups left in the outage spool by an earlier run written to " + where);
        return drained;
    }

    // ---------------------------------------------------------------- appending

    @Override
    public Future<List<JournalEntry>> append(String service, Fence fence, List<Draft> group) {
        if (group.isEmpty()) {
            return Future.succeededFuture(List.of());
        }
        if (closed) {
            return Future.failedFuture(new JournalUnavailable("journal is closed", null));
        }
        if (queued.incrementAndGet() > options.queueLimit()) {
            queued.decrementAndGet();
            rejected.increment();
            return Future.failedFuture(new JournalUnavailable("journal queue is full", null));
        }
        Promise<List<JournalEntry>> p = Promise.promise();
        Pending pending = new Pending(new PgGroup(options.instanceId(), service, fence, List.copyOf(group), writer, 0, Instant.EPOCH), p,
                Vertx.currentContext(), System.nanoTime());
        try {
            ctx.runOnContext(v -> {
                queue.addLast(pending);
                pump();
            });
        } catch (RejectedExecutionException e) {
            queued.decrementAndGet();
            return Future.failedFuture(new JournalUnavailable("journal is closed", null));
        }
        return p.future();
    }

    /** On ctx: one step at a time (a batch to PostgreSQL or the spool, or a drain chunk), in order. */
    private void pump() {
        if (busy) {
            return;
        }
        if (spooling && pgUp && whenIdle == null && (queue.isEmpty() || preferDrain)) {
            preferDrain = false;
            busy = true;
            drainStep().onComplete(ar -> {
                busy = false;
                pump();
            });
            return;
        }
        if (queue.isEmpty()) {
            if (whenIdle != null) {
                whenIdle.run();
            }
            return;
        }
        preferDrain = true;
        List<Pending> batch = new ArrayList<>();
        Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS); // what timestamptz keeps
        while (!queue.isEmpty() && batch.size() < BATCH) {
            Pending p = queue.removeFirst();
            queued.decrementAndGet();
            PgGroup g = p.group();
            batch.add(new Pending(new PgGroup(g.instance(), g.service(), g.fence(), g.drafts(), writer, ++groupNumber, at),
                    p.promise(), p.caller(), p.enqueuedNanos()));
        }
        busy = true;
        (spooling ? spoolBatch(batch) : writeBatch(batch)).onComplete(ar -> {
            busy = false;
            pump();
        });
    }

    private Future<Void> writeBatch(List<Pending> batch) {
        // The lock and the batch's one insert are pipelined: the server runs them in order, so the insert
        // reads max(seq) after the lock is held.
        List<PgGroup> groups = batch.stream().map(Pending::group).toList();
        return pool.withTransaction(c -> {
            Future<?> lock = c.query("SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")").execute();
            Future<List<List<JournalEntry>>> insert = BatchInsert.insert(c, options.instanceId(), writer,
                    groups.get(0).at(), groups);
            return Future.all(lock, insert).map(x -> insert.result());
        }).timeout(ANSWER_WITHIN_MS, TimeUnit.MILLISECONDS).transform(ar -> {
            if (ar.succeeded()) {
                for (int i = 0; i < batch.size(); i++) {
                    Pending p = batch.get(i);
                    List<JournalEntry> es = ar.result().get(i);
                    if (es.isEmpty()) {
                        fencedOut.increment();
                        Fence f = p.group().fence();
                        fail(p, new FencedOut("the journal refused a write for " + p.group().service() + " by "
                                + f.holder() + " at epoch " + f.epoch() + ": that lease is no longer held"));
                    } else {
                        succeed(p, es);
                    }
                }
                return Future.succeededFuture();
            }
            pgErrors.increment();
            if (isOutage(ar.cause())) {
                down(ar.cause());
                return spoolBatch(batch);
            }
            LOG.warning("journal write to " + where + " failed: " + reason(ar.cause()));
            for (Pending p : batch) {
                fail(p, new JournalUnavailable("journal write failed: " + reason(ar.cause()), ar.cause()));
            }
            return Future.succeededFuture();
        });
    }

    /** Durable locally, in order; PostgreSQL gets them when it is back. */
    private Future<Void> spoolBatch(List<Pending> batch) {
        spooling = true;
        List<Future<?>> all = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            if (lastSpooled - drainedUpTo + all.size() >= options.spoolLimit()) {
                fail(p, new JournalUnavailable("the journal database " + where + " is unreachable and the outage spool is full ("
                        + options.spoolLimit() + " groups)", null));
                continue;
            }
            Future<Long> f = spool.append(p.group()).onComplete(ar -> {
                if (ar.succeeded()) {
                    lastSpooled = Math.max(lastSpooled, ar.result());
                    spoolDepth = lastSpooled - drainedUpTo;
                    List<JournalEntry> es = new ArrayList<>();
                    for (Draft d : p.group().drafts()) {
                        // Seq 0: numbered when drained (the shared order is PostgreSQL's to give).
                        es.add(new JournalEntry(0, p.group().at(), p.group().service(), d.type(), d.body()));
                    }
                    succeed(p, es);
                } else if (ar.cause() instanceof RecordTooLarge tooLarge) {
                    fail(p, tooLarge); // never fits the spool's frames: not retryable, as with the file journal
                } else {
                    fail(p, new JournalUnavailable("the journal database " + where
                            + " is unreachable and the outage spool failed: " + ar.cause().getMessage(), ar.cause()));
                }
            });
            all.add(f);
        }
        return Future.join(all).mapEmpty();
    }

    /** One chunk of the spool to PostgreSQL; when nothing is left, appends go to PostgreSQL again. */
    private Future<Void> drainStep() {
        long from = drainedUpTo;
        return vertx.executeBlocking(() -> spool.after(from, DRAIN_CHUNK), true).compose(groups -> {
            if (groups.isEmpty()) {
                if (drainedUpTo >= lastSpooled) {
                    spooling = false;
                    spoolDepth = 0;
                    return Future.succeededFuture();
                }
                drainedUpTo = Math.min(lastSpooled, drainedUpTo + DRAIN_CHUNK); // unreadable (damaged) records
                return Future.succeededFuture();
            }
            return insertSpooled(pool, groups).timeout(ANSWER_WITHIN_MS, TimeUnit.MILLISECONDS).map(v -> {
                drainedUpTo = groups.get(groups.size() - 1).spoolSeq();
                spoolDepth = lastSpooled - drainedUpTo;
                drained.increment(groups.size());
                if (drainedUpTo >= lastSpooled) {
                    LOG.info("journal: the outage spool is written to " + where + "; appends go there directly again");
                }
                return (Void) null;
            });
        }).recover(e -> {
            pgErrors.increment();
            if (isOutage(e)) {
                down(e);
            } else {
                LOG.warning("journal: draining the outage spool to " + where + " failed, retrying: " + reason(e));
                down(e); // probe and retry with backoff rather than spin
            }
            return Future.succeededFuture();
        });
    }

    static Future<Void> insertSpooled(Pool pool, List<Spool.Group> groups) {
        return pool.withTransaction(c -> {
            List<Future<?>> all = new ArrayList<>(groups.size() + 1);
            all.add(c.query("SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")").execute());
            for (Spool.Group g : groups) {
                all.add(GroupInsert.insert(c, g.group(), true));
            }
            return Future.all(all).mapEmpty();
        });
    }

    /** On ctx: PostgreSQL is unreachable; logged once per outage, then probed with backoff. */
    private void down(Throwable cause) {
        if (pgUp) {
            pgUp = false;
            outageSince = System.nanoTime();
            probeDelay = PROBE_FIRST_MS;
            LOG.warning("journal database " + where + " unreachable (" + reason(cause) + "); appends are kept in "
                    + options.spoolDir() + " until it is back");
            scheduleProbe();
        }
    }

    private void scheduleProbe() {
        if (closed) {
            return;
        }
        vertx.setTimer(probeDelay, t -> pool.query("SELECT 1").execute().timeout(ANSWER_WITHIN_MS, TimeUnit.MILLISECONDS).onComplete(ar -> {
            if (ar.succeeded()) {
                pgUp = true;
                LOG.info("journal database " + where + " is back after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageSince) + " ms; draining the outage spool");
                pump();
            } else {
                pgErrors.increment();
                probeDelay = Math.min(PROBE_MAX_MS, probeDelay * 2);
                scheduleProbe();
            }
        }));
    }

    static boolean isOutage(Throwable t) {
        if (t instanceof PgException pg) {
            String s = pg.getSqlState();
            // connection exceptions, operator intervention (shutdown, crash recovery), insufficient resources,
            // and the write lock not had within lock_timeout (a writer stuck holding it)
            return s != null && (s.startsWith("08") || s.startsWith("57P") || s.startsWith("53") || s.equals("55P03"));
        }
        return t instanceof io.vertx.core.VertxException || t instanceof IOException
                || t instanceof java.util.concurrent.TimeoutException;
    }

    static String reason(Throwable t) {
        // wrappers (a completion, the await) only repeat their cause as "class: message": say the cause's message
        while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t.getMessage().equals(t.getCause().toString()))) {
            t = t.getCause();
        }
        if (t instanceof PgException pg) {
            return pg.getErrorMessage() + " (SQLSTATE " + pg.getSqlState() + ")";
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private void succeed(Pending p, List<JournalEntry> es) {
        appendTimer.record(System.nanoTime() - p.enqueuedNanos(), TimeUnit.NANOSECONDS);
        complete(p, () -> p.promise().complete(es));
    }

    private void fail(Pending p, RuntimeException e) {
        if (!(e instanceof FencedOut)) {
            rejected.increment();
        }
        complete(p, () -> p.promise().fail(e));
    }

    private static void complete(Pending p, Runnable r) {
        OnCaller.run(p.caller(), r);
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<JournalEntry> replay(Set<String> services) {
        List<JournalEntry> es = read(JournalReads.replay(pool, services));
        replayed = es.size();
        return es;
    }

    @Override
    public Page page(String service, long beforeSeq, int limit) {
        if (limit <= 0) {
            return new Page(List.of(), 0);
        }
        List<JournalEntry> page = read(JournalReads.page(pool, service, beforeSeq, limit));
        return new Page(page, page.size() == limit && page.get(0).seq() > 1 ? page.get(0).seq() : 0);
    }

    private <T> T read(Future<T> f) {
        try {
            return Migrations.await(f);
        } catch (RuntimeException e) {
            throw new JournalUnavailable("cannot read the journal database " + where + ": " + reason(e), e);
        }
    }

    @Override
    public RecoveryReport recovery() {
        return new RecoveryReport(replayed, report.damagedRegions(), report.damagedBytes(), report.tornTailBytes(),
                report.detail());
    }

    /** PostgreSQL takes writes, or the outage spool does. */
    @Override
    public boolean writable() {
        return !closed && (pgUp || (spool.writable() && spoolDepth < options.spoolLimit()));
    }

    /** Groups waiting in the outage spool for PostgreSQL. */
    public long spoolDepth() {
        return spoolDepth;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // What is queued is still written (services journal a snapshot as they stop), then everything closes.
        CompletableFuture<Void> idle = new CompletableFuture<>();
        try {
            ctx.runOnContext(v -> {
                whenIdle = () -> idle.complete(null);
                pump();
            });
            idle.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warning("journal: closing with appends still in flight (" + e + ")");
        }
        try {
            ctx.runOnContext(v -> {
                for (Pending p; (p = queue.pollFirst()) != null; ) {
                    fail(p, new JournalUnavailable("journal closed", null));
                }
            });
            pool.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing on shutdown: nothing left to protect
        } finally {
            spool.close();
            vertx.close();
        }
    }
}
