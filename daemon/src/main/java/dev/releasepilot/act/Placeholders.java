package dev.releasepilot.act;

import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The values of the {@code ${...}} placeholders ({@link dev.releasepilot.rules.backend.Template#NAMES}) for one
 * command, escaped for where they land: raw in exec arguments and header values, JSON-string-escaped in
 * JSON bodies (so a reason with a quote cannot break the body), percent-encoded in URLs. For a Read the
 * weights are unknown: {@code ${weights}} is {@code {}} and the sums are empty.
 */
public final class Placeholders {
    private final Map<String, String> raw = new LinkedHashMap<>();

    public Placeholders(Command command, ServerPlan plan, Map<String, Integer> target) {
        raw.put("service", command.service());
        raw.put("command", command.kind());
        raw.put("reason", command.reason());
        raw.put("weights", target == null ? "{}" : new JsonObject(new LinkedHashMap<>(target)).encode());
        raw.put("canary_weight", target == null ? "" : Integer.toString(plan.canaryWeight(target)));
        raw.put("stable_weight", target == null ? "" : Integer.toString(plan.stableWeight(target)));
    }

    public Function<String, String> raw() {
        return raw::get;
    }

    /** Inside a JSON document: strings are escaped (the template supplies the quotes), numbers and objects are not. */
    public Function<String, String> json() {
        return name -> {
            String v = raw.get(name);
            if (name.equals("weights") || name.endsWith("_weight")) {
                return v;
            }
            String quoted = io.vertx.core.json.Json.encode(v);
            return quoted.substring(1, quoted.length() - 1);
        };
    }

    public Function<String, String> url() {
        return name -> URLEncoder.encode(raw.get(name), StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The environment an exec command gets: RP_SERVICE, RP_COMMAND, RP_REASON, RP_WEIGHTS, RP_CANARY_WEIGHT, RP_STABLE_WEIGHT. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        raw.forEach((k, v) -> env.put("RP_" + k.toUpperCase(Locale.ROOT), v));
        return env;
    }
}
