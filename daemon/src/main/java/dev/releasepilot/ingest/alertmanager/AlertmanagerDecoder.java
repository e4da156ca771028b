package dev.releasepilot.ingest.alertmanager;


import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.decide.AlertSignal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an Alertmanager webhook body (payload version "4") into {@link AlertSignal}s. The wire
 * format stops here. Alerts that are individually broken are reported, the valid rest are kept.
 */
public final class AlertmanagerDecoder {
    private static final Instant YEAR_ONE = Instant.parse("0001-01-01T00:00:00Z");

    /** The valid alerts and a description of each rejected one. */
    public record Decoded(List<AlertSignal> alerts, List<String> rejected, String groupKey) {
    }

    private AlertmanagerDecoder() {
    }

    public static Decoded decode(Buffer body, Instant receivedAt, long receivedNanos) throws BadInput {
        JsonObject root;
        String text = body.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        if (!text.startsWith("{")) {
            throw new BadInput("malformed", "the body must be a JSON object (Alertmanager webhook payload)");
        }
        try {
            root = new JsonObject(text);
        } catch (DecodeException e) {
            throw new BadInput("malformed", "the body is not valid JSON: " + firstLine(e.getMessage()));
        }
        Object version = root.getValue("version");
        if (!"4".equals(version)) {
            throw new BadInput("version", "unsupported payload version " + (version == null ? "(missing)" : "'" + version + "'")
                    + "; this receiver speaks Alertmanager webhook version \"4\"");
        }
        Object alertsValue = root.getValue("alerts");
        if (!(alertsValue instanceof JsonArray alerts)) {
            throw new BadInput("malformed", "'alerts' must be an array");
        }
        String sender = root.getValue("externalURL") instanceof String s ? s : "";
        List<AlertSignal> out = new ArrayList<>(alerts.size());
        List<String> rejected = new ArrayList<>();
        for (int i = 0; i < alerts.size(); i++) {
            Object a = alerts.getValue(i);
            try {
                if (!(a instanceof JsonObject alert)) {
                    throw new IllegalArgumentException("not an object");
                }
                out.add(alert(alert, sender, receivedAt, receivedNanos));
            } catch (IllegalArgumentException | DateTimeParseException | ClassCastException e) {
                rejected.add("alerts[" + i + "]: " + e.getMessage());
            }
        }
        return new Decoded(out, rejected, root.getValue("groupKey") instanceof String g ? g : "");
    }

    private static AlertSignal alert(JsonObject a, String sender, Instant receivedAt, long receivedNanos) {
        String status = a.getString("status");
        if (!"firing".equals(status) && !"resolved".equals(status)) {
            throw new IllegalArgumentException("status must be \"firing\" or \"resolved\", got " + status);
        }
        Map<String, String> labels = strings(a.getValue("labels"), "labels");
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("labels must be a non-empty object");
        }
        Map<String, String> annotations = a.getValue("annotations") == null ? Map.of()
                : strings(a.getValue("annotations"), "annotations");
        String startsAt = a.getString("startsAt");
        if (startsAt == null) {
            throw new IllegalArgumentException("startsAt is missing");
        }
        Instant starts = Instant.parse(startsAt);
        String endsAtText = a.getString("endsAt");
        Instant ends = endsAtText == null ? null : Instant.parse(endsAtText);
        if (ends != null && !ends.isAfter(YEAR_ONE)) {
            ends = null; // Alertmanager's "unset"
        }
        String fp = a.getString("fingerprint");
        if (fp == null || fp.isEmpty()) {
            fp = Fingerprint.of(labels); // the same hash Alertmanager would have sent
        }
        return new AlertSignal(fp, "firing".equals(status), starts, ends, labels, annotations, sender,
                receivedAt, receivedNanos);
    }

    private static Map<String, String> strings(Object v, String what) {
        if (!(v instanceof JsonObject o)) {
            throw new IllegalArgumentException(what + " must be an object of strings");
        }
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, Object> e : o) {
            if (!(e.getValue() instanceof String s)) {
                throw new IllegalArgumentException(what + "." + e.getKey() + " must be a string");
            }
            out.put(e.getKey(), s);
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
