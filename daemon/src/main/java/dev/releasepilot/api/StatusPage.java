package dev.releasepilot.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code /}: the live status page, static files in the jar ({@code status/} on the classpath: HTML, one
 * script, one style sheet; no build step, no framework) fed by {@link LiveFeed}'s event stream.
 *
 * <p>With a read token configured, a browser without it gets a sign-in form instead (401): the token is
 * posted in the form body to {@value #SIGN_IN_PATH} (never in a URL, so it stays out of history and
 * logs) and exchanged for the session cookie of {@link Auth#sessionCookie}, which the page's own
 * requests then carry. Both pages send a Content-Security-Policy and {@code X-Content-Type-Options: nosniff}.
 */
public final class StatusPage {
    public static final String SIGN_IN_PATH = "/-/sign-in";
    /** Only the page's own files run, and it talks to this origin only. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    static final String SIGN_IN_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final Buffer INDEX = resource("status/index.html");
    private static final String SIGN_IN = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Release Pilot: sign in</title></head><body>
            <h1>Release Pilot</h1>
            <p>%s</p>
            <form method="post" action="/-/sign-in">
            <label>Read token <input type="password" name="token" autocomplete="current-password" autofocus></label>
            <button type="submit">Sign in</button>
            </form></body></html>
            """;

    private StatusPage() {
    }

    /** Mounts {@code GET /}, the sign-in form's target and the page's files under {@code /status/}. */
    public static void mount(Router router, Auth auth) {
        router.get("/").handler(ctx -> {
            if (!auth.canRead(ctx)) {
                signInForm(ctx, 401, "This status page needs the read token.");
                return;
            }
            ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").putHeader("Content-Security-Policy", CSP)
                    .putHeader("X-Content-Type-Options", "nosniff").putHeader("Cache-Control", "no-store").end(INDEX);
        });
        router.post(SIGN_IN_PATH).handler(BodyHandler.create(false).setBodyLimit(4 * 1024))
                .handler(ctx -> signIn(ctx, auth));
        router.get("/status/*").handler(ctx -> {
            ctx.response().putHeader("X-Content-Type-Options", "nosniff");
            ctx.next();
        }).handler(StaticHandler.create("status").setCachingEnabled(false).setDirectoryListing(false));
    }

    private static void signIn(RoutingContext ctx, Auth auth) {
        if (!auth.readProtected()) {
            ctx.response().setStatusCode(303).putHeader("Location", "/").end();
            return;
        }
        if (!auth.isReadToken(ctx.request().getFormAttribute("token"))) {
            signInForm(ctx, 401, "That token is not the read token.");
            return;
        }
        ctx.response().addCookie(auth.sessionCookie(ctx.request().isSSL()));
        ctx.response().setStatusCode(303).putHeader("Location", "/").end();
    }

    private static void signInForm(RoutingContext ctx, int status, String message) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Content-Security-Policy", SIGN_IN_CSP).putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Cache-Control", "no-store").putHeader("Referrer-Policy", "no-referrer")
                .end(SIGN_IN.formatted(message));
    }

    private static Buffer resource(String path) {
        try (InputStream in = StatusPage.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the jar");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
