package dev.releasepilot.rules.backend;

import dev.releasepilot.rules.Problem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An NGINX upstream include as lines, with its {@code server} directives located. The rule owns only the
 * {@code weight=} and {@code down} parameters of the servers it lists; every other line, server and
 * parameter ({@code backup}, {@code max_fails=0}, {@code keepalive}, comments) is kept as written
 * ({@link #render}). What cannot be edited safely is a {@link Problem} at file:line:column: a
 * {@code server} directive that does not sit alone on one line, or a rule server listed twice. Pure: the
 * caller reads the file (rules: at {@code check} and at start; act: before each rewrite).
 *
 * <p>Syntax followed: NGINX's {@code server address [parameters];} inside {@code upstream}
 * (https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server); {@code #} starts a comment.
 */
public final class NginxUpstreamInclude {
    /** One server directive: its 1-based line and column, address and parameters in order. */
    public record Server(int line, int column, String indent, String address, List<String> params, String comment) {
        public Server {
            params = List.copyOf(params);
        }
    }

    /** The first line of a file Release Pilot wrote: replaced on every rewrite, never duplicated. */
    public static final String HEADER_PREFIX = "# Managed by Release Pilot";

    private static final Pattern DIRECTIVE = Pattern.compile("^(\\s*)server\\s+([^\\s;]+)((?:\\s+[^\\s;]+)*)\\s*;\\s*$");
    private static final Pattern STARTS_SERVER = Pattern.compile("(^|;)\\s*server(\\s|$)");

    private final List<String> lines;
    private final List<Server> servers;
    private final List<Problem> problems;

    private NginxUpstreamInclude(List<String> lines, List<Server> servers, List<Problem> problems) {
        this.lines = lines;
        this.servers = servers;
        this.problems = problems;
    }

    /**
     * @param file  how problems name the file
     * @param owned the servers the rule lists (each may appear once)
     */
    public static NginxUpstreamInclude parse(String file, String text, Set<String> owned) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        List<Server> servers = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            int hash = raw.indexOf('#');
            String code = hash < 0 ? raw : raw.substring(0, hash);
            String comment = hash < 0 ? "" : raw.substring(hash);
            Matcher m = DIRECTIVE.matcher(code);
            if (m.matches()) {
                String address = m.group(2);
                List<String> params = m.group(3).isBlank() ? List.of() : List.of(m.group(3).strip().split("\\s+"));
                Server s = new Server(i + 1, m.start(2) - "server ".length() + 1, m.group(1), address, params, comment);
                if (owned.contains(address) && !seen.add(address)) {
                    problems.add(new Problem(file, s.line(), s.column(), "server " + address
                            + " is listed twice; the rule sets one weight per server, keep one line"));
                }
                servers.add(s);
            } else {
                Matcher start = STARTS_SERVER.matcher(code);
                if (start.find()) {
                    problems.add(new Problem(file, i + 1, code.indexOf("server", start.start()) + 1,
                            "a server directive must stand alone on one line and end with ';' here, so its "
                                    + "parameters can be kept when the weights change"));
                }
            }
        }
        return new NginxUpstreamInclude(lines, servers, problems);
    }

    public List<Server> servers() {
        return servers;
    }

    /** What keeps the file from being edited safely; empty when it can be. */
    public List<Problem> problems() {
        return problems;
    }

    /**
     * The file with the given servers at the given weights: their {@code weight=} and {@code down} are
     * replaced ({@code down} for 0, which NGINX needs instead of {@code weight=0}), every other parameter
     * and line stays, and servers not yet in the file are appended. Call only when {@link #problems} is
     * empty.
     *
     * @param header the comment line that opens the file (replaces a previous one)
     */
    public String render(String header, Map<String, Integer> weights) {
        StringBuilder b = new StringBuilder(header).append('\n');
        Set<String> written = new HashSet<>();
        int serverIndex = 0;
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            if (i == 0 && raw.startsWith(HEADER_PREFIX)) {
                continue;
            }
            Server s = serverIndex < servers.size() && servers.get(serverIndex).line() == i + 1 ? servers.get(serverIndex++) : null;
            if (s == null || !weights.containsKey(s.address())) {
                b.append(raw).append('\n');
                continue;
            }
            written.add(s.address());
            b.append(s.indent()).append("server ").append(s.address());
            boolean placed = false;
            for (String p : s.params()) {
                if (p.equals("down") || p.startsWith("weight=")) {
                    if (!placed) {
                        b.append(' ').append(weightParam(weights.get(s.address())));
                        placed = true;
                    }
                    continue;
                }
                b.append(' ').append(p);
            }
            if (!placed) {
                b.append(' ').append(weightParam(weights.get(s.address())));
            }
            b.append(';');
            if (!s.comment().isEmpty()) {
                b.append(' ').append(s.comment());
            }
            b.append('\n');
        }
        weights.forEach((server, w) -> {
            if (!written.contains(server)) {
                b.append("server ").append(server).append(' ').append(weightParam(w)).append(";\n");
            }
        });
        return b.toString();
    }

    private static String weightParam(int w) {
        return w == 0 ? "down" : "weight=" + w;
    }
}
