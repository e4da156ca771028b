package dev.releasepilot.rules.backend;


import dev.releasepilot.rules.SyntaxError;
import dev.releasepilot.rules.YamlNodes;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Parses a service's {@code backend:} mapping into one {@link Backend} record per LB kind: strict keys,
 * defaults, and checks that catch at load time what the LB would otherwise reject at rollback time
 * (weights, addresses that would break an NGINX config, placeholders that do not exist, bodies that are
 * not JSON). The keys are documented in docs/backends.md.
 */
public final class BackendParser {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_EXEC_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_NGINX_VERIFY_TIMEOUT = Duration.ofSeconds(5);
    public static final String DEFAULT_NGINX = "/usr/sbin/nginx";

    private static final Set<String> HAPROXY = ordered("type", "address", "backend", "stable", "canary", "timeout",
            "stats_poll", "weights");
    private static final Set<String> NGINX = ordered("type", "upstream_file", "generation_file", "generation_url",
            "stable", "canary", "nginx", "prefix", "config", "timeout", "verify_timeout");
    private static final Set<String> CADDY = ordered("type", "admin", "origin", "handler_id", "stable", "canary",
            "max_entries", "timeout");
    private static final Set<String> HTTP = ordered("type", "stable", "canary", "request", "read", "timeout");
    private static final Set<String> EXEC = ordered("type", "command", "args", "stable", "canary", "timeout",
            "health_check");
    private static final Set<String> REQUEST = ordered("method", "url", "headers", "body");
    private static final Set<String> READ = ordered("method", "url", "headers", "expect", "healthy");
    private static final Set<String> SERVER = ordered("server", "weight");
    private static final List<String> KINDS = List.of("haproxy", "nginx", "caddy", "http", "exec");
    private static final Set<String> LATER = Set.of("kubernetes", "gateway-api");
    private static final Set<String> METHODS = ordered("GET", "POST", "PUT", "PATCH", "DELETE");
    /** Characters that could end an NGINX directive or string early: never let them into a config. */
    private static final String NGINX_UNSAFE = " \t\r\n;{}\"'#$\\";
    /** What each placeholder looks like when load-time checks render a template. */
    private static final Map<String, String> SAMPLE = Map.of("service", "checkout", "command", "rollback",
            "reason", "rollback", "weights", "{\"stable1\":100,\"canary1\":0}", "canary_weight", "0",
            "stable_weight", "100");

    private BackendParser() {
    }

    public static Backend parse(YamlNodes y, Node n) {
        if (!(n instanceof MappingNode)) {
            y.error(n, "backend must be a mapping");
            return null;
        }
        Node typeNode = YamlNodes.peek(n, "type");
        if (typeNode == null) {
            y.error(n, "backend is missing required key 'type' (one of " + String.join(", ", KINDS) + ")");
            return null;
        }
        String type = y.string(typeNode, "backend type");
        if (type == null) {
            return null;
        }
        if (LATER.contains(type)) {
            y.error(typeNode, "backend type '" + type + "' is not supported yet (supported: " + String.join(", ", KINDS) + ")");
            return null;
        }
        int before = y.errorCount();
        Backend b;
        switch (type) {
            case "haproxy":
                b = haproxy(y, n);
                break;
            case "nginx":
                b = nginx(y, n);
                break;
            case "caddy":
                b = caddy(y, n);
                break;
            case "http":
                b = http(y, n);
                break;
            case "exec":
                b = exec(y, n);
                break;
            default:
                y.error(typeNode, "unknown backend type '" + type + "' (supported: " + String.join(", ", KINDS) + ")");
                return null;
        }
        return y.errorCount() > before ? null : b;
    }

