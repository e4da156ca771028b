package dev.releasepilot.api;

import dev.releasepilot.http.HttpErrors;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Bearer-token checks. Reads are open unless a read token is configured; control endpoints are closed
 * unless an admin token is configured (safe by default). The admin token also grants reads.
 */
public final class Auth {
    private final String readToken;
    private final String adminToken;

    public Auth(String readToken, String adminToken) {
        this.readToken = blankToNull(readToken);
        this.adminToken = blankToNull(adminToken);
    }

    public Handler<RoutingContext> read() {
        return ctx -> {
            if (readToken == null || matches(ctx, readToken) || (adminToken != null && matches(ctx, adminToken))) {
                ctx.next();
            } else {
                unauthorized(ctx, "this endpoint needs the read token (or the admin token) as 'Authorization: Bearer <token>'");
            }
        };
    }

    public Handler<RoutingContext> admin() {
        return ctx -> {
            if (adminToken == null) {
                HttpErrors.send(ctx, 403, "control endpoints are disabled: no admin token is configured",
                        "start the daemon with --admin-token-file FILE (a file holding one secret line) and send "
                                + "'Authorization: Bearer <that secret>'");
            } else if (matches(ctx, adminToken)) {
                ctx.next();
            } else {
                unauthorized(ctx, "this endpoint needs the admin token as 'Authorization: Bearer <token>'");
            }
        };
    }

    private static void unauthorized(RoutingContext ctx, String message) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"release-pilot\"");
        HttpErrors.send(ctx, 401, message, null);
    }

    private static boolean matches(RoutingContext ctx, String token) {
        String h = ctx.request().getHeader("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Constant-time comparison: the token is a secret.
        return MessageDigest.isEqual(h.substring(7).strip().getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
