package dev.releasepilot.decide;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;

/**
 * What happened to a service, as journaled. The state machine is rebuilt on start by applying the
 * journaled events in order through the very same {@link ServiceMachine#apply} used live, so live
 * behaviour and recovery cannot drift apart.
 */
public sealed interface Event {
    Instant at();

    /** The journal record type. */
    String type();

    JsonObject body();

    /** Events that only move in-memory counters are not journaled (a probe result every second would flood it). */
    default boolean durable() {
        return true;
    }

    /** An alert reached this service: first sight of a firing episode, its resolution, or a stale one. */
    record AlertSeen(Instant at, String fingerprint, Instant startsAt, boolean firing, boolean stale,
                     String trigger, JsonObject labels) implements Event {
        public String type() {
            return "alert";
        }

        public String episode() {
            return fingerprint + "@" + startsAt;
        }

        public JsonObject body() {
            return new JsonObject().put("at", at.toString()).put("fingerprint", fingerprint)
                    .put("startsAt", startsAt.toString()).put("status", firing ? "firing" : "resolved")
                    .put("stale", stale).put("trigger", trigger).put("labels", labels);
        }
    }

    /** One probe result. Not journaled: the decision it leads to carries the failing results as evidence. */
    record ProbeResult(Instant at, String trigger, boolean healthy, int status, String error, long millis)
            implements Event {
        public String type() {
            return "probe";
        }

        public boolean durable() {
            return false;
        }

        public JsonObject body() {
            return new JsonObject().put("at", at.toString()).put("trigger", trigger).put("healthy", healthy)
                    .put("status", status).put("error", error).put("millis", millis);
        }
    }

    /** A decision, with the evidence that caused it. */
    record Decided(Instant at, DecisionKind kind, String trigger, String reason, JsonObject evidence)
            implements Event {
        public String type() {
            return "decision";
        }

        public JsonObject body() {
            return new JsonObject().put("at", at.toString()).put("kind", kind.label()).put("trigger", trigger)
                    .put("reason", reason).put("evidence", evidence);
        }
    }

    /** The load balancer confirmed (read back) the weights a rollback asked for. */
    record Actuated(Instant at, JsonObject weights, long millis, int attempts) implements Event {
        public String type() {
            return "action";
        }

        public JsonObject body() {
            return new JsonObject().put("at", at.toString()).put("result", "ok").put("weights", weights)
                    .put("millis", millis).put("attempts", attempts);
        }
    }

    /** An actuation gave up after its retries; the rollback stays pending and is tried again. */
    record ActuationFailed(Instant at, String reason, String error, int attempts) implements Event {
        public String type() {
            return "action_failed";
        }

        public JsonObject body() {
            return new JsonObject().put("at", at.toString()).put("result", "failed").put("reason", reason)
                    .put("error", error).put("attempts", attempts);
        }
    }

    /**
     * The load balancer no longer holds the weights Release Pilot put there (a reload reset them,
     * someone edited them): the rollback is pending again until re-applied and read back.
     */
    record DriftFound(Instant at, JsonObject observed, String detail) implements Event {
        public String type() {
            return "drift";
        }

        public JsonObject body() {
            return new JsonObject().put("at", at.toString()).put("observed", observed).put("detail", detail);
        }
    }

    /**
     * A release (canary) went live: old alerts become stale, a rolled-back service is cleared, and every
     * trigger starts afresh. {@code watermarks}: per expr trigger, the newest sample time (event time) it
     * had seen when the release arrived; only newer samples count for this release. Journaled (as
     * {@code "watermarks": {trigger: RFC 3339}}, left out when empty) so a restart re-derives the reset.
     */
    record ReleaseStarted(Instant at, String version, JsonObject detail, java.util.Map<String, Instant> watermarks)
            implements Event {
        public ReleaseStarted {
            watermarks = java.util.Map.copyOf(watermarks);
        }

        public ReleaseStarted(Instant at, String version, JsonObject detail) {
            this(at, version, detail, java.util.Map.of());
        }

        public ReleaseStarted withWatermarks(java.util.Map<String, Instant> marks) {
            return new ReleaseStarted(at, version, detail, marks);
        }

        public String type() {
            return "release";
        }

        public JsonObject body() {
            JsonObject o = new JsonObject().put("at", at.toString()).put("version", version).put("detail", detail);
            if (!watermarks.isEmpty()) {
                JsonObject marks = new JsonObject();
                new java.util.TreeMap<>(watermarks).forEach((t, w) -> marks.put(t, w.toString()));
                o.put("watermarks", marks);
            }
            return o;
        }
    }

    static Event fromJournal(String type, JsonObject b) {
        Instant at = Instant.parse(b.getString("at"));
        return switch (type) {
            case "alert" -> new AlertSeen(at, b.getString("fingerprint"), Instant.parse(b.getString("startsAt")),
                    "firing".equals(b.getString("status")), b.getBoolean("stale", false), b.getString("trigger"),
                    b.getJsonObject("labels", new JsonObject()));
            case "decision" -> new Decided(at, DecisionKind.valueOf(b.getString("kind").toUpperCase(Locale.ROOT)),
                    b.getString("trigger"), b.getString("reason"), b.getJsonObject("evidence", new JsonObject()));
            case "action" -> new Actuated(at, b.getJsonObject("weights", new JsonObject()), b.getLong("millis", 0L),
                    b.getInteger("attempts", 1));
            case "action_failed" -> new ActuationFailed(at, b.getString("reason"), b.getString("error"),
                    b.getInteger("attempts", 1));
            case "drift" -> new DriftFound(at, b.getJsonObject("observed", new JsonObject()), b.getString("detail"));
            case "release" -> new ReleaseStarted(at, b.getString("version"), b.getJsonObject("detail", new JsonObject()),
                    watermarks(b.getJsonObject("watermarks", new JsonObject())));
            default -> throw new IllegalArgumentException("unknown journal record type '" + type + "'");
        };
    }

    private static java.util.Map<String, Instant> watermarks(JsonObject o) {
        java.util.Map<String, Instant> out = new java.util.LinkedHashMap<>();
        o.forEach(e -> out.put(e.getKey(), Instant.parse((String) e.getValue())));
        return out;
    }
}
