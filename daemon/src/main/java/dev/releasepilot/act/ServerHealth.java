package dev.releasepilot.act;

import io.vertx.core.json.JsonObject;

/**
 * Whether one server can take new requests, as its load balancer reports it, apart from its weight.
 *
 * @param up     operational and administrative state allow traffic: HAProxy op state running or
 *               starting and no maintenance or drain bit in the admin state (so also not down by a
 *               failing health check); NGINX neither {@code down} nor {@code backup}; Caddy healthy
 * @param state  the LB's own word for it, e.g. HAProxy {@code UP}, {@code MAINT}, {@code DRAIN},
 *               {@code DOWN}; NGINX {@code down}, {@code backup}
 * @param detail the raw fields it was judged from, for the journal's evidence
 */
public record ServerHealth(boolean up, String state, String detail) {
    public JsonObject toJson() {
        return new JsonObject().put("up", up).put("state", state).put("detail", detail);
    }
}
