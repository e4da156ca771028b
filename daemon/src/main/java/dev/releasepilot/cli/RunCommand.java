package dev.releasepilot.cli;

import dev.releasepilot.app.Daemon;
import dev.releasepilot.app.DaemonConfig;
import dev.releasepilot.app.HttpGuards;
import dev.releasepilot.app.StartupFailure;
import dev.releasepilot.journal.pg.PgStartFailure;
import dev.releasepilot.journal.pg.PgUrl;
import dev.releasepilot.publish.EventStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the daemon until SIGTERM/SIGINT; SIGHUP reloads the rules. */
@Command(name = "run", description = "Run the daemon.")
final class RunCommand implements Callable<Integer> {
    /** How long a SIGTERM during start waits for the start to end before the JVM halts anyway. */
    private static final java.time.Duration START_WAIT = java.time.Duration.ofSeconds(30);
    /** The status the JVM itself ends with on SIGTERM (128 + 15). */
    private static final int STOPPED_BY_SIGTERM = 143;

    @Option(names = "--config", defaultValue = "rules/example.yaml", description = "Rule file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--data-dir", defaultValue = "data", description = "Journal directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--journal-url", description = "Journal to PostgreSQL, shared by several daemons: postgresql://USER@HOST:PORT/DB; the schema is created and migrated at start (default: the file journal in --data-dir, which then holds only the outage spool).")
    String journalUrl;

    @Option(names = "--journal-password-file", description = "File holding the password for --journal-url (default: $PGPASSWORD, or none).")
    Path journalPasswordFile;

    @Option(names = "--instance-id", description = "This daemon's name among those sharing a journal, stored with every record it writes (default: host name and pid).")
    String instanceId;

    @Option(names = "--lease-ttl", defaultValue = "2s",
            description = "With --journal-url: how long a service's lease lasts unless renewed; a dead instance's services move within about this plus --lease-renew-interval (default: ${DEFAULT-VALUE}).")
    String leaseTtl;

    @Option(names = "--lease-renew-interval", defaultValue = "500ms",
            description = "With --journal-url: how often leases are renewed, instances heartbeat and free leases are taken (default: ${DEFAULT-VALUE}).")
    String leaseRenewInterval;

    @Option(names = "--listen", defaultValue = "127.0.0.1:9095", description = "HOST:PORT to serve on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--read-token-file", description = "File holding the bearer token for read endpoints (default: reads are open).")
    Path readTokenFile;

    @Option(names = "--admin-token-file", description = "File holding the bearer token for control endpoints (default: control disabled).")
    Path adminTokenFile;

    @Option(names = "--ingest-token-file", description = "File holding the token the receivers (Alertmanager webhook, remote_write) require, as 'Authorization: Bearer' or as the basic-auth password (default: receivers are open).")
    Path ingestTokenFile;

    @Option(names = "--metrics-need-token", description = "/metrics requires the read token (or the admin token) too; needs --read-token-file.")
    boolean metricsNeedToken;

    @Option(names = "--idle-timeout", defaultValue = "60s", description = "Close a connection idle this long; 0s: never (default: ${DEFAULT-VALUE}).")
    String idleTimeout;

    @Option(names = "--header-timeout", defaultValue = "10s", description = "Close a connection whose request headers take longer than this (default: ${DEFAULT-VALUE}).")
    String headerTimeout;

    @Option(names = "--body-timeout", defaultValue = "30s", description = "Answer 503 and close when a request body takes longer than this (default: ${DEFAULT-VALUE}).")
    String bodyTimeout;

    @Option(names = "--body-budget-bytes", defaultValue = "67108864", description = "Request-body bytes held in memory at once over all connections; past it, 503 with Retry-After (default: ${DEFAULT-VALUE}, 64 MiB).")
    long bodyBudgetBytes;

    @Option(names = "--reconcile-interval", defaultValue = "5s",
            description = "How often weights are read back from the load balancers to repair drift, e.g. after an HAProxy reload; 0s turns it off (default: ${DEFAULT-VALUE}).")
    String reconcileInterval;

    @Option(names = "--nats-url", description = "NATS server (e.g. nats://127.0.0.1:4222): publish every decision and action to release-pilot.events.<service>, and read samples from --nats-subject (default: no NATS).")
    String natsUrl;

    @Option(names = "--nats-subject", description = "A NATS subject carrying JSON samples {metric, labels, value, timestamp_ms}; repeatable.")
    java.util.List<String> natsSubjects = new java.util.ArrayList<>();

    @Option(names = "--nats-stream", defaultValue = "RELEASE_PILOT_EVENTS",
            description = "JetStream stream that keeps the events for replay, created (subjects release-pilot.events.>, file storage) when missing; an existing one is used as it is (default: ${DEFAULT-VALUE}).")
    String natsStream;

    @Option(names = "--nats-stream-max-age", defaultValue = "7d", converter = DurationConverter.class,
            description = "Events older than this leave the stream (set when the daemon creates it; default: ${DEFAULT-VALUE}).")
    java.time.Duration natsStreamMaxAge;

    @Option(names = "--nats-stream-max-bytes", defaultValue = "1GiB", converter = ByteSizeConverter.class,
            description = "The stream keeps at most this much, dropping the oldest events (set when the daemon creates it; default: ${DEFAULT-VALUE}).")
    long natsStreamMaxBytes;

