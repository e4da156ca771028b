package dev.releasepilot.ingest.haproxy;

import java.time.Instant;
import java.util.List;

/**
 * How the stats poll of one HAProxy is doing, for the status API: a snapshot, immutable.
 *
 * @param up                  the last poll was answered
 * @param lastError           why the last poll failed, or what HAProxy said instead of a backend's stats
 *                            ("backend be_x: No such proxy."); null when all is well
 * @param lastSuccess         when a poll was last answered; null if never
 * @param consecutiveFailures failed polls since the last answered one
 * @param backoffMs           wait before the next attempt while down (doubles per failure up to a cap); 0 when up
 * @param workerPid           the HAProxy worker that answered last; -1 before the first answer
 * @param reloadsDetected     new HAProxy workers seen (reload or restart) since polling began
 * @param skippedTicks        ticks skipped because the previous poll was still in flight (or the event loop was late)
 * @param trackedSeries       servers and backends whose series are live
 */
public record StatsPollStatus(String address, List<String> backends, long intervalMs, boolean up, String lastError,
                              Instant lastSuccess, int consecutiveFailures, long backoffMs, long workerPid,
                              long reloadsDetected, long skippedTicks, int trackedSeries) {
    public StatsPollStatus {
        backends = List.copyOf(backends);
    }

    public io.vertx.core.json.JsonObject toJson() {
        return new io.vertx.core.json.JsonObject().put("kind", "haproxy_stats").put("address", address)
                .put("backends", new io.vertx.core.json.JsonArray(backends)).put("interval_ms", intervalMs).put("up", up)
                .put("last_error", lastError).put("last_success", lastSuccess == null ? null : lastSuccess.toString())
                .put("consecutive_failures", consecutiveFailures).put("backoff_ms", backoffMs).put("worker_pid", workerPid)
                .put("reloads_detected", reloadsDetected).put("skipped_ticks", skippedTicks).put("tracked_series", trackedSeries);
    }
}
