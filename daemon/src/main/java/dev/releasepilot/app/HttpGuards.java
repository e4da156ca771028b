package dev.releasepilot.app;

import dev.releasepilot.ingest.alertmanager.AlertLimits;
import java.time.Duration;

/**
 * What protects the HTTP server from its clients: tokens for the receivers and {@code /metrics}, and the
 * time and memory any one client may take.
 *
 * @param ingestToken       required on the webhook and remote_write when set (bearer, or basic-auth password)
 * @param metricsNeedToken  {@code /metrics} requires the read (or admin) token too
 * @param idleTimeout       a connection with nothing read or written for this long is closed
 * @param headerTimeout     a request's headers must arrive within this, from the connection's opening or
 *                          the end of the previous response on it (slow-header clients)
 * @param bodyTimeout       a request's body must arrive within this, from its headers (slow-body clients)
 * @param bodyBudgetBytes   request-body bytes all connections together may hold in memory; past it, 503
 * @param alertLimits       what one webhook alert and one webhook request may carry
 */
public record HttpGuards(String ingestToken, boolean metricsNeedToken, Duration idleTimeout, Duration headerTimeout,
                         Duration bodyTimeout, long bodyBudgetBytes, AlertLimits alertLimits) {
    /**
     * Defaults: 60 s idle (Prometheus and Alertmanager send every few seconds and reconnect when closed),
     * 10 s for headers and 30 s for a body (Prometheus' remote_timeout is 30 s: a sender that slow gives up
     * itself), and 64 MiB of bodies in flight: 16 full 4 MiB remote_write bodies, a quarter of a 256 MB heap.
     */
    public static final HttpGuards DEFAULTS = new HttpGuards(null, false, Duration.ofSeconds(60),
            Duration.ofSeconds(10), Duration.ofSeconds(30), 64L * 1024 * 1024, AlertLimits.DEFAULTS);

    public HttpGuards {
        if (idleTimeout.isNegative() || headerTimeout.compareTo(Duration.ofMillis(1)) < 0
                || bodyTimeout.compareTo(Duration.ofMillis(1)) < 0 || bodyBudgetBytes <= 0) {
            throw new IllegalArgumentException("timeouts must be positive (idle: zero for none), the body budget positive");
        }
    }

    public HttpGuards withIngestToken(String token, boolean protectMetrics) {
        return new HttpGuards(token, protectMetrics, idleTimeout, headerTimeout, bodyTimeout, bodyBudgetBytes, alertLimits);
    }

    public HttpGuards withTimeouts(Duration idle, Duration header, Duration body) {
        return new HttpGuards(ingestToken, metricsNeedToken, idle, header, body, bodyBudgetBytes, alertLimits);
    }

    public HttpGuards withBodyBudget(long bytes) {
        return new HttpGuards(ingestToken, metricsNeedToken, idleTimeout, headerTimeout, bodyTimeout, bytes, alertLimits);
    }

    public HttpGuards withAlertLimits(AlertLimits limits) {
        return new HttpGuards(ingestToken, metricsNeedToken, idleTimeout, headerTimeout, bodyTimeout, bodyBudgetBytes, limits);
    }
}
