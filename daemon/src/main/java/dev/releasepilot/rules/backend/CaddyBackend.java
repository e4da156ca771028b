package dev.releasepilot.rules.backend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A Caddy 2 {@code reverse_proxy} handler, shifted through the admin API. Caddy 2.6 has no weights, so
 * a ratio is expressed by repeating upstream entries under the {@code round_robin} policy.
 *
 * @param admin      the admin API address as Caddy writes it: a base URL such as
 *                   {@code http://127.0.0.1:2019}, or {@code unix//run/caddy/admin.sock} for a unix socket
 * @param origin     sent as the {@code Origin} header of every admin call, for an admin endpoint with
 *                   {@code enforce_origin} (it must be one of Caddy's {@code admin.origins})
 * @param handlerId  the handler's {@code @id}; only its {@code upstreams} sub-path is ever written, so
 *                   the id survives every shift
 * @param maxEntries the most upstream entries a ratio may use (≤ 20); also its granularity (1/maxEntries)
 */
public record CaddyBackend(String admin, Optional<String> origin, String handlerId, List<WeightedServer> stable,
                           List<WeightedServer> canary, int maxEntries, Duration timeout) implements WeightedBackend {
    public static final int MAX_ENTRIES_LIMIT = 20;
    /** Caddy's prefix for a unix socket admin address ({@code unix//path}: the path keeps its own slash). */
    public static final String UNIX_PREFIX = "unix/";

    public CaddyBackend {
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
    }

    /** The unix socket of a {@code unix//path} admin address; empty for an http(s) URL. */
    public Optional<Path> adminSocket() {
        return admin.startsWith(UNIX_PREFIX) ? Optional.of(Path.of(admin.substring(UNIX_PREFIX.length()))) : Optional.empty();
    }

    /**
     * The base URL admin requests are written against: the admin URL itself, or for a unix socket
     * {@code http://localhost} (the request goes over the socket; only its path matters to Caddy).
     */
    public String adminUrl() {
        return adminSocket().isPresent() ? "http://localhost" : admin;
    }

    @Override
    public String kind() {
        return "caddy";
    }
}
