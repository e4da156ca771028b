package dev.releasepilot.act.nginx;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of the two files Release Pilot owns in an NGINX config: the upstream include ({@code server}
 * lines only, so the user's {@code upstream { }} block keeps its own directives such as keepalive) and
 * the generation include (one exact-match location answering the generation). Pure: render and parse.
 */
final class NginxIncludes {
    private static final Pattern SERVER = Pattern.compile("^\\s*server\\s+([^\\s;]+)([^;]*);", Pattern.MULTILINE);
    private static final Pattern WEIGHT = Pattern.compile("(?:^|\\s)weight=(\\d+)(?:\\s|$)");
    private static final Pattern DOWN = Pattern.compile("(?:^|\\s)down(?:\\s|$)");
    private static final Pattern GENERATION = Pattern.compile("return\\s+200\\s+\"([^\"]*)\"");

    private NginxIncludes() {
    }

    /**
     * Server lines for the wanted weights. A server at 0 is written as {@code down}: NGINX rejects
     * {@code weight=0}, and keeping the line (rather than omitting it) keeps the other servers' positions,
     * which hash-based balancing depends on.
     */
    static String upstream(String service, Map<String, Integer> weights) {
        StringBuilder b = new StringBuilder();
        b.append("# Managed by Release Pilot for service ").append(service)
                .append(": rewritten on every traffic shift; change weights in the rule file, not here.\n");
        weights.forEach((server, w) -> {
            b.append("server ").append(server);
            b.append(w == 0 ? " down" : " weight=" + w);
            b.append(";\n");
        });
        return b.toString();
    }

    /**
     * The generation location. It answers {@code <generation> <worker pid>}: the pid leads the actuator
     * to the master and the workers still running the previous generation.
     */
    static String generation(String service, String path, String generation) {
        return "# Managed by Release Pilot for service " + service + ": tells which config generation NGINX runs.\n"
                + "location = " + path + " { default_type text/plain; return 200 \"" + generation + " $pid\"; }\n";
    }

    /** Server → weight as NGINX will use it: {@code down} is 0, no {@code weight=} is 1. */
    static Map<String, Integer> parseUpstream(String text) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Matcher m = SERVER.matcher(stripComments(text));
        while (m.find()) {
            String params = m.group(2);
            int weight = 1;
            Matcher w = WEIGHT.matcher(params);
            if (w.find()) {
                weight = Integer.parseInt(w.group(1));
            }
            out.put(m.group(1), DOWN.matcher(params).find() ? 0 : weight);
        }
        return out;
    }

    /** The generation a generation include answers with (its first word), or null when it holds none. */
    static String parseGeneration(String text) {
        Matcher m = GENERATION.matcher(stripComments(text));
        return m.find() ? firstWord(m.group(1)) : null;
    }

    static String firstWord(String s) {
        String t = s.strip();
        int space = t.indexOf(' ');
        return space < 0 ? t : t.substring(0, space);
    }

    private static String stripComments(String text) {
        return text.replaceAll("(?m)#.*$", "");
    }
}
