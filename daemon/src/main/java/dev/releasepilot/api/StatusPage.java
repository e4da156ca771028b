package dev.releasepilot.api;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * {@code /}: a small self-refreshing page over {@code /api/v1/services}. No build step, no framework.
 *
 * <p>With a read token configured, a browser without it gets a sign-in form instead (401): the token is
 * posted in the form body to {@code /-/sign-in} (never in a URL, so it stays out of history and logs)
 * and exchanged for the session cookie of {@link Auth#sessionCookie}. Both pages send a
 * Content-Security-Policy that allows only their own inline style and script (by hash) and requests to
 * this origin, and {@code X-Content-Type-Options: nosniff}.
 */
public final class StatusPage {
    public static final String SIGN_IN_PATH = "/-/sign-in";
    private static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Release Pilot</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
            .ROLLED_BACK,.ROLLING_BACK{background:#fdd}.STEADY,.CANARY{background:#dfd}.PAUSED{background:#ffd}
            code{font-size:.9em}
            </style></head><body>
            <h1>Release Pilot</h1>
            <table id="s"><thead><tr><th>service</th><th>state</th><th>weights</th><th>last decision</th><th>firing alerts</th></tr></thead><tbody></tbody></table>
            <p><small>Data: <a href="/api/v1/services">/api/v1/services</a>, <a href="/api/v1/decisions">/api/v1/decisions</a>, <a href="/metrics">/metrics</a>. Refreshes every 2 s.</small></p>
            <script>
            function esc(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]))}
            async function load(){
              const r=await fetch('/api/v1/services');const j=await r.json();const tb=document.querySelector('#s tbody');
              tb.innerHTML=(j.services||[]).map(s=>{
                const w=s.weights?Object.entries(s.weights).map(([k,v])=>esc(k)+'='+v.weight).join(' '):esc(s.weights_error||'?');
                const d=s.last_decision?esc(s.last_decision.kind+' @ '+s.last_decision.at+': '+s.last_decision.reason):'';
                return '<tr><td>'+esc(s.name)+(s.dry_run?' (dry run)':'')+'</td><td class="'+esc(s.state)+'">'+esc(s.state)+'</td><td><code>'+w+'</code></td><td>'+d+'</td><td>'+s.firing_alerts.length+'</td></tr>'}).join('');
            }
            load();setInterval(load,2000);
            </script></body></html>
            """;

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

    /** Only the page's own inline style and script run, and it talks to this origin only. */
    static final String PAGE_CSP = "default-src 'none'; style-src '" + sha256(inline(PAGE, "<style>", "</style>"))
            + "'; script-src '" + sha256(inline(PAGE, "<script>", "</script>"))
            + "'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    static final String SIGN_IN_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final Auth auth;

    public StatusPage(Auth auth) {
        this.auth = auth;
    }

    /** Mounts {@code GET /} and the sign-in form's target. */
    public void mount(Router router) {
        router.get("/").handler(this::page);
        router.post(SIGN_IN_PATH).handler(BodyHandler.create(false).setBodyLimit(4 * 1024)).handler(this::signIn);
    }

    private void page(RoutingContext ctx) {
        if (!auth.canRead(ctx)) {
            signInForm(ctx, 401, "This status page needs the read token.");
            return;
        }
        html(ctx, 200, PAGE_CSP, PAGE);
    }

    private void signIn(RoutingContext ctx) {
        if (!auth.readProtected()) {
            ctx.response().setStatusCode(303).putHeader("Location", "/").end();
            return;
        }
        String token = ctx.request().getFormAttribute("token");
        if (!auth.isReadToken(token)) {
            signInForm(ctx, 401, "That token is not the read token.");
            return;
        }
        ctx.response().addCookie(auth.sessionCookie(ctx.request().isSSL()));
        ctx.response().setStatusCode(303).putHeader("Location", "/").end();
    }

    private static void signInForm(RoutingContext ctx, int status, String message) {
        html(ctx, status, SIGN_IN_CSP, SIGN_IN.formatted(message));
    }

    private static void html(RoutingContext ctx, int status, String csp, String body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Content-Security-Policy", csp).putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Cache-Control", "no-store").putHeader("Referrer-Policy", "no-referrer").end(body);
    }

    private static String inline(String page, String open, String close) {
        int from = page.indexOf(open) + open.length();
        return page.substring(from, page.indexOf(close, from));
    }

    /** A CSP source expression for an inline element: its content's SHA-256, base64 (CSP Level 2). */
    private static String sha256(String content) {
        try {
            return "sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(content.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
