package dev.releasepilot.journal;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One durable record. The journal knows nothing of what types mean (except {@link Journal#SNAPSHOT},
 * where replay starts): {@code type} and {@code body} are the decide stage's business; the journal
 * only orders, checksums, persists and replays them.
 */
public record JournalEntry(long seq, Instant at, String service, String type, JsonObject body) {
    public JsonObject toJson() {
        return new JsonObject().put("seq", seq).put("at", at.toString()).put("service", service)
                .put("type", type).put("body", body);
    }

    static JournalEntry fromJson(JsonObject o) {
        return new JournalEntry(o.getLong("seq"), Instant.parse(o.getString("at")), o.getString("service"),
                o.getString("type"), o.getJsonObject("body", new JsonObject()));
    }
}