    private static HaproxyBackend haproxy(YamlNodes y, Node n) {
        Map<String, Node> m = y.mapping(n, "an haproxy backend", HAPROXY);
        String address = string(y, n, m, "address", "haproxy backend");
        if (address != null && !address.startsWith("/") && !address.startsWith("unix:")
                && !address.matches("[^:]+:\\d{1,5}")) {
            y.error(m.get("address"), "address must be host:port or a unix socket path, got '" + address + "'");
        }
        String be = string(y, n, m, "backend", "haproxy backend");
        List<String> stable = req(y, n, m, "stable", "haproxy backend") == null ? List.of() : y.strings(m.get("stable"), "stable");
        List<String> canary = req(y, n, m, "canary", "haproxy backend") == null ? List.of() : y.strings(m.get("canary"), "canary");
        if (m.containsKey("stable") && stable.isEmpty()) {
            y.error(m.get("stable"), "stable needs at least one server");
        }
        if (m.containsKey("canary") && canary.isEmpty()) {
            y.error(m.get("canary"), "canary needs at least one server");
        }
        for (String s : canary) {
            if (stable.contains(s)) {
                y.error(m.get("canary"), "server '" + s + "' is listed as both stable and canary");
            }
        }
        Duration timeout = timeout(y, m, "timeout", DEFAULT_TIMEOUT);
        Duration statsPoll = StatsPollKey.parse(y, m);
        Map<String, Integer> weights = new LinkedHashMap<>();
        if (m.containsKey("weights")) {
            y.stringMap(m.get("weights"), "weights").forEach((server, v) -> {
                if (!stable.contains(server) && !canary.contains(server)) {
                    y.error(v, "weights: '" + server + "' is not listed in stable or canary");
                }
                Integer w = y.intInRange(v, "weights: " + server, 1, 256); // HAProxy's range; 0 would not serve
                if (w != null) {
                    weights.put(server, w);
                }
            });
        }
        if (address == null || be == null || timeout == null || statsPoll == null) {
            return null;
        }
        return new HaproxyBackend(address, be, stable, canary, timeout, statsPoll, weights);
    }

    private static NginxBackend nginx(YamlNodes y, Node n) {
        Map<String, Node> m = y.mapping(n, "an nginx backend", NGINX);
        Path upstream = absolutePath(y, n, m, "upstream_file");
        Path generation = absolutePath(y, n, m, "generation_file");
        if (upstream != null && upstream.equals(generation)) {
            y.error(m.get("generation_file"), "generation_file must differ from upstream_file");
        }
        String genUrl = string(y, n, m, "generation_url", "nginx backend");
        if (genUrl != null) {
            URI u = url(y, m.get("generation_url"), "generation_url", genUrl);
            if (u != null && !"http".equals(u.getScheme())) {
                y.error(m.get("generation_url"), "generation_url must be plain http on a local listener, got '" + genUrl + "'");
            } else if (u != null && (u.getRawPath() == null || u.getRawPath().length() < 2 || hasAny(u.getRawPath(), NGINX_UNSAFE)
                    || u.getRawQuery() != null)) {
                y.error(m.get("generation_url"), "generation_url needs a plain path such as /__rp_gen/checkout "
                        + "(it becomes an exact-match NGINX location), got '" + genUrl + "'");
            }
        }
        List<WeightedServer> stable = servers(y, n, m, "stable", "nginx backend");
        List<WeightedServer> canary = servers(y, n, m, "canary", "nginx backend");
        distinct(y, m, stable, canary);
        for (String key : List.of("stable", "canary")) {
            for (WeightedServer s : key.equals("stable") ? stable : canary) {
                if (hasAny(s.server(), NGINX_UNSAFE)) {
                    y.error(m.get(key), "server '" + s.server() + "' would break the NGINX config: use host:port or unix:/path");
                } else if (!s.server().startsWith("unix:")) {
                    checkPort(y, m.get(key), s.server());
                }
            }
        }
        String nginx = m.containsKey("nginx") ? y.string(m.get("nginx"), "nginx") : DEFAULT_NGINX;
        Optional<String> prefix = m.containsKey("prefix") ? Optional.ofNullable(y.string(m.get("prefix"), "prefix")) : Optional.empty();
        Optional<String> config = m.containsKey("config") ? Optional.ofNullable(y.string(m.get("config"), "config")) : Optional.empty();
        Duration timeout = timeout(y, m, "timeout", DEFAULT_TIMEOUT);
        Duration verify = timeout(y, m, "verify_timeout", DEFAULT_NGINX_VERIFY_TIMEOUT);
        if (upstream != null) {
            checkInclude(y, upstream, stable, canary);
        }
        if (upstream == null || generation == null || genUrl == null || nginx == null || timeout == null || verify == null) {
            return null;
        }
        return new NginxBackend(upstream, generation, genUrl, stable, canary, nginx, prefix, config, timeout, verify);
    }

