package dev.releasepilot.notify;

import dev.releasepilot.rules.notify.NotifyTarget;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;

/** The bodies sent to each kind of receiver, built from one journal record. Pure. */
final class Messages {
    private Messages() {
    }

    /** The value of a message placeholder for this record; "" when the record has no such field. */
    static String placeholder(String service, String type, JsonObject record, String name) {
        return switch (name) {
            case "service" -> service;
            case "event" -> type;
            default -> {
                Object v = record.getValue(name);
                yield v == null || v instanceof JsonObject ? "" : String.valueOf(v);
            }
        };
    }

    /** Slack's incoming-webhook shape: {@code {"text": "..."}}. */
    static JsonObject slack(NotifyTarget.Slack target, String service, String type, JsonObject record) {
        String text = target.text() == null ? sentence(service, type, record)
                : target.text().render(n -> placeholder(service, type, record, n));
        return new JsonObject().put("text", text);
    }

    /** The generic webhook: the record as journaled, with its service and type. */
    static JsonObject webhook(String service, String type, JsonObject record) {
        return new JsonObject().put("version", "1").put("service", service).put("type", type).put("record", record);
    }

    /**
     * The incident hook's body for a verified rollback: a title, a de-duplication key that is the same
     * for every re-send of this rollback, the decision that caused it (with its evidence) and the action
     * that verified it.
     */
    static JsonObject incident(NotifyTarget.Incident target, String service, JsonObject action, JsonObject decision) {
        JsonObject cause = decision == null ? new JsonObject() : decision;
        return new JsonObject()
                .put("title", target.title().render(n -> placeholder(service, "action", cause.copy().mergeIn(action), n)))
                .put("service", service)
                .put("severity", "critical")
                .put("dedup_key", "release-pilot/" + service + "/" + cause.getString("at", action.getString("at", "")))
                .put("description", sentence(service, "decision", cause) + " " + sentence(service, "action", action))
                .put("decision", decision)
                .put("action", action);
    }

    /** One human sentence per record type, for chat. */
    static String sentence(String service, String type, JsonObject r) {
        String kind = r.getString("kind", "");
        String trigger = r.getString("trigger");
        return "Release Pilot, " + service + ": " + switch (type) {
            case "decision" -> ("rollback_blocked".equals(kind) ? "rollback BLOCKED, no stable server can serve"
                    : kind.replace('_', ' ')) + (trigger == null ? "" : " (trigger " + trigger + ")") + ": " + r.getString("reason", "");
            case "action" -> "ok".equals(r.getString("result")) ? "rollback verified on the load balancer, weights "
                    + weights(r.getJsonObject("weights")) + " (" + r.getValue("millis") + " ms)"
                    : "action " + r.getString("result", "");
            case "action_failed" -> ("circuit_open".equals(r.getString("reason")) ? "the load balancer's circuit is OPEN; "
                    : "") + "rollback not applied yet (" + r.getString("reason", "") + "): " + r.getString("error", "")
                    + "; retrying";
            case "drift" -> "the load balancer drifted from the rollback: " + r.getString("detail", "");
            case "release" -> "release " + r.getString("version", "") + " started";
            case "rollout_step" -> "release " + r.getString("version", "") + " at rollout step " + r.getValue("step")
                    + ": canary " + r.getValue("weight") + "% (" + r.getString("cause", "") + ")";
            case "release_promoted" -> "release " + r.getString("version", "") + " promoted: its last rollout step held";
            default -> type.toLowerCase(Locale.ROOT);
        };
    }

    private static String weights(JsonObject w) {
        if (w == null) {
            return "?";
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : w) {
            Object weight = e.getValue() instanceof JsonObject o ? o.getValue("weight") : e.getValue();
            b.append(b.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(weight);
        }
        return b.toString();
    }
}
