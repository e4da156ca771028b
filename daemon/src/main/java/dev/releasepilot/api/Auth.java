package dev.releasepilot.api;

import dev.releasepilot.http.HttpErrors;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Token checks. Reads are open unless a read token is configured; control endpoints are closed unless an
 * admin token is configured (safe by default); the admin token also grants reads. The receivers
 * (webhook, remote_write) are open unless an ingest token is configured.
 *
 * <p>A token is accepted as {@code Authorization: Bearer <token>} or as the password of
 * {@code Authorization: Basic} (any user name): those are what Alertmanager's {@code http_config}
 * ({@code authorization}, {@code basic_auth}) and Prometheus' remote_write and scrape configs send.
 * Reads also accept the session cookie set by the status page's sign-in ({@link #SESSION_COOKIE}):
 * it holds a hash of the read token, never the token, and is {@code HttpOnly; SameSite=Strict}, so
 * it is neither readable by scripts nor sent by other sites. Control endpoints never take the cookie.
 */
public final class Auth {
    public static final String SESSION_COOKIE = "release_pilot_session";

    private final String readToken;
    private final String adminToken;
    private final String ingestToken;

    public Auth(String readToken, String adminToken, String ingestToken) {
        this.readToken = blankToNull(readToken);
        this.adminToken = blankToNull(adminToken);
        this.ingestToken = blankToNull(ingestToken);
    }

    public boolean readProtected() {
        return readToken != null;
    }

    public Handler<RoutingContext> read() {
        return ctx -> {
            if (canRead(ctx)) {
                ctx.next();
            } else {
                unauthorized(ctx, "this endpoint needs the read token (or the admin token) as 'Authorization: Bearer <token>'");
            }
        };
    }

    /** Whether the request may read: no read token configured, or it carries the read or admin token or the session. */
    public boolean canRead(RoutingContext ctx) {
        return readToken == null || matches(ctx, readToken) || (adminToken != null && matches(ctx, adminToken))
                || hasSession(ctx);
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

    /**
     * For a receiver: with an ingest token configured, a request without it gets 401 before its body is
     * read, and is counted as {@code release_pilot_signals_rejected_total{source, reason="unauthorized"}}.
     * A platform handler, so Vert.x Web lets it run before a body handler.
     */
    public PlatformHandler ingest(MeterRegistry registry, String source) {
        return ctx -> {
            if (ingestToken == null || matches(ctx, ingestToken)) {
                ctx.next();
                return;
            }
            registry.counter("release_pilot_signals_rejected_total", "source", source, "reason", "unauthorized").increment();
            // The body is never read: close rather than drain it.
            ctx.response().putHeader("Connection", "close");
            unauthorized(ctx, "this receiver needs the ingest token as 'Authorization: Bearer <token>' "
                    + "or as the basic-auth password");
        };
    }

    /** Checks a token submitted by the sign-in form; true for the read or the admin token. */
    public boolean isReadToken(String candidate) {
        if (candidate == null || readToken == null) {
            return false;
        }
        String c = candidate.strip();
        return same(c, readToken) || (adminToken != null && same(c, adminToken));
    }

    /** The session cookie the sign-in sets: a hash of the read token, HttpOnly, SameSite=Strict, for this site's paths. */
    public Cookie sessionCookie(boolean secure) {
        return Cookie.cookie(SESSION_COOKIE, session(readToken)).setPath("/").setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT).setSecure(secure);
    }

    private boolean hasSession(RoutingContext ctx) {
        Cookie c = ctx.request().getCookie(SESSION_COOKIE);
        return c != null && readToken != null && same(c.getValue(), session(readToken));
    }

    private static String session(String token) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(("release-pilot session\0" + token).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    private static void unauthorized(RoutingContext ctx, String message) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"release-pilot\"");
        HttpErrors.send(ctx, 401, message, null);
    }

    private static boolean matches(RoutingContext ctx, String token) {
        String h = ctx.request().getHeader("Authorization");
        if (h == null) {
            return false;
        }
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return same(h.substring(7).strip(), token);
        }
        if (h.regionMatches(true, 0, "Basic ", 0, 6)) {
            String userPass;
            try {
                userPass = new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return false;
            }
            int colon = userPass.indexOf(':');
            return colon >= 0 && same(userPass.substring(colon + 1), token);
        }
        return false;
    }

    /** Constant-time comparison: the token is a secret. */
    private static boolean same(String given, String token) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