    /**
     * An existing upstream include must be editable without losing what the rule does not own (see
     * {@link NginxUpstreamInclude}); a missing one is created at the first shift. Unreadable is left to
     * the actuator, which says so at start.
     */
    private static void checkInclude(YamlNodes y, Path upstream, List<WeightedServer> stable, List<WeightedServer> canary) {
        String text;
        try {
            if (!Files.isRegularFile(upstream)) {
                return;
            }
            text = Files.readString(upstream);
        } catch (IOException | UncheckedIOException e) {
            return;
        }
        Set<String> owned = new HashSet<>();
        stable.forEach(s -> owned.add(s.server()));
        canary.forEach(s -> owned.add(s.server()));
        NginxUpstreamInclude.parse(upstream.toString(), text, owned).problems().forEach(y::error);
    }

    private static CaddyBackend caddy(YamlNodes y, Node n) {
        Map<String, Node> m = y.mapping(n, "a caddy backend", CADDY);
        String admin = string(y, n, m, "admin", "caddy backend");
        if (admin != null && admin.startsWith(CaddyBackend.UNIX_PREFIX)) {
            // Caddy's own form, unix//run/caddy/admin.sock: "unix/" then an absolute path.
            if (!admin.startsWith(CaddyBackend.UNIX_PREFIX + "/") || admin.length() <= CaddyBackend.UNIX_PREFIX.length() + 1) {
                y.error(m.get("admin"), "a unix socket admin address is written as Caddy writes it, unix//absolute/path "
                        + "(e.g. unix//run/caddy/admin.sock), got '" + admin + "'");
            }
        } else if (admin != null) {
            URI u = url(y, m.get("admin"), "admin", admin);
            if (u != null && u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
                y.error(m.get("admin"), "admin is the admin endpoint's base URL without a path, e.g. http://127.0.0.1:2019, got '"
                        + admin + "'");
            }
        }
        Optional<String> origin = Optional.empty();
        if (m.containsKey("origin")) {
            String o = y.string(m.get("origin"), "origin");
            if (o != null && !o.matches("[A-Za-z][A-Za-z0-9+.-]*://[^/\\s]+")) {
                y.error(m.get("origin"), "origin is sent as the Origin header: scheme://host[:port] as listed in Caddy's "
                        + "admin.origins, e.g. http://localhost:2019, got '" + o + "'");
            }
            origin = Optional.ofNullable(o);
        }
        String id = string(y, n, m, "handler_id", "caddy backend");
        if (id != null && !id.matches("[A-Za-z0-9_.-]+")) {
            y.error(m.get("handler_id"), "handler_id may only hold letters, digits, '_', '.', '-' (it is part of /id/<handler_id>/...)");
        }
        List<WeightedServer> stable = servers(y, n, m, "stable", "caddy backend");
        List<WeightedServer> canary = servers(y, n, m, "canary", "caddy backend");
        distinct(y, m, stable, canary);
        for (String key : List.of("stable", "canary")) {
            (key.equals("stable") ? stable : canary).forEach(s -> checkPort(y, m.get(key), s.server()));
        }
        Integer max = m.containsKey("max_entries")
                ? y.intInRange(m.get("max_entries"), "max_entries", 1, CaddyBackend.MAX_ENTRIES_LIMIT)
                : Integer.valueOf(CaddyBackend.MAX_ENTRIES_LIMIT);
        if (max != null && stable.size() + canary.size() > max) {
            y.error(m.containsKey("max_entries") ? m.get("max_entries") : n, "max_entries " + max
                    + " cannot hold one entry for each of the " + (stable.size() + canary.size()) + " servers");
        }
        Duration timeout = timeout(y, m, "timeout", DEFAULT_TIMEOUT);
        if (admin == null || id == null || max == null || timeout == null) {
            return null;
        }
        return new CaddyBackend(stripSlash(admin), origin, id, stable, canary, max, timeout);
    }

