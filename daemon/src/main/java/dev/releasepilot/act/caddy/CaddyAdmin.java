package dev.releasepilot.act.caddy;

import dev.releasepilot.act.HttpCall;
import dev.releasepilot.rules.backend.CaddyBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Calls to one Caddy admin endpoint the way it demands: over TCP or a unix socket ({@code unix//path}),
 * with the configured {@code Origin} header (for {@code enforce_origin}), each call on a fresh connection
 * (Caddy restarts its admin server on every config load and drops idle connections, so a pooled one can
 * be closed under the next request; loopback makes a new one cheap). Replies are capped at
 * {@link HttpCall#MAX_BODY}.
 */
final class CaddyAdmin {
    private final CaddyBackend config;
    private final HttpCall http;
    private final Map<String, String> headers;
    private final Map<String, String> jsonHeaders;

    CaddyAdmin(Vertx vertx, CaddyBackend config) {
        this.config = config;
        this.http = new HttpCall(vertx, "Caddy admin API", config.timeout(), false, config.adminSocket().orElse(null));
        Map<String, String> h = new LinkedHashMap<>();
        config.origin().ifPresent(o -> h.put("Origin", o));
        if (config.adminSocket().isPresent()) {
            // Caddy checks the Host of admin requests; on a unix socket it allows the empty Host of RFC 7230
            // §5.4 (a URI without a host), unless admin.origins lists others.
            h.put("Host", "");
        }
        this.headers = Map.copyOf(h);
        h.put("Content-Type", "application/json");
        this.jsonHeaders = Map.copyOf(h);
    }

    /** @param path e.g. {@code /id/rp_checkout} */
    Future<HttpCall.Reply> get(String path) {
        return http.send("GET", config.adminUrl() + path, headers, null);
    }

    Future<HttpCall.Reply> send(String method, String path, String json) {
        return http.send(method, config.adminUrl() + path, jsonHeaders, json);
    }

    /** The address and path as messages show them, e.g. {@code http://127.0.0.1:2019/id/x} or {@code unix//run/a.sock /id/x}. */
    String where(String path) {
        return config.adminSocket().isPresent() ? config.admin() + " " + path : config.admin() + path;
    }
}
