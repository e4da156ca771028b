package dev.releasepilot.peers;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A small load balancer with an HTTP API, playing the part of "any LB with an API" for the http
 * actuator: it really proxies (smooth weighted round robin, weight 0 = no traffic), so tests count where
 * traffic went, and its API is what such LBs typically offer:
 * <pre>
 *   PUT /api/pools/{pool}   {"weights": {"stable": 3, "canary": 1}, ...}   → 200 {"ok": true}; unknown server → 400
 *   GET /api/pools/{pool}   → {"name": pool, "servers": [{"name": "stable", "address": ..., "weight": 3, "state": "up"}, ...]}
 * </pre>
 * {@link #failWith} makes the API answer an error status, for fault tests; {@link #maintenance} takes a
 * server out of rotation whatever its weight (its state says {@code "maint"}), as real LBs allow.
 */
public final class ToyLoadBalancer implements AutoCloseable {
    public final int apiPort;
    public final int frontendPort;
    private final String pool;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Integer> weights = new ConcurrentHashMap<>();
    private final Map<String, Integer> current = new ConcurrentHashMap<>();
    private final java.util.Set<String> maintenance = ConcurrentHashMap.newKeySet();
    private final HttpServer api;
    private final HttpServer frontend;
    private final HttpClient client;
    private volatile int failStatus;
    private volatile JsonObject lastBody;
    private volatile Map<String, String> lastHeaders = Map.of();
    private final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();

    /** @param servers name → upstream port, in the order the pool lists them, all at weight 1 */
    public ToyLoadBalancer(Vertx vertx, String pool, Map<String, Integer> servers) {
        this.pool = pool;
        this.ports.putAll(servers);
        servers.keySet().forEach(s -> {
            weights.put(s, 1);
            current.put(s, 0);
        });
        this.client = vertx.createHttpClient();
        try {
            this.api = vertx.createHttpServer().requestHandler(this::api).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
            this.frontend = vertx.createHttpServer().requestHandler(this::proxy).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot start the toy load balancer", e);
        }
        this.apiPort = api.actualPort();
        this.frontendPort = frontend.actualPort();
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + apiPort;
    }

    /** Makes every API call answer {@code status} (0: back to normal). */
    public void failWith(int status) {
        this.failStatus = status;
    }

    public JsonObject lastBody() {
        return lastBody;
    }

    public Map<String, String> lastHeaders() {
        return lastHeaders;
    }

    /** GETs of the pool the API answered. */
    public int reads() {
        return reads.get();
    }

    /** PUTs the API accepted. */
    public int writes() {
        return writes.get();
    }

    /** Sets weights as an operator would by hand, outside any actuator. */
    public void setWeights(Map<String, Integer> w) {
        weights.putAll(w);
    }

    /** Takes {@code server} out of rotation (true) or puts it back (false). */
    public void maintenance(String server, boolean on) {
        if (on) {
            maintenance.add(server);
        } else {
            maintenance.remove(server);
        }
    }

    public Map<String, Integer> weights() {
        return Map.copyOf(weights);
    }

    private void api(HttpServerRequest req) {
        String path = "/api/pools/" + pool;
        req.body().onSuccess(body -> {
            if (failStatus != 0) {
                req.response().setStatusCode(failStatus).end(new JsonObject().put("error", "injected failure").encode());
                return;
            }
            if (!req.path().equals(path)) {
                req.response().setStatusCode(404).end(new JsonObject().put("error", "no pool at " + req.path()).encode());
                return;
            }
            if (req.method() == HttpMethod.GET) {
                reads.incrementAndGet();
                req.response().putHeader("Content-Type", "application/json").end(state().encode());
                return;
            }
            if (req.method() != HttpMethod.PUT) {
                req.response().setStatusCode(405).end();
                return;
            }
            JsonObject json;
            try {
                json = body.toJsonObject();
            } catch (RuntimeException e) {
                req.response().setStatusCode(400).end(new JsonObject().put("error", "body is not JSON").encode());
                return;
            }
            JsonObject w = json.getJsonObject("weights", new JsonObject());
            for (String s : w.fieldNames()) {
                if (!ports.containsKey(s) || !(w.getValue(s) instanceof Integer)) {
                    req.response().setStatusCode(400).end(new JsonObject().put("error", "bad server or weight: " + s).encode());
                    return;
                }
            }
            lastBody = json;
            writes.incrementAndGet();
            Map<String, String> headers = new LinkedHashMap<>();
            req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
            lastHeaders = headers;
            w.fieldNames().forEach(s -> weights.put(s, w.getInteger(s)));
            req.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("ok", true).encode());
        });
    }

    private JsonObject state() {
        JsonArray servers = new JsonArray();
        ports.forEach((name, port) -> servers.add(new JsonObject().put("name", name)
                .put("address", "127.0.0.1:" + port).put("weight", weights.get(name))
                .put("state", maintenance.contains(name) ? "maint" : "up")));
        return new JsonObject().put("name", pool).put("servers", servers);
    }

    /** Smooth weighted round robin (NGINX's algorithm): runs on the frontend's event loop only. */
    private String pick() {
        int total = 0;
        String best = null;
        for (String s : ports.keySet()) {
            int w = weights.get(s);
            if (w <= 0 || maintenance.contains(s)) {
                continue;
            }
            total += w;
            current.merge(s, w, Integer::sum);
            if (best == null || current.get(s) > current.get(best)) {
                best = s;
            }
        }
        if (best != null) {
            current.merge(best, -total, Integer::sum);
        }
        return best;
    }

    private void proxy(HttpServerRequest req) {
        String server = pick();
        if (server == null) {
            req.response().setStatusCode(503).end("no server with weight > 0");
            return;
        }
        client.request(HttpMethod.GET, ports.get(server), "127.0.0.1", "/")
                .compose(r -> r.send())
                .compose(r -> r.body())
                .onSuccess(b -> req.response().end(b))
                .onFailure(e -> req.response().setStatusCode(502).end(e.toString()));
    }

    @Override
    public void close() {
        try {
            api.close().await(10, TimeUnit.SECONDS);
            frontend.close().await(10, TimeUnit.SECONDS);
            client.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
