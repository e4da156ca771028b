package dev.releasepilot.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The one JSON error shape of the HTTP surface, {@code {"error": "...", "detail": ...}}: shared by the
 * receivers (ingest) and the API, which is why it lives in neither.
 */
public final class HttpErrors {
    private HttpErrors() {
    }

    public static void send(RoutingContext ctx, int status, String error, Object detail) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", error).put("detail", detail).encode());
    }
}