    private static HttpBackend http(YamlNodes y, Node n) {
        Map<String, Node> m = y.mapping(n, "an http backend", HTTP);
        List<WeightedServer> stable = servers(y, n, m, "stable", "http backend");
        List<WeightedServer> canary = servers(y, n, m, "canary", "http backend");
        distinct(y, m, stable, canary);
        HttpRequestTemplate request = null;
        if (req(y, n, m, "request", "http backend") != null) {
            Map<String, Node> rm = y.mapping(m.get("request"), "request", REQUEST);
            request = rm == null ? null : request(y, m.get("request"), rm, "request", "POST");
        }
        Optional<HttpBackend.ReadBack> read = Optional.empty();
        if (m.containsKey("read")) {
            Node r = m.get("read");
            Map<String, Node> rm = y.mapping(r, "read", READ);
            HttpRequestTemplate readRequest = rm == null ? null : request(y, r, rm, "read", "GET");
            JsonCheck expect = rm == null || req(y, r, rm, "expect", "read") == null ? null : check(y, rm.get("expect"));
            Map<String, JsonCheck> healthy = rm == null || !rm.containsKey("healthy") ? Map.of()
                    : healthChecks(y, rm.get("healthy"), stable, canary);
            read = readRequest == null || expect == null || healthy == null ? Optional.empty()
                    : Optional.of(new HttpBackend.ReadBack(readRequest, expect, healthy));
        }
        Duration timeout = timeout(y, m, "timeout", DEFAULT_TIMEOUT);
        if (request == null || timeout == null) {
            return null;
        }
        return new HttpBackend(stable, canary, request, read, timeout);
    }

