package dev.releasepilot.app;

import dev.releasepilot.publish.EventStream;
import java.nio.file.Path;
import java.time.Clock;

/**
 * How to run one daemon. Tokens are the secrets themselves (the CLI reads them from files).
 *
 * @param actuationRetryDelayMs first delay before a failed rollback is tried again (doubles, max 60 s)
 * @param reconcileIntervalMs   how often weights are read back to find and repair drift (0: never)
 * @param natsUrl               NATS server for samples in and events out, or null
 * @param maxSampleFuture       how far ahead of {@code clock} a sample may be stamped and still be kept
 *                              (further: refused, counted {@code too_far_in_future}); default 10 min
 * @param guards                tokens for the receivers, timeouts and memory limits of the HTTP server
 * @param otlpEndpoint          base URL of an OTLP/HTTP receiver for one trace per decision, or null (off)
 * @param natsStream            the JetStream stream events go to when the NATS server has JetStream
 */
public record DaemonConfig(Path rules, Path dataDir, String host, int port, String readToken,
                           String adminToken, long bodyLimitBytes, long actuationRetryDelayMs,
                           long reconcileIntervalMs, String natsUrl, java.util.List<String> natsSubjects, Clock clock,
                           java.time.Duration maxSampleFuture, HttpGuards guards,
                           String otlpEndpoint, EventStream natsStream) {
    public static final long DEFAULT_BODY_LIMIT = 4L * 1024 * 1024;

    public static DaemonConfig defaults(Path rules, Path dataDir, String host, int port) {
        return new DaemonConfig(rules, dataDir, host, port, null, null, DEFAULT_BODY_LIMIT, 5_000, 5_000,
                null, java.util.List.of(), Clock.systemUTC(), dev.releasepilot.window.HostTime.DEFAULT_MAX_SAMPLE_FUTURE,
                HttpGuards.DEFAULTS, null, EventStream.defaults());
    }

    public DaemonConfig withTokens(String read, String admin) {
        return new DaemonConfig(rules, dataDir, host, port, read, admin, bodyLimitBytes, actuationRetryDelayMs,
                reconcileIntervalMs, natsUrl, natsSubjects, clock, maxSampleFuture, guards, otlpEndpoint, natsStream);
    }

    public DaemonConfig withActuationRetryDelayMs(long ms) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes, ms,
                reconcileIntervalMs, natsUrl, natsSubjects, clock, maxSampleFuture, guards, otlpEndpoint, natsStream);
    }

    /** How often every service's weights are read back and drift repaired; 0 turns it off. */
    public DaemonConfig withReconcileIntervalMs(long ms) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes,
                actuationRetryDelayMs, ms, natsUrl, natsSubjects, clock, maxSampleFuture, guards, otlpEndpoint, natsStream);
    }

    /**
     * Connect to NATS at {@code url}: subscribe to {@code subjects} for JSON samples, and publish every
     * decision and action to {@code release-pilot.events.<service>}. A null url: no NATS.
     */
    public DaemonConfig withNats(String url, java.util.List<String> subjects) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes,
                actuationRetryDelayMs, reconcileIntervalMs, url, java.util.List.copyOf(subjects), clock, maxSampleFuture,
                guards, otlpEndpoint, natsStream);
    }

    /** How far ahead of the host's clock a sample may be stamped (remote_write, NATS, stats) and still be kept. */
    public DaemonConfig withMaxSampleFuture(java.time.Duration d) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes,
                actuationRetryDelayMs, reconcileIntervalMs, natsUrl, natsSubjects, clock, d, guards, otlpEndpoint, natsStream);
    }

    /** Tokens for the receivers and {@code /metrics}, timeouts and memory limits of the HTTP server. */
    public DaemonConfig withGuards(HttpGuards g) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes,
                actuationRetryDelayMs, reconcileIntervalMs, natsUrl, natsSubjects, clock, maxSampleFuture, g, otlpEndpoint, natsStream);
    }

    /** Export one OpenTelemetry trace per decision to this OTLP/HTTP base URL; null: tracing off. */
    public DaemonConfig withOtlpEndpoint(String url) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes, actuationRetryDelayMs,
                reconcileIntervalMs, natsUrl, natsSubjects, clock, maxSampleFuture, guards, url, natsStream);
    }

    /** The JetStream stream for events (name and retention limits), used when the NATS server has JetStream. */
    public DaemonConfig withNatsStream(EventStream stream) {
        return new DaemonConfig(rules, dataDir, host, port, readToken, adminToken, bodyLimitBytes, actuationRetryDelayMs,
                reconcileIntervalMs, natsUrl, natsSubjects, clock, maxSampleFuture, guards, otlpEndpoint, stream);
    }
}
