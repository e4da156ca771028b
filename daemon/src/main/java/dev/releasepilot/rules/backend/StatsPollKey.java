package dev.releasepilot.rules.backend;


import dev.releasepilot.rules.YamlNodes;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The {@code stats_poll:} key of an haproxy backend: {@code true} (every 250ms), a duration of at least
 * 50ms, or {@code false} (the default: not polled). Kept out of the backend parser so that the key is
 * one line there.
 */
final class StatsPollKey {
    static final Duration DEFAULT = Duration.ofMillis(250);
    /** Below this HAProxy spends more time dumping stats than serving them any purpose. */
    static final Duration MINIMUM = Duration.ofMillis(50);
    private static final Pattern PROXY_NAME = Pattern.compile("[A-Za-z0-9._:-]+");

    private StatsPollKey() {
    }

    /** The poll interval, {@link Duration#ZERO} when absent or false, null after reporting an error. */
    static Duration parse(YamlNodes y, Map<String, Node> backend) {
        Node n = backend == null ? null : backend.get("stats_poll");
        if (n == null) {
            return Duration.ZERO;
        }
        if (n instanceof ScalarNode s && s.getValue().equals("false")) {
            return Duration.ZERO;
        }
        Duration d = n instanceof ScalarNode s && s.getValue().equals("true") ? DEFAULT
                : y.duration(n, "stats_poll (true, false or an interval such as 250ms)");
        if (d != null && d.compareTo(MINIMUM) < 0) {
            y.error(n, "stats_poll must be at least " + MINIMUM.toMillis() + "ms, got " + d.toMillis() + "ms");
            return null;
        }
        Node be = backend.get("backend");
        if (d != null && be instanceof ScalarNode s && !PROXY_NAME.matcher(s.getValue()).matches()) {
            y.error(be, "backend '" + s.getValue() + "' is not an HAProxy proxy name (letters, digits, '.', '_', ':', '-'),"
                    + " so its stats cannot be polled");
            return null;
        }
        return d;
    }
}
