package dev.releasepilot.rules.backend;


import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.Problem;
import dev.releasepilot.rules.RuleLoader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackendParserTest {
    private static LoadResult load(String backend) {
        StringBuilder yaml = new StringBuilder("services:\n  - name: checkout\n    backend:\n");
        backend.strip().lines().forEach(l -> yaml.append("      ").append(l).append('\n'));
        yaml.append("    triggers:\n      - name: paged\n        alert: '{alertname=\"X\"}'\n");
        return RuleLoader.parse("r.yaml", yaml.toString());
    }

    private static String errors(LoadResult r) {
        return String.join("\n", r.errors().stream().map(Problem::toString).toList());
    }

    @Test
    void theExampleFileHoldsOneServicePerKind() {
        LoadResult r = RuleLoader.load(Path.of("../rules/backends-example.yaml"));
        assertTrue(r.ok(), errors(r));
        List<String> kinds = r.rules().services().stream().map(s -> s.backend().kind()).toList();
        assertEquals(List.of("haproxy", "nginx", "caddy", "http", "exec"), kinds);
    }

    @Test
    void nginxDefaults() {
        LoadResult r = load("""
                type: nginx
                upstream_file: /etc/nginx/rp/checkout.upstream.conf
                generation_file: /etc/nginx/rp/checkout.gen.conf
                generation_url: http://127.0.0.1:8099/__rp_gen/checkout
                stable: [{server: 127.0.0.1:8081, weight: 95}]
                canary: [{server: 127.0.0.1:8082}]
                """);
        assertTrue(r.ok(), errors(r));
        NginxBackend b = assertInstanceOf(NginxBackend.class, r.rules().services().get(0).backend());
        assertEquals("/usr/sbin/nginx", b.nginx());
        assertEquals(Optional.empty(), b.prefix());
        assertEquals(Duration.ofSeconds(2), b.timeout());
        assertEquals(Duration.ofSeconds(5), b.verifyTimeout());
        assertEquals(List.of(new WeightedServer("127.0.0.1:8082", 1)), b.canary());
    }

    @Test
    void caddyAndExecDefaults() {
        CaddyBackend c = (CaddyBackend) load("""
                type: caddy
                admin: http://127.0.0.1:2019/
                handler_id: rp_checkout
                stable: [{server: 127.0.0.1:8081, weight: 95}]
                canary: [{server: 127.0.0.1:8082, weight: 5}]
                """).rules().services().get(0).backend();
        assertEquals(20, c.maxEntries());
        assertEquals("http://127.0.0.1:2019", c.admin());
        ExecBackend e = (ExecBackend) load("""
                type: exec
                command: /usr/local/bin/shift
                stable: [{server: a}]
                canary: [{server: b}]
                """).rules().services().get(0).backend();
        assertEquals(Duration.ofSeconds(10), e.timeout());
        assertEquals(List.of(), e.args());
    }

    @Test
    void httpDefaultsAndTemplates() {
        HttpBackend h = (HttpBackend) load("""
                type: http
                stable: [{server: a}]
                canary: [{server: b}]
                request:
                  url: http://lb/api/${service}
                  body: '{"w": ${weights}}'
                read:
                  url: http://lb/api/${service}
                  expect: '$.w.b == ${canary_weight}'
                """).rules().services().get(0).backend();
        assertEquals("POST", h.request().method());
        assertEquals("GET", h.read().orElseThrow().request().method());
        assertTrue(h.request().url().uses("service"));
        assertEquals(List.of(new JsonCheck.Key("w"), new JsonCheck.Key("b")), h.read().orElseThrow().expect().path());
    }

    @Test
    void everyProblemIsReportedWithItsPosition() {
        LoadResult r = load("""
                type: caddy
                admin: localhost:2019
                handler_id: rp/checkout
                stable: [{server: s, wieght: 2}]
                canary: [{server: s}]
                max_entries: 30
                """);
        String e = errors(r);
        assertTrue(e.contains("r.yaml:5:14: admin must be an http:// or https:// URL"), e);
        assertTrue(e.contains("r.yaml:6:19: handler_id may only hold"), e);
        assertTrue(e.contains("r.yaml:7:28: unknown key 'wieght'"), e);
        assertTrue(e.contains("r.yaml:9:20: max_entries must be a whole number from 1 to 20"), e);
    }

    @Test
    void templateAndCheckMistakesPointAtTheCharacter() {
        LoadResult r = load("""
                type: http
                stable: [{server: a}]
                canary: [{server: b}]
                request:
                  url: http://lb/${servce}
                  body: '{"w": "${weights}"'
                read:
                  url: http://lb/
                  expect: '$.a[x] == ${canary_weight}'
                """);
        String e = errors(r);
        assertTrue(e.contains("r.yaml:8:24: request url: unknown placeholder '${servce}'"), e);
        assertTrue(e.contains("r.yaml:9:15: request body is not JSON"), e);
        assertTrue(e.contains("r.yaml:12:22: expect: expected an index"), e);
    }

    @Test
    void anNginxIncludeThatCannotBeEditedSafelyIsAnErrorAtItsOwnPosition(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path include = dir.resolve("checkout.upstream.conf");
        java.nio.file.Files.writeString(include, "server 127.0.0.1:8081 weight=3 max_fails=0;\nserver 127.0.0.1:9 backup;\n"
                + "  keepalive 8; server 127.0.0.1:8082;\n");
        String backend = """
                type: nginx
                upstream_file: %s
                generation_file: /etc/nginx/rp/g.conf
                generation_url: http://127.0.0.1:8099/__rp_gen/checkout
                stable: [{server: 127.0.0.1:8081}]
                canary: [{server: 127.0.0.1:8082}]
                """.formatted(include);
        String e = errors(load(backend));
        assertTrue(e.contains(include + ":3:16: a server directive must stand alone on one line"), e);
        java.nio.file.Files.writeString(include, "server 127.0.0.1:8081 weight=3 max_fails=0;\nserver 127.0.0.1:9 backup;\n");
        assertTrue(load(backend).ok(), "backup servers and parameters the rule does not own are fine");
    }

    @Test
    void caddyAdminTakesCaddysUnixSocketFormAndAnOrigin() {
        LoadResult ok = load("""
                type: caddy
                admin: unix//run/caddy/admin.sock
                origin: http://localhost:2019
                handler_id: rp
                stable: [{server: "127.0.0.1:9081"}]
                canary: [{server: "127.0.0.1:9082"}]
                """);
        assertTrue(ok.ok(), errors(ok));
        CaddyBackend b = (CaddyBackend) ok.rules().services().get(0).backend();
        assertEquals(Optional.of(Path.of("/run/caddy/admin.sock")), b.adminSocket());
        assertEquals(Optional.of("http://localhost:2019"), b.origin());
        assertEquals("http://localhost", b.adminUrl());
        String e = errors(load("""
                type: caddy
                admin: unix/run/caddy/admin.sock
                origin: localhost:2019
                handler_id: rp
                stable: [{server: "127.0.0.1:9081"}]
                canary: [{server: "127.0.0.1:9082"}]
                """));
        assertTrue(e.contains("r.yaml:5:14: a unix socket admin address is written as Caddy writes it, unix//absolute/path"), e);
        assertTrue(e.contains("r.yaml:6:15: origin is sent as the Origin header: scheme://host[:port]"), e);
    }

    @Test
    void nginxAddressesThatWouldBreakTheConfigAreRejected() {
        LoadResult r = load("""
                type: nginx
                upstream_file: /etc/nginx/rp/u.conf
                generation_file: /etc/nginx/rp/u.conf
                generation_url: http://127.0.0.1:8099/
                stable: [{server: "127.0.0.1:8081; include /etc/passwd"}]
                canary: [{server: 127.0.0.1:8082}]
                """);
        String e = errors(r);
        assertTrue(e.contains("generation_file must differ from upstream_file"), e);
        assertTrue(e.contains("generation_url needs a plain path"), e);
        assertTrue(e.contains("would break the NGINX config"), e);
        assertTrue(errors(load("""
                type: caddy
                admin: http://127.0.0.1:2019
                handler_id: rp
                stable: [{server: "127.0.0.1:99999"}]
                canary: [{server: "127.0.0.1"}]
                """)).contains("server '127.0.0.1' must be host:port with a port from 1 to 65535"));
    }

    @Test
    void execCommandsMustBeAbsoluteAndCheckMustDependOnWeights() {
        assertTrue(errors(load("""
                type: exec
                command: shift.sh
                stable: [{server: a}]
                canary: [{server: b}]
                """)).contains("command must be an absolute path"));
        assertTrue(errors(load("""
                type: http
                stable: [{server: a}]
                canary: [{server: b}]
                request: {url: "http://lb/"}
                read: {url: "http://lb/", expect: '$.ok == true'}
                """)).contains("expect must compare against ${canary_weight}"));
    }

    @Test
    void laterKindsSayNotYet() {
        assertTrue(errors(load("type: kubernetes")).contains("backend type 'kubernetes' is not supported yet"));
        assertTrue(errors(load("type: envoy")).contains("unknown backend type 'envoy'"));
    }
}