    private static HttpRequestTemplate request(YamlNodes y, Node n, Map<String, Node> m, String what, String defaultMethod) {
        String method = defaultMethod;
        if (m.containsKey("method")) {
            String given = y.string(m.get("method"), what + " method");
            if (given != null && !METHODS.contains(given.toUpperCase(Locale.ROOT))) {
                y.error(m.get("method"), what + " method must be one of " + String.join(", ", METHODS) + " (got '" + given + "')");
            }
            method = given == null ? null : given.toUpperCase(Locale.ROOT);
        }
        Template url = req(y, n, m, "url", what) == null ? null : template(y, m.get("url"), what + " url");
        if (url != null) {
            url(y, m.get("url"), what + " url", url.render(SAMPLE::get));
        }
        Map<String, Template> headers = new LinkedHashMap<>();
        if (m.containsKey("headers")) {
            y.stringMap(m.get("headers"), what + " headers").forEach((name, v) -> {
                if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                    y.error(v, "'" + name + "' is not a valid HTTP header name");
                }
                Template t = template(y, v, "header " + name);
                if (t != null) {
                    headers.put(name, t);
                }
            });
        }
        Optional<Template> body = Optional.empty();
        if (m.containsKey("body")) {
            Template t = template(y, m.get("body"), what + " body");
            String contentType = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Content-Type"))
                    .map(e -> e.getValue().text()).findFirst().orElse("application/json");
            if (t != null && contentType.contains("json")) {
                try {
                    Json.decodeValue(t.render(SAMPLE::get));
                } catch (DecodeException e) {
                    y.error(m.get("body"), what + " body is not JSON once its placeholders are filled in (e.g. "
                            + t.render(SAMPLE::get) + "); string placeholders go inside quotes, ${weights} and "
                            + "${canary_weight} without: " + e.getMessage().lines().findFirst().orElse(""));
                }
            }
            body = Optional.ofNullable(t);
        }
        if (method == null || url == null) {
            return null;
        }
        return new HttpRequestTemplate(method, url, headers, body);
    }

    /**
     * {@code read.healthy}: server → a check on the read reply that holds while that server can serve,
     * e.g. {@code stable1: '$.servers.stable1.state == "up"'}. Null after an error.
     */
    private static Map<String, JsonCheck> healthChecks(YamlNodes y, Node n, List<WeightedServer> stable,
                                                       List<WeightedServer> canary) {
        Set<String> known = new java.util.HashSet<>();
        stable.forEach(s -> known.add(s.server()));
        canary.forEach(s -> known.add(s.server()));
        Map<String, JsonCheck> out = new LinkedHashMap<>();
        int before = y.errorCount();
        y.stringMap(n, "read healthy").forEach((server, v) -> {
            if (!known.contains(server)) {
                y.error(v, "healthy: '" + server + "' is not a server of this backend (stable or canary)");
                return;
            }
            String text = y.string(v, "healthy");
            if (text == null) {
                return;
            }
            try {
                JsonCheck c = JsonCheck.parse(text);
                String sample = c.expected().render(SAMPLE::get);
                Json.decodeValue(sample);
                out.put(server, c);
            } catch (SyntaxError e) {
                y.error(y.scalarOffset(v, e.offset()), "healthy: " + e.getMessage());
            } catch (DecodeException e) {
                y.error(v, "healthy: the right side must be one JSON value; quote strings, e.g. == \"up\"");
            }
        });
        return y.errorCount() > before ? null : out;
    }

    private static JsonCheck check(YamlNodes y, Node n) {
        String text = y.string(n, "expect");
        if (text == null) {
            return null;
        }
        try {
            JsonCheck c = JsonCheck.parse(text);
            if (!c.expected().uses("canary_weight") && !c.expected().uses("stable_weight") && !c.expected().uses("weights")) {
                y.error(n, "expect must compare against ${canary_weight}, ${stable_weight} or ${weights}: "
                        + "a check that does not depend on the weights proves nothing about a shift");
                return null;
            }
            String sample = c.expected().render(SAMPLE::get);
            try {
                Json.decodeValue(sample);
            } catch (DecodeException e) {
                y.error(n, "expect: the right side must be one JSON value once filled in (got " + sample
                        + "); quote strings, e.g. == \"up\"");
                return null;
            }
            return c;
        } catch (SyntaxError e) {
            y.error(y.scalarOffset(n, e.offset()), "expect: " + e.getMessage());
            return null;
        }
    }

    private static ExecBackend exec(YamlNodes y, Node n) {
        Map<String, Node> m = y.mapping(n, "an exec backend", EXEC);
        String command = string(y, n, m, "command", "exec backend");
        if (command != null && !command.startsWith("/")) {
            y.error(m.get("command"), "command must be an absolute path (it runs without a shell and without a PATH search), got '"
                    + command + "'");
        }
        List<Template> args = new ArrayList<>();
        if (m.containsKey("args")) {
            for (Node a : y.sequence(m.get("args"), "args")) {
                if (a instanceof org.yaml.snakeyaml.nodes.ScalarNode s && s.getValue().isEmpty()) {
                    args.add(Template.literal(""));
                    continue;
                }
                Template t = template(y, a, "each entry of args");
                if (t != null) {
                    args.add(t);
                }
            }
        }
        List<WeightedServer> stable = servers(y, n, m, "stable", "exec backend");
        List<WeightedServer> canary = servers(y, n, m, "canary", "exec backend");
        distinct(y, m, stable, canary);
        Duration timeout = timeout(y, m, "timeout", DEFAULT_EXEC_TIMEOUT);
        Boolean healthCheck = m.containsKey("health_check") ? y.bool(m.get("health_check"), "health_check") : Boolean.FALSE;
        if (command == null || timeout == null || healthCheck == null) {
            return null;
        }
        return new ExecBackend(command, args, stable, canary, timeout, healthCheck);
    }

    private static List<WeightedServer> servers(YamlNodes y, Node parent, Map<String, Node> m, String key, String what) {
        if (req(y, parent, m, key, what) == null) {
            return List.of();
        }
        List<WeightedServer> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Node> entries = y.sequence(m.get(key), key);
        if (entries.isEmpty() && m.get(key) instanceof org.yaml.snakeyaml.nodes.SequenceNode) {
            y.error(m.get(key), key + " needs at least one server");
        }
        for (Node e : entries) {
            Map<String, Node> s = y.mapping(e, "each entry of " + key + " ({server: ..., weight: ...})", SERVER);
            if (s == null) {
                continue;
            }
            String server = req(y, e, s, "server", "each entry of " + key) == null ? null : y.string(s.get("server"), "server");
            Integer weight = s.containsKey("weight") ? y.intInRange(s.get("weight"), "weight", 1, 1_000_000) : Integer.valueOf(1);
            if (server != null && !seen.add(server)) {
                y.error(e, "server '" + server + "' is listed twice in " + key);
            }
            if (server != null && weight != null) {
                out.add(new WeightedServer(server, weight));
            }
        }
        return out;
    }

    private static void distinct(YamlNodes y, Map<String, Node> m, List<WeightedServer> stable, List<WeightedServer> canary) {
        for (WeightedServer c : canary) {
            if (stable.stream().anyMatch(s -> s.server().equals(c.server()))) {
                y.error(m.get("canary"), "server '" + c.server() + "' is listed as both stable and canary");
            }
        }
    }

    /** host:port with a port from 1 to 65535; the LB would refuse anything else, but only at rollback time. */
    private static void checkPort(YamlNodes y, Node n, String address) {
        int colon = address.lastIndexOf(':');
        String port = colon < 0 ? "" : address.substring(colon + 1);
        if (colon <= 0 || !port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            y.error(n, "server '" + address + "' must be host:port with a port from 1 to 65535");
        }
    }

    private static Template template(YamlNodes y, Node n, String what) {
        String text = y.string(n, what);
        if (text == null) {
            return null;
        }
        try {
            return Template.parse(text);
        } catch (SyntaxError e) {
            y.error(y.scalarOffset(n, e.offset()), what + ": " + e.getMessage());
            return null;
        }
    }

    private static URI url(YamlNodes y, Node n, String what, String text) {
        try {
            URI u = new URI(text);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return u;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        y.error(n, what + " must be an http:// or https:// URL with a host, got '" + text + "'");
        return null;
    }

    private static Path absolutePath(YamlNodes y, Node parent, Map<String, Node> m, String key) {
        String p = string(y, parent, m, key, "nginx backend");
        if (p == null) {
            return null;
        }
        if (!p.startsWith("/") || hasAny(p, NGINX_UNSAFE)) {
            y.error(m.get(key), key + " must be an absolute path without spaces, quotes or ';', got '" + p + "'");
            return null;
        }
        return Path.of(p);
    }

    private static Duration timeout(YamlNodes y, Map<String, Node> m, String key, Duration dflt) {
        if (!m.containsKey(key)) {
            return dflt;
        }
        Duration d = y.duration(m.get(key), key);
        if (d != null && d.isZero()) {
            y.error(m.get(key), key + " must be longer than 0");
            return null;
        }
        return d;
    }

    private static String string(YamlNodes y, Node parent, Map<String, Node> m, String key, String what) {
        return req(y, parent, m, key, what) == null ? null : y.string(m.get(key), key);
    }

    private static Node req(YamlNodes y, Node parent, Map<String, Node> m, String key, String what) {
        Node v = m == null ? null : m.get(key);
        if (v == null && m != null) {
            y.error(parent, what + " is missing required key '" + key + "'");
        }
        return v;
    }

    private static boolean hasAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static Set<String> ordered(String... keys) {
        return new LinkedHashSet<>(List.of(keys));
    }
}