    @Option(names = "--otlp-endpoint", description = "Base URL of an OTLP/HTTP receiver (e.g. http://127.0.0.1:4318): one OpenTelemetry trace per decision goes to <url>/v1/traces (default: no tracing).")
    String otlpEndpoint;

    @Option(names = "--max-sample-future", defaultValue = "10m",
            description = "Refuse samples (remote_write, NATS, HAProxy stats) stamped further ahead of this host's clock, counted as release_pilot_samples_dropped_total{reason=\"too_far_in_future\"} (default: ${DEFAULT-VALUE}).")
    String maxSampleFuture;

    @Override
    public Integer call() {
        if (natsUrl == null && !natsSubjects.isEmpty()) {
            System.err.println("--nats-subject needs --nats-url");
            return 2;
        }
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            System.err.println("--listen must be HOST:PORT, got '" + listen + "'");
            return 2;
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            System.err.println("--listen must be HOST:PORT, got '" + listen + "'");
            return 2;
        }
        String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        String readToken;
        String adminToken;
        String ingestToken;
        try {
            readToken = TokenFile.read("--read-token-file", readTokenFile, System.err::println);
            adminToken = TokenFile.read("--admin-token-file", adminTokenFile, System.err::println);
            ingestToken = TokenFile.read("--ingest-token-file", ingestTokenFile, System.err::println);
        } catch (IOException e) {
            System.err.println("cannot read token file: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        String journalPassword;
        try {
            journalPassword = TokenFile.read("--journal-password-file", journalPasswordFile, System.err::println);
        } catch (IOException e) {
            System.err.println("cannot read --journal-password-file: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        if (journalUrl == null && journalPasswordFile != null) {
            System.err.println("--journal-password-file needs --journal-url");
            return 2;
        }
        if (journalUrl != null) {
            try {
                PgUrl.parse(journalUrl, journalPassword); // a usage error: exit 2, not 1
            } catch (PgStartFailure e) {
                System.err.println(e.getMessage());
                return 2;
            }
        }
        if (instanceId != null && (instanceId.isBlank() || instanceId.length() > 200)) {
            System.err.println("--instance-id must be 1 to 200 characters");
            return 2;
        }
        if (metricsNeedToken && readToken == null) {
            System.err.println("--metrics-need-token needs --read-token-file");
            return 2;
        }
        HttpGuards guards;
        try {
            guards = HttpGuards.DEFAULTS.withIngestToken(ingestToken, metricsNeedToken)
                    .withTimeouts(duration("--idle-timeout", idleTimeout), duration("--header-timeout", headerTimeout),
                            duration("--body-timeout", bodyTimeout))
                    .withBodyBudget(bodyBudgetBytes);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        java.time.Duration future;
        try {
            future = dev.releasepilot.rules.DurationParser.parse(maxSampleFuture);
        } catch (dev.releasepilot.rules.SyntaxError | IllegalArgumentException e) {
            System.err.println("--max-sample-future: " + e.getMessage());
            return 2;
        }
        dev.releasepilot.cluster.LeaseTiming leases;
        try {
            leases = dev.releasepilot.cluster.LeaseTiming.DEFAULTS.withTtl(duration("--lease-ttl", leaseTtl),
                    duration("--lease-renew-interval", leaseRenewInterval));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        DaemonConfig cfg;
        try {
            cfg = DaemonConfig.defaults(config, dataDir, host, port)
                    .withTokens(readToken, adminToken)
                    .withReconcileIntervalMs(dev.releasepilot.rules.DurationParser.parse(reconcileInterval).toMillis())
                    .withNats(natsUrl, natsSubjects)
                    .withNatsStream(new EventStream(natsStream, natsStreamMaxAge, natsStreamMaxBytes))
                    .withMaxSampleFuture(future)
                    .withGuards(guards)
                    .withOtlpEndpoint(otlpEndpoint)
                    .withJournal(journalUrl, journalPassword, instanceId)
                    .withLeaseTiming(leases);
        } catch (IllegalArgumentException e) {
            System.err.println("NATS: " + e.getMessage());
            return 2;
        } catch (dev.releasepilot.rules.SyntaxError e) {
            System.err.println("--reconcile-interval: " + e.getMessage());
            return 2;
        }
        StopOnShutdown shutdown = StopOnShutdown.register(Runtime.getRuntime()::addShutdownHook, START_WAIT);
        if (shutdown == null) {
            return 0; // stopped before it started
        }
        Daemon daemon = null;
        try {
            daemon = Daemon.start(cfg);
        } catch (StartupFailure | RuntimeException e) {
            if (shutdown.requested()) {
                // the start failed because the JVM began shutting down under it: a stop, not an error
                System.err.println("stopped while starting");
                return STOPPED_BY_SIGTERM;
            }
            if (e instanceof RuntimeException unexpected) {
                throw unexpected;
            }
            System.err.println(e.getMessage());
            return 1;
        } finally {
            shutdown.started(daemon == null ? null : daemon::close);
        }
        Daemon running = daemon;
        Signals.onHangup(() -> running.reload().onComplete(ar -> System.err.println(ar.succeeded()
                ? "rules reloaded" : "reload failed, previous rules kept: " + ar.cause().getMessage())));
        try {
            shutdown.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static java.time.Duration duration(String flag, String text) {
        try {
            return dev.releasepilot.rules.DurationParser.parse(text);
        } catch (dev.releasepilot.rules.SyntaxError e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage());
        }
    }
}
