package dev.releasepilot.rules.backend;

import java.time.Duration;
import java.util.List;

/**
 * An HAProxy backend driven through the runtime API.
 *
 * @param address   {@code host:port} of a {@code stats socket ... level admin}, or the path of a unix
 *                  socket ({@code /run/haproxy/admin.sock} or {@code unix:/run/haproxy/admin.sock})
 * @param statsPoll how often ingest polls {@code show stat} for this backend's counters
 *                  ({@code haproxy_server_*}, {@code haproxy_backend_*} samples); {@link Duration#ZERO}: never
 * @param weights   {@code weights:}, optional, server → weight 1..256: what a rollback gives a stable
 *                  server (and a restore any server) that has no weight above 0 at runtime nor one
 *                  remembered from an earlier read, before falling back to the configured weight
 */
public record HaproxyBackend(String address, String backend, List<String> stable, List<String> canary,
                             Duration timeout, Duration statsPoll, java.util.Map<String, Integer> weights) implements Backend {
    public HaproxyBackend {
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
        weights = java.util.Map.copyOf(weights);
    }

    /** A backend without {@code weights:}. */
    public HaproxyBackend(String address, String backend, List<String> stable, List<String> canary,
                          Duration timeout, Duration statsPoll) {
        this(address, backend, stable, canary, timeout, statsPoll, java.util.Map.of());
    }

    /** A backend whose counters are not polled (the rule file has no {@code stats_poll:}). */
    public HaproxyBackend(String address, String backend, List<String> stable, List<String> canary, Duration timeout) {
        this(address, backend, stable, canary, timeout, Duration.ZERO);
    }

    public boolean pollsStats() {
        return !statsPoll.isZero();
    }

    @Override
    public List<String> stableServers() {
        return stable;
    }

    @Override
    public List<String> canaryServers() {
        return canary;
    }

    @Override
    public String kind() {
        return "haproxy";
    }

    public boolean isUnixSocket() {
        return address.startsWith("/") || address.startsWith("unix:");
    }

    public String socketPath() {
        return address.startsWith("unix:") ? address.substring("unix:".length()) : address;
    }
}
