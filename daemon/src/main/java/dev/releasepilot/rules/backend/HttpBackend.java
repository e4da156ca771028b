package dev.releasepilot.rules.backend;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Any load balancer with an HTTP API: one templated request applies the weights; an optional second
 * request reads them back and a {@link JsonCheck} on its reply proves they are live.
 *
 * @param read without it, a 2xx to {@code request} is taken as applied (nothing is verified)
 */
public record HttpBackend(List<WeightedServer> stable, List<WeightedServer> canary, HttpRequestTemplate request,
                          Optional<ReadBack> read, Duration timeout) implements WeightedBackend {
    public HttpBackend {
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
    }

    /** The read-back request and what its JSON reply must show. */
    public record ReadBack(HttpRequestTemplate request, JsonCheck expect, java.util.Map<String, JsonCheck> healthy) {
        /**
         * @param healthy per server (a name from {@code stable}/{@code canary}), a check on the same reply
         *                that holds while that server can serve ({@code read.healthy}); empty: no health check
         */
        public ReadBack {
            healthy = java.util.Map.copyOf(healthy);
        }

        public ReadBack(HttpRequestTemplate request, JsonCheck expect) {
            this(request, expect, java.util.Map.of());
        }
    }

    @Override
    public String kind() {
        return "http";
    }
}
