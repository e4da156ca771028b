package dev.releasepilot.app;

import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.CircuitBreakingActuator;
import dev.releasepilot.act.RetryPolicy;
import dev.releasepilot.act.RetryingActuator;
import dev.releasepilot.act.Scheduler;
import dev.releasepilot.api.Auth;
import dev.releasepilot.api.LiveFeed;
import dev.releasepilot.api.StatusApi;
import dev.releasepilot.api.StatusPage;
import dev.releasepilot.decide.EventSink;
import io.vertx.ext.web.RoutingContext;
import dev.releasepilot.decide.Pilot;
import dev.releasepilot.http.HttpErrors;
import dev.releasepilot.ingest.alertmanager.AlertmanagerReceiver;
import dev.releasepilot.ingest.haproxy.HaproxyStatsPoller;
import dev.releasepilot.ingest.probe.HealthProber;
import dev.releasepilot.ingest.remotewrite.RemoteWriteReceiver;
import dev.releasepilot.journal.FileJournal;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.pg.PgJournal;
import dev.releasepilot.journal.pg.PgStartFailure;
import dev.releasepilot.journal.pg.PgUrl;
import dev.releasepilot.notify.Notifier;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.Problem;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.telemetry.Telemetry;
import dev.releasepilot.telemetry.Tracing;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.SampleSink;
import dev.releasepilot.window.HostTime;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import dev.releasepilot.http.BodyBudget;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Assembles the pipeline in one place: rules → journal → decide's router → the window stage → the
 * services → the sources (receivers, pollers, probes, NATS) and the API on one HTTP server. Embeddable:
 * tests start it in-process on port 0 and read {@link #port()}.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());
    public static final String VERSION = "0.1.0";
    /** Consecutive failed actuations (each already retried) before a backend's circuit opens. */
    static final int CIRCUIT_THRESHOLD = 5;
    /** HTTP servers, one per event loop: as many as Vert.x has event loops by default (2 × cores). */
    static final int HTTP_LOOPS = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
    static final java.time.Duration CIRCUIT_OPEN_FOR = java.time.Duration.ofSeconds(10);

    private final DaemonConfig config;
    private final Vertx vertx;
    private final Journal journal;
    private final Telemetry telemetry;
    private final Pilot pilot;
    private final SeriesStore store;
    private final Tracing tracing;
    private final Notifier notifier;
    private final AtomicReference<RuleSet> rules; // the rules in force, for the status page
    private final HttpServer server;
    /** {@link #server} and its siblings on the other event loops, sharing its port. */
    private final List<HttpServer> servers;
    private final HaproxyStatsPoller stats;
    private final NatsLink nats;
    private final ClusterLink cluster;
    private String proberDeployment; // touched only by start and reload, which are serialised below
    private Future<Void> reloading = Future.succeededFuture();

    private Daemon(DaemonConfig config, Vertx vertx, Journal journal, Telemetry telemetry, Pilot pilot,
                   SeriesStore store, List<HttpServer> servers, HaproxyStatsPoller stats, NatsLink nats, Notifier notifier,
                   AtomicReference<RuleSet> rules, Tracing tracing, ClusterLink cluster) {
        this.cluster = cluster;
        this.tracing = tracing;
        this.rules = rules;
        this.store = store;
        this.notifier = notifier;
        this.stats = stats;
        this.nats = nats;
        this.config = config;
        this.vertx = vertx;
        this.journal = journal;
        this.telemetry = telemetry;
        this.pilot = pilot;
        this.server = servers.get(0);
        this.servers = List.copyOf(servers);
    }

    /** Starts a daemon and waits until it listens. Blocking: call it from main or a test, never an event loop. */
    public static Daemon start(DaemonConfig config) throws StartupFailure {
        return start(config, FileJournal.Options.defaults());
    }

    /** The same with the journal's storage options (its file-system seam, for fault tests; segment size). */
    public static Daemon start(DaemonConfig config, FileJournal.Options journalOptions) throws StartupFailure {
        LoadResult rules = RuleLoader.load(config.rules());
        if (!rules.ok()) {
            throw new StartupFailure("rule file has errors:\n" + rules.errors().stream().map(Problem::toString)
                    .collect(Collectors.joining("\n")));
        }
        rules.warnings().forEach(w -> LOG.warning(w.toString()));
        Telemetry telemetry = new Telemetry(VERSION);
        Tracing tracing;
        try {
            tracing = config.otlpEndpoint() == null ? Tracing.off() : Tracing.otlp(config.otlpEndpoint(), VERSION);
        } catch (IllegalArgumentException e) {
            throw new StartupFailure(e.getMessage());
        }
        Journal journal;
        String journalAt;
        io.vertx.pgclient.PgConnectOptions connect = null;
        if (config.journalUrl() != null) {
            try {
                connect = PgUrl.parse(config.journalUrl(), config.journalPassword());
                journalAt = PgUrl.describe(connect) + " as " + config.instanceId();
                // Appends wait in the data dir while PostgreSQL is unreachable.
                journal = PgJournal.open(connect, PgJournal.Options.of(config.instanceId(),
                        config.dataDir().resolve("pg-spool")), config.clock(), telemetry.registry());
            } catch (PgStartFailure e) {
                throw new StartupFailure(e.getMessage());
            }
        } else {
            try {
                journal = FileJournal.open(config.dataDir(), config.clock(), telemetry.registry(), journalOptions);
                journalAt = config.dataDir().toString();
            } catch (IOException e) {
                throw new StartupFailure("cannot open the journal in " + config.dataDir() + ": " + e.getMessage());
            }
        }
        Vertx vertx = Vertx.vertx();
        NatsLink nats;
        try {
            nats = NatsLink.connect(config, telemetry.registry());
        } catch (IllegalArgumentException e) {
            vertx.close();
            journal.close();
            throw new StartupFailure("NATS: " + e.getMessage());
        }
        ClusterLink cluster = null;
        try {
            // The pipeline, in order: decide's router, the window stage that reports touches to it, the
            // services (each with its own evaluator over the shared, concurrent store), then the sources.
            // Always deployed; it idles while no service has notify targets, and picks them up on reload.
            Notifier notifier = new Notifier(rules.rules(), telemetry.registry());
            vertx.deployVerticle(notifier).await(30, TimeUnit.SECONDS);
            Pilot pilot = new Pilot(vertx, journal, config.clock(), telemetry.registry(), tracing,
                    r -> new RetryingActuator(new CircuitBreakingActuator(Actuators.create(vertx, r.backend()), r.name(),
                            r.backend().kind(), CIRCUIT_THRESHOLD, CIRCUIT_OPEN_FOR, config.clock(), telemetry.registry()),
                            RetryPolicy.QUICK, Scheduler.of(vertx)),
                    config.actuationRetryDelayMs(), config.reconcileIntervalMs());
            // Several daemons on one journal: each service is decided by the holder of its lease.
            cluster = connect == null ? ClusterLink.none(config.instanceId())
                    : ClusterLink.shared(vertx, connect, config, pilot, journal instanceof PgJournal pg
                            ? () -> pg.spoolDepth() == 0 : () -> true, telemetry.registry()); // outage records first
            AtomicReference<RuleSet> current = new AtomicReference<>(rules.rules());
            // The status page's feed hears every record too, so a rollback reaches an open page at once.
            LiveFeed live = new LiveFeed(pilot, journal, current::get, config.clock(), telemetry.registry());
            vertx.deployVerticle(live).await(30, TimeUnit.SECONDS);
            EventSink natsEvents = nats.events();
            EventSink events = (service, type, body) -> {
                natsEvents.publish(service, type, body);
                notifier.publish(service, type, body);
                live.publish(service, type, body);
            };
            StoreLimits limits = WindowStage.limits(rules.rules());
            SeriesStore store = new SeriesStore(WindowStage.index(rules.rules()), limits, telemetry.registry(), pilot,
                    new HostTime(config.clock(), config.maxSampleFuture()));
            // Evaluate at every step of the store's resolution that samples pass: a fixed grid keeps
            // replays deterministic.
            EvaluationGrid grid = new EvaluationGrid(limits.resolution().toMillis());
            pilot.start(rules.rules(), () -> new Evaluator(store), grid, events).await(30, TimeUnit.SECONDS);
            if (!journal.recovery().clean()) {
                LOG.warning("journal recovery: " + journal.recovery().detail() + " (" + journal.recovery().records()
                        + " records replayed)");
            }
            // Always deployed; it idles when no backend sets stats_poll, and picks them up on reload.
            HaproxyStatsPoller stats = new HaproxyStatsPoller(rules.rules(), store, config.clock(),
                    telemetry.registry());
            vertx.deployVerticle(stats).await(30, TimeUnit.SECONDS);
            nats.subscribe(vertx, store, config);
            Holder holder = new Holder();
            Router router = router(vertx, config, journal, telemetry, pilot, store, stats, live, holder, cluster);
            HttpGuards guards = config.guards();
            // No h2c: Prometheus and Alertmanager speak HTTP/1.1 to http:// URLs, and with h2c detection on,
            // Vert.x reports a connection only once its first request is complete, too late for the header deadline.
            // One server per event loop on the same port: Vert.x hands each new connection to the next of them,
            // so the remote_write senders' connections are decoded on every loop rather than all on one, and an
            // alert's or a command's connection does not queue behind all of them (docs/benchmarks.md,
            // "Memory, pauses and start-up"). The receivers keep their scratch per loop; the guards are shared.
            ConnectionGuard connections = new ConnectionGuard(vertx, guards.headerTimeout().toMillis(), telemetry.registry());
            HttpServerOptions serverOptions = new HttpServerOptions().setHttp2ClearTextEnabled(false)
                    .setIdleTimeout((int) guards.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
            List<HttpServer> servers = new ArrayList<>();
            // Port 0 (any free port) is shared among the servers as -1: Vert.x binds one random port for all.
            int port = config.port() == 0 ? -1 : config.port();
            for (int i = 0; i < HTTP_LOOPS; i++) {
                HttpServer s = vertx.createHttpServer(serverOptions);
                connections.install(s, router);
                // From this (non-Vert.x) thread each listen takes the next event loop.
                s.listen(port, config.host()).await(30, TimeUnit.SECONDS);
                servers.add(s);
            }
            HttpServer server = servers.get(0);
            // Leases only now: the others forward commands to this address. Until the first lease round
            // every service follows (ingests, evaluates, journals what it receives).
            cluster.start(config.host(), server.actualPort());
            Daemon d = new Daemon(config, vertx, journal, telemetry, pilot, store, servers, stats, nats, notifier, current,
                    tracing, cluster);
            d.startProbes(rules.rules()).await(30, TimeUnit.SECONDS);
            holder.daemon = d;
            LOG.info("release-pilot " + VERSION + " listening on " + config.host() + ":" + server.actualPort()
                    + ", " + rules.rules().services().size() + " services, journal " + journalAt
                    + " (" + journal.recovery().records() + " records replayed)");
            return d;
        } catch (Exception e) {
            if (cluster != null) {
                cluster.close();
            }
            nats.close();
            vertx.close();
            journal.close();
            throw new StartupFailure("cannot start: " + e.getMessage());
        }
    }

    /** Lets the router reach the daemon (for reload) although the router is built first. */
    private static final class Holder {
        volatile Daemon daemon;
    }

    private static Router router(Vertx vertx, DaemonConfig config, Journal journal, Telemetry telemetry,
                                 Pilot pilot, SampleSink samples, HaproxyStatsPoller stats, LiveFeed live, Holder holder,
                                 ClusterLink cluster) {
        Router router = Router.router(vertx);
        HttpGuards guards = config.guards();
        Auth auth = new Auth(config.readToken(), config.adminToken(), guards.ingestToken());
        // A client that hung up mid-request may fail its route: nothing is left to answer, so one line at
        // FINE instead of Vert.x Web's stack trace and 500 (the receivers count it as reason="aborted").
        router.route().failureHandler(ctx -> {
            Throwable f = ctx.failure();
            if (f != null && (ctx.response().closed() || f instanceof io.vertx.core.http.HttpClosedException
                    || f instanceof java.net.SocketException)) {
                LOG.fine(() -> "client left during " + ctx.request().method() + " " + ctx.request().path() + ": " + f);
                return;
            }
            ctx.next();
        });
        // Every answer: browsers must not guess a JSON or text body to be HTML.
        router.route().handler(ctx -> {
            ctx.response().putHeader("X-Content-Type-Options", "nosniff");
            ctx.next();
        });
        router.get("/-/healthy").handler(ctx -> ctx.response().end("Healthy.\n"));
        // Ready once started and every service's backend has been reached (a read-back or a shift got an
        // answer); until then 503 names each unreached backend, and GET /api/v1/services/{name} says why.
        router.get("/-/ready").handler(ctx -> {
            if (holder.daemon == null) {
                ctx.response().setStatusCode(503).end("Not ready.\n");
                return;
            }
            if (!journal.writable()) {
                // Accepting alerts now would answer 503 to each: say so before a load balancer sends them.
                ctx.response().setStatusCode(503).end("Not ready: the journal cannot write (disk full or failing, or"
                        + " the journal database unreachable and the outage spool full).\n");
                return;
            }
            pilot.statuses().onComplete(ar -> {
                if (ar.failed()) {
                    ctx.response().setStatusCode(503).end("Not ready: " + ar.cause().getMessage() + "\n");
                    return;
                }
                StringBuilder unreached = new StringBuilder();
                for (Object o : ar.result()) {
                    JsonObject s = (JsonObject) o;
                    // A dry-run service never writes to its load balancer: its reach does not gate readiness.
                    if (s.getString("backend_unreachable") != null && !s.getBoolean("dry_run", false)) {
                        unreached.append("\n  service ").append(s.getString("name"))
                                .append(": backend not reached (GET /api/v1/services/").append(s.getString("name"))
                                .append(" says why)");
                    }
                }
                if (unreached.length() > 0) {
                    ctx.response().setStatusCode(503).end("Not ready:" + unreached + "\n");
                } else {
                    ctx.response().end("Ready.\n");
                }
            });
        });
        router.get("/metrics").handler(guards.metricsNeedToken() ? auth.read() : RoutingContext::next)
                .handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(telemetry.scrape()));
        BodyBudget budget = new BodyBudget(guards.bodyBudgetBytes(), guards.bodyTimeout().toMillis(), telemetry.registry());
        new AlertmanagerReceiver(pilot, config.clock(), telemetry.registry(), guards.alertLimits(), budget)
                .mount(router, auth.ingest(telemetry.registry(), "alertmanager"));
        new RemoteWriteReceiver(samples, telemetry.registry(), config.bodyLimitBytes(),
                RemoteWriteReceiver.DEFAULT_UNCOMPRESSED_LIMIT)
                .mount(router, auth.ingest(telemetry.registry(), "remote_write"), budget);
        new StatusApi(pilot, journal, auth, () -> holder.daemon == null
                ? Future.failedFuture("starting") : holder.daemon.reload(), () -> {
                    io.vertx.core.json.JsonArray a = new io.vertx.core.json.JsonArray();
                    stats.status().forEach(s -> a.add(s.toJson()));
                    return a;
                }).forwarding(cluster).mount(router);
        // Who decides which service: instances, leases and epochs, as of the last lease round (≤ 500 ms old).
        router.get("/api/v1/cluster").handler(auth.read()).handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/json").end(cluster.view().encodePrettily()));
        router.get("/api/v1/live").handler(auth.read()).handler(live::stream);
        StatusPage.mount(router, auth);
        router.errorHandler(413, ctx -> HttpErrors.send(ctx, 413, "request body larger than "
                + config.bodyLimitBytes() + " bytes", null));
        router.errorHandler(404, ctx -> HttpErrors.send(ctx, 404, "no such endpoint: "
                + ctx.request().method() + " " + ctx.request().path(), null));
        router.errorHandler(405, ctx -> HttpErrors.send(ctx, 405, "method " + ctx.request().method()
                + " not allowed on " + ctx.request().path(), null));
        router.errorHandler(400, ctx -> HttpErrors.send(ctx, 400, "bad request", null));
        router.errorHandler(500, ctx -> {
            // One line, no stack trace, and nothing of the exception in the answer (it may quote input or internals).
            LOG.warning("internal error on " + ctx.request().method() + " " + ctx.request().path() + ": " + ctx.failure());
            HttpErrors.send(ctx, 500, "internal error", null);
        });
        return router;
    }

    /** (Re)starts the health probes for {@code rules}; stops the previous set first. */
    private Future<Void> startProbes(RuleSet rules) {
        Future<Void> stopped = proberDeployment == null ? Future.succeededFuture()
                : vertx.undeploy(proberDeployment);
        return stopped.compose(v -> {
            proberDeployment = null;
            if (!HealthProber.needed(rules)) {
                return Future.succeededFuture();
            }
            return vertx.deployVerticle(new HealthProber(rules, pilot, config.clock(), telemetry.registry()))
                    .map(id -> {
                        proberDeployment = id;
                        return null;
                    });
        });
    }

    /**
     * Re-reads the rule file; on errors keeps the running rules and fails with the problems listed.
     * Reloads run one after another (SIGHUP and the API may race).
     */
    public synchronized Future<Void> reload() {
        reloading = reloading.transform(x -> reloadNow());
        return reloading;
    }

    /**
     * Every way a reload can fail (rule errors, a failure applying the rules, anything thrown while
     * loading) ends the same way: the reason logged, {@code release_pilot_config_last_reload_successful}
     * set to 0, and a failed future whose message says why.
     */
    private Future<Void> reloadNow() {
        Future<Void> applied = vertx.executeBlocking(() -> RuleLoader.load(config.rules())).compose(r -> {
            if (!r.ok()) {
                String problems = r.errors().stream().map(Problem::toString).collect(Collectors.joining("; "));
                return Future.failedFuture(new IllegalArgumentException("rules not reloaded: " + problems));
            }
            return pilot.reload(r.rules()).compose(v -> {
                store.reload(WindowStage.index(r.rules()));
                notifier.reload(r.rules());
                rules.set(r.rules());
                return stats.reload(r.rules());
            }).compose(v -> startProbes(r.rules()));
        });
        return applied.transform(ar -> {
            telemetry.reloadOutcome(ar.succeeded());
            if (ar.succeeded()) {
                LOG.info("rules reloaded from " + config.rules());
                return Future.succeededFuture();
            }
            Throwable cause = ar.cause();
            if (cause instanceof IllegalArgumentException) {
                LOG.warning("reload failed, keeping the previous rules: " + cause.getMessage());
                return Future.failedFuture(cause);
            }
            String reason = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
            LOG.warning("reload failed: " + reason);
            return Future.failedFuture(new IllegalStateException("rules not reloaded: " + reason, cause));
        });
    }

    public int port() {
        return server.actualPort();
    }

    public Pilot pilot() {
        return pilot;
    }

    @Override
    public void close() {
        cluster.close(); // first: hands the services over while their controllers still run
        nats.close();
        try {
            for (HttpServer s : servers) {
                s.close().await(10, TimeUnit.SECONDS);
            }
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warning("shutdown: " + e.getMessage());
        } finally {
            journal.close();
            tracing.close(); // exports what is queued
        }
    }
}
