package dev.releasepilot.api;

import io.vertx.ext.web.RoutingContext;

/** {@code /}: a small self-refreshing page over {@code /api/v1/services}. No build step, no framework. */
public final class StatusPage {
    private static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Release Pilot</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
            .ROLLED_BACK,.ROLLING_BACK{background:#fdd}.ROLLBACK_BLOCKED{background:#f99;font-weight:bold}.STEADY,.CANARY{background:#dfd}.PAUSED{background:#ffd}
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

    private StatusPage() {
    }

    public static void serve(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(PAGE);
    }
}
