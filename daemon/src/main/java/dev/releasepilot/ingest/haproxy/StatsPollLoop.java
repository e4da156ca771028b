package dev.releasepilot.ingest.haproxy;

import dev.releasepilot.ingest.IngestMetrics;
import dev.releasepilot.ingest.SampleSource;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SampleSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The poll of one HAProxy: a periodic tick, one persistent interactive CLI connection, at most one poll
 * in flight (a tick that finds the previous poll unanswered is skipped and counted, so a slow HAProxy is
 * never sent a pile of requests), exponential backoff while it is unreachable, worker-change detection.
 * Everything runs on the poller verticle's context; {@link #status()} may be read from any thread.
 */
final class StatsPollLoop {
    private static final Logger LOG = Logger.getLogger(StatsPollLoop.class.getName());
    /** Servers plus backends tracked per HAProxy; rows beyond are dropped and counted. */
    static final int MAX_TRACKED = 20_000;

    private final Vertx vertx;
    private final SampleSink sink;
    private final Predicate<String> wants;
    private final Clock clock;
    private final Duration backoffCap;
    private final String address;
    private final HaproxyCliConnection connection;
    private final StatsTranslator translator = new StatsTranslator(MAX_TRACKED);
    private final MeterRegistry registry;
    private final AtomicInteger upGauge = new AtomicInteger();
    private final Gauge up;
    private final Counter reloads;
    private final Counter polled;
    private final Counter failed;
    private final Counter skipped;
    private final Counter refused;
    private final Counter ingested; // what the poll translated: it only decodes the columns a rule wants
    private final Counter rowsDropped;
    private final Timer pollTime;

    private StatsTarget target;
    private Buffer line;
    private long timer = -1;
    private long nextDueNanos;
    private boolean inFlight;
    private boolean stopped;
    private boolean isUp;
    private int failures;
    private long backoffMs;
    private long retryAtNanos;
    private long lastTs;
    private long droppedReported;
    private HaproxyInfo worker;
    private long reloadCount;
    private long skippedCount;
    private String lastError;
    private java.time.Instant lastSuccess;
    private volatile StatsPollStatus status;

    StatsPollLoop(Vertx vertx, NetClient client, StatsTarget target, SampleSink sink, Clock clock,
                  Duration backoffCap, MeterRegistry registry) {
        this.vertx = vertx;
        this.sink = sink;
        this.wants = sink::wantsMetric;
        this.clock = clock;
        this.backoffCap = backoffCap;
        this.registry = registry;
        this.address = target.address();
        this.connection = new HaproxyCliConnection(vertx, client, target.unixSocket()
                ? SocketAddress.domainSocketAddress(target.socketPath()) : inet(target.address()));
        this.up = Gauge.builder("release_pilot_haproxy_stats_up", upGauge, AtomicInteger::get).tag("address", address)
                .description("1 while the last poll of this HAProxy's stats was answered, else 0").register(registry);
        this.reloads = Counter.builder("release_pilot_haproxy_reloads_detected_total").tag("address", address)
                .description("New HAProxy workers seen by the stats poller (reload or restart)").register(registry);
        this.polled = registry.counter("release_pilot_haproxy_stats_polls_total", "address", address, "result", "ok");
        this.failed = registry.counter("release_pilot_haproxy_stats_polls_total", "address", address, "result", "failed");
        this.skipped = Counter.builder("release_pilot_haproxy_stats_skipped_ticks_total").tag("address", address)
                .description("Poll ticks skipped: the previous poll was still in flight, or the event loop was late").register(registry);
        this.ingested = IngestMetrics.samplesIngested(registry, SampleSource.HAPROXY_STATS);
        this.refused = Counter.builder("release_pilot_haproxy_stats_samples_refused_total").tag("address", address)
                .description("Polled samples the window store refused (over its limits)").register(registry);
        this.rowsDropped = Counter.builder("release_pilot_haproxy_stats_rows_dropped_total").tag("address", address)
                .description("Server rows ignored because " + MAX_TRACKED + " series entities are tracked").register(registry);
        this.pollTime = Timer.builder("release_pilot_haproxy_stats_poll_seconds").tag("address", address)
                .description("One stats poll: command sent to samples handed over").register(registry);
        configure(target);
    }

    /** Starts ticking (the first poll at once). */
    void start() {
        schedule();
    }

    /** Takes a changed target for the same address: backends and interval apply from the next tick. */
    void update(StatsTarget next) {
        boolean reschedule = !next.interval().equals(target.interval());
        configure(next);
        if (reschedule) {
            vertx.cancelTimer(timer);
            schedule();
        }
        publish();
    }

    /** Stops polling, ends every series it emitted (stale markers), closes the connection, drops the gauge. */
    void stop() {
        stopped = true;
        vertx.cancelTimer(timer);
        hand(translator.endAll(stamp()));
        connection.close();
        registry.remove(up);
    }

    StatsTarget target() {
        return target;
    }

    StatsPollStatus status() {
        return status;
    }

    private void configure(StatsTarget t) {
        target = t;
        line = Buffer.buffer(t.commandLine());
        publish();
    }

    /**
     * Ticks on a fixed cadence from one-shot timers. Unlike a periodic timer this never makes up for ticks
     * that came due while the event loop was busy (a periodic timer fires them back to back, which would
     * poll HAProxy in a burst); those count as skipped.
     */
    private void schedule() {
        nextDueNanos = System.nanoTime();
        timer = vertx.setTimer(1, id -> tick());
    }

