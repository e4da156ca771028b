package dev.releasepilot.act.nginx;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.rules.backend.NginxUpstreamInclude;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The text of the two files Release Pilot edits in an NGINX config: the upstream include (of which it
 * owns only the weights of the rule's servers; other servers, their parameters and other directives
 * stay) and the generation include (one exact-match location answering the generation, wholly owned).
 * Pure: render and parse.
 */
final class NginxIncludes {
    private static final Pattern SERVER = Pattern.compile("^\\s*server\\s+([^\\s;]+)([^;]*);", Pattern.MULTILINE);
    private static final Pattern WEIGHT = Pattern.compile("(?:^|\\s)weight=(\\d+)(?:\\s|$)");
    private static final Pattern DOWN = Pattern.compile("(?:^|\\s)down(?:\\s|$)");
    private static final Pattern GENERATION = Pattern.compile("return\\s+200\\s+\"([^\"]*)\"");

    private NginxIncludes() {
    }

    /**
     * The include with the wanted weights, edited from what is on disk ({@code existing}, null when there
     * is no file yet): only the {@code weight=} and {@code down} of the rule's servers change, every other
     * line, server and parameter is kept ({@link NginxUpstreamInclude}). A server at 0 is written as
     * {@code down}: NGINX rejects {@code weight=0}, and keeping the line (rather than omitting it) keeps the
     * other servers' positions, which hash-based balancing depends on.
     *
     * @throws ActuationFailure REJECTED, naming file:line:column, when the file cannot be edited safely
     */
    static String upstream(String service, Path file, String existing, Map<String, Integer> weights) {
        NginxUpstreamInclude include = NginxUpstreamInclude.parse(file.toString(), existing == null ? "" : existing,
                weights.keySet());
        if (!include.problems().isEmpty()) {
            throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "NGINX upstream_file cannot be edited safely: "
                    + include.problems().stream().map(Object::toString).collect(Collectors.joining("; ")));
        }
        return include.render(NginxUpstreamInclude.HEADER_PREFIX + " for service " + service
                + ": it sets weight=/down of the rule's servers on every shift and keeps everything else.", weights);
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
