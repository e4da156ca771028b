package dev.releasepilot.act.caddy;


import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.ActuatorContract;
import dev.releasepilot.act.Actuators;
import dev.releasepilot.act.BackendYaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Caddy;
import dev.releasepilot.peers.EndlessReply;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import dev.releasepilot.rules.backend.CaddyBackend;
import java.nio.file.Path;

/** The contract against a real Caddy: PATCH the handler's upstreams, read the handler back. */
class CaddyActuatorContractTest extends ActuatorContract {
    private Caddy caddy;

    @Override
    protected Actuator start(Path dir) {
        caddy = new Caddy(dir, stable.address(), canary.address()).start();
        CaddyBackend b = BackendYaml.parse("""
                type: caddy
                admin: %s
                handler_id: %s
                stable: [{server: "%s", weight: 3}]
                canary: [{server: "%s", weight: 1}]
                """.formatted(caddy.admin(), Caddy.HANDLER_ID, stable.address(), canary.address()));
        return Actuators.create(vertx, b);
    }

    @Override
    protected boolean makeReadsUnjudgeable() {
        return false; // the read counts the handler's entries, whatever they are
    }

    @Override
    protected Actuator withEndlessReplies(EndlessReply endless, Path dir) {
        return Actuators.create(vertx, BackendYaml.parse("""
                type: caddy
                admin: http://127.0.0.1:%d
                handler_id: %s
                stable: [{server: "%s", weight: 3}]
                canary: [{server: "%s", weight: 1}]
                timeout: 20s
                """.formatted(endless.port, Caddy.HANDLER_ID, stable.address(), canary.address())));
    }

    @Override
    protected void addUnmanagedConfig() throws Exception {
        // As an operator would with curl: a per-upstream limit on every entry.
        JsonArray upstreams = new JsonArray();
        for (String dial : new String[] {stable.address(), stable.address(), canary.address(), stable.address()}) {
            upstreams.add(new JsonObject().put("dial", dial).put("max_requests", 64));
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(caddy.admin() + "/id/" + Caddy.HANDLER_ID + "/upstreams"))
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(upstreams.encode())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    @Override
    protected void assertUnmanagedConfigKept() throws Exception {
        JsonArray upstreams = new JsonObject(caddy.get("/id/" + Caddy.HANDLER_ID).body()).getJsonArray("upstreams");
        assertTrue(!upstreams.isEmpty() && upstreams.stream().allMatch(u -> ((JsonObject) u).getInteger("max_requests", 0) == 64),
                "every entry keeps max_requests: " + upstreams);
    }

    @Override
    protected int frontendPort() {
        return caddy.frontendPort;
    }

    @Override
    protected String stableServer() {
        return stable.address();
    }

    @Override
    protected String canaryServer() {
        return canary.address();
    }

    @Override
    protected void stop() {
        caddy.close();
    }
}
