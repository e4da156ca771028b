package dev.releasepilot.rules.backend;

import java.time.Duration;
import java.util.List;

/**
 * A Caddy 2 {@code reverse_proxy} handler, shifted through the admin API. Caddy 2.6 has no weights, so
 * a ratio is expressed by repeating upstream entries under the {@code round_robin} policy.
 *
 * @param admin      the admin API base URL, e.g. {@code http://127.0.0.1:2019}
 * @param handlerId  the handler's {@code @id}; only its {@code upstreams} sub-path is ever written, so
 *                   the id survives every shift
 * @param maxEntries the most upstream entries a ratio may use (≤ 20); also its granularity (1/maxEntries)
 */
public record CaddyBackend(String admin, String handlerId, List<WeightedServer> stable, List<WeightedServer> canary,
                           int maxEntries, Duration timeout) implements WeightedBackend {
    public static final int MAX_ENTRIES_LIMIT = 20;

    public CaddyBackend {
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
    }

    @Override
    public String kind() {
        return "caddy";
    }
}