    private void tick() {
        if (stopped) {
            return;
        }
        long now = System.nanoTime();
        long period = target.interval().toNanos();
        long late = (now - nextDueNanos) / period;
        if (late > 0) {
            skipped.increment(late);
            skippedCount += late;
            nextDueNanos += late * period;
        }
        nextDueNanos += period;
        timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextDueNanos - now)), id -> tick());
        if (inFlight) {
            skipped.increment();
            skippedCount++;
            publish();
            return;
        }
        if (!isUp && failures > 0 && System.nanoTime() - retryAtNanos < 0) {
            return; // backing off
        }
        poll(false);
    }

    private void poll(boolean retryAfterStoppingWorker) {
        inFlight = true;
        long ts = stamp();
        long t0 = System.nanoTime();
        long timeoutMs = target.timeout().toMillis();
        int answers = 1 + target.backends().size();
        boolean reused = connection.connected();
        Future<Void> ready = reused ? Future.succeededFuture() : connection.connect(timeoutMs);
        ready.compose(v -> connection.send(line, answers, timeoutMs))
                .recover(e -> {
                    // An idle session closed by HAProxy (its "stats timeout", or a worker that exited) is not
                    // an outage: reconnect once before calling the poll failed.
                    if (reused && e instanceof StatsPollFailure f && f.kind() == StatsPollFailure.Kind.CLOSED && !stopped) {
                        connection.close();
                        return connection.connect(timeoutMs).compose(v -> connection.send(line, answers, timeoutMs));
                    }
                    return Future.failedFuture(e);
                })
                .onComplete(ar -> {
                    inFlight = false;
                    if (stopped) {
                        return;
                    }
                    if (ar.failed()) {
                        failed(ts, ar.cause());
                        return;
                    }
                    try {
                        answered(ts, t0, retryAfterStoppingWorker);
                    } catch (StatsPollFailure e) {
                        connection.close();
                        failed(ts, e);
                    }
                });
    }

    private void answered(long ts, long t0, boolean retryAfterStoppingWorker) {
        byte[] b = connection.bytes();
        HaproxyInfo info = HaproxyInfo.parse(b, connection.answerStart(0), connection.answerEnd(0));
        if (info.stopping()) {
            // A reload replaced this worker; it still answers on our open session, with counters that no longer
            // move, and our session would keep it alive. Leave it and ask the listener's new owner.
            connection.close();
            if (retryAfterStoppingWorker) {
                throw new StatsPollFailure(StatsPollFailure.Kind.PROTOCOL, "only a stopping HAProxy worker answers at " + address);
            }
            LOG.info("HAProxy at " + address + ": worker " + info.pid() + " is stopping (reloaded); reconnecting");
            poll(true);
            return;
        }
        if (worker != null && worker.replacedBy(info)) {
            reloads.increment();
            reloadCount++;
            LOG.info("HAProxy at " + address + ": new worker " + info.pid() + " (was " + worker.pid()
                    + "): reload or restart; its counters start again from zero");
        }
        worker = info;
        translator.begin(ts, wants);
        String problem = null;
        List<String> backends = target.backends();
        for (int i = 0; i < backends.size(); i++) {
            String p = translator.backend(backends.get(i), b, connection.answerStart(i + 1), connection.answerEnd(i + 1));
            if (p != null && problem == null) {
                problem = "backend " + backends.get(i) + ": " + p;
            }
        }
        List<Sample> samples = translator.finish();
        ingested.increment(samples.size());
        if (problem != null && !problem.equals(lastError)) {
            LOG.warning("HAProxy at " + address + ": " + problem);
        }
        if (!isUp && failures > 0) {
            LOG.info("HAProxy at " + address + " answers stats again after " + failures + " failed polls");
        }
        isUp = true;
        upGauge.set(1);
        failures = 0;
        backoffMs = 0;
        lastError = problem;
        lastSuccess = clock.instant();
        long dropped = translator.droppedRows();
        if (dropped > droppedReported) {
            rowsDropped.increment(dropped - droppedReported);
            droppedReported = dropped;
        }
        hand(samples);
        polled.increment();
        pollTime.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        publish();
    }

    private void failed(long ts, Throwable cause) {
        failed.increment();
        failures++;
        String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        if (isUp || failures == 1) {
            LOG.warning("HAProxy stats at " + address + " unavailable: " + why + "; its series end until it answers again");
        }
        if (isUp) {
            // Prometheus ends a target's series when a scrape fails; do the same so no window mistakes the last
            // values for current ones. Nothing else is emitted until HAProxy answers: the windows go NO_DATA.
            hand(translator.endAll(ts));
        }
        isUp = false;
        upGauge.set(0);
        lastError = why;
        long base = target.interval().toMillis();
        backoffMs = Math.min(backoffCap.toMillis(), base << Math.min(failures - 1, 20));
        retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
        publish();
    }

    private void hand(List<Sample> samples) {
        if (!samples.isEmpty()) {
            sink.accept(samples).onFailure(e -> refused.increment(samples.size()));
        }
    }

    /** The poll's timestamp: wall-clock ms, strictly increasing per HAProxy so no sample is out of order. */
    private long stamp() {
        long now = clock.millis();
        lastTs = now > lastTs ? now : lastTs + 1;
        return lastTs;
    }

    private void publish() {
        status = new StatsPollStatus(address, target.backends(), target.interval().toMillis(), isUp, lastError,
                lastSuccess, failures, backoffMs, worker == null ? -1 : worker.pid(), reloadCount, skippedCount,
                translator.trackedEntities());
    }

    private static SocketAddress inet(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return SocketAddress.inetSocketAddress(Integer.parseInt(hostPort.substring(colon + 1)), hostPort.substring(0, colon));
    }
}
