package dev.releasepilot.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code /}: the live status page, static files in the jar ({@code status/} on the classpath: HTML, one
 * script, one style sheet; no build step, no framework) fed by {@link LiveFeed}'s event stream.
 */
public final class StatusPage {
    /** Only the page's own files run, and it talks to this origin only. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final Buffer INDEX = resource("status/index.html");

    private StatusPage() {
    }

    /** Mounts {@code GET /} and the page's files under {@code /status/}, each behind {@code read}. */
    public static void mount(Router router, Auth auth) {
        router.get("/").handler(auth.read()).handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/html; charset=utf-8").putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Content-Type-Options", "nosniff").putHeader("Cache-Control", "no-store")
                .end(INDEX));
        router.get("/status/*").handler(ctx -> {
            ctx.response().putHeader("X-Content-Type-Options", "nosniff");
            ctx.next();
        }).handler(StaticHandler.create("status").setCachingEnabled(false).setDirectoryListing(false));
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
