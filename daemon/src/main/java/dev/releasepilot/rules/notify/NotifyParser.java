package dev.releasepilot.rules.notify;

import dev.releasepilot.rules.SyntaxError;
import dev.releasepilot.rules.YamlNodes;
import dev.releasepilot.rules.backend.Template;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/** Parses a service's {@code notify:} list; every problem is reported at its position. */
public final class NotifyParser {
    private static final Set<String> KEYS = new LinkedHashSet<>(List.of("type", "url", "events", "text", "title"));
    static final String DEFAULT_TITLE = "Release Pilot rolled back ${service}";

    private NotifyParser() {
    }

    /** Null entries are left out (their problems are recorded in {@code y}). */
    public static List<NotifyTarget> parse(YamlNodes y, Node list) {
        List<NotifyTarget> out = new ArrayList<>();
        for (Node n : y.sequence(list, "notify")) {
            NotifyTarget t = target(y, n);
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    private static NotifyTarget target(YamlNodes y, Node n) {
        Map<String, Node> m = y.mapping(n, "a notify entry", KEYS);
        if (m == null) {
            return null;
        }
        String type = m.containsKey("type") ? y.string(m.get("type"), "type") : null;
        if (type == null) {
            y.error(n, "a notify entry needs 'type: slack | webhook | incident'");
            return null;
        }
        URI url = url(y, n, m);
        Set<String> events = events(y, m);
        switch (type) {
            case "slack" -> {
                refuse(y, m, "title", type);
                // Without text: a sentence per record type (docs/configuration.md, "Notifications").
                Template text = m.containsKey("text") ? template(y, m, "text", null) : null;
                boolean textOk = !m.containsKey("text") || text != null;
                return url == null || events == null || !textOk ? null : new NotifyTarget.Slack(url, events, text);
            }
            case "webhook" -> {
                refuse(y, m, "text", type);
                refuse(y, m, "title", type);
                return url == null || events == null ? null : new NotifyTarget.Webhook(url, events);
            }
            case "incident" -> {
                refuse(y, m, "text", type);
                refuse(y, m, "events", type);
                Template title = template(y, m, "title", DEFAULT_TITLE);
                return url == null || title == null ? null : new NotifyTarget.Incident(url, title);
            }
            default -> {
                y.error(m.get("type"), "notify type must be slack, webhook or incident (got '" + type + "')");
                return null;
            }
        }
    }

    private static void refuse(YamlNodes y, Map<String, Node> m, String key, String type) {
        if (m.containsKey(key)) {
            y.error(m.get(key), "'" + key + "' does not apply to notify type " + type);
        }
    }

    private static URI url(YamlNodes y, Node n, Map<String, Node> m) {
        if (!m.containsKey("url")) {
            y.error(n, "a notify entry needs a 'url'");
            return null;
        }
        String text = y.string(m.get("url"), "url");
        if (text == null) {
            return null;
        }
        try {
            URI u = new URI(text);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                y.error(m.get("url"), "notify url must be an absolute http:// or https:// URL (got '" + text + "')");
                return null;
            }
            return u;
        } catch (URISyntaxException e) {
            y.error(m.get("url"), "notify url is not a URL: " + e.getMessage());
            return null;
        }
    }

    private static Set<String> events(YamlNodes y, Map<String, Node> m) {
        if (!m.containsKey("events")) {
            return NotifyTarget.EVENT_TYPES;
        }
        List<String> listed = y.strings(m.get("events"), "events");
        if (listed == null) {
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String e : listed) {
            if (!NotifyTarget.EVENT_TYPES.contains(e)) {
                y.error(m.get("events"), "unknown event '" + e + "' (known: " + String.join(", ", NotifyTarget.EVENT_TYPES) + ")");
                return null;
            }
            out.add(e);
        }
        return out;
    }

    /** The template under {@code key}, or {@code dflt} when absent; null after a recorded problem. */
    private static Template template(YamlNodes y, Map<String, Node> m, String key, String dflt) {
        String text = m.containsKey(key) ? y.string(m.get(key), key) : dflt;
        if (text == null) {
            return null;
        }
        try {
            return Template.parse(text, NotifyTarget.PLACEHOLDERS);
        } catch (SyntaxError e) {
            y.error(m.containsKey(key) ? y.scalarOffset(m.get(key), e.offset()) : YamlNodes.at(m.get("type")), e.getMessage());
            return null;
        }
    }
}
