package dev.releasepilot.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.backend.Template;
import dev.releasepilot.rules.notify.NotifyTarget;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** What people read: one sentence per record, the risky cases spelled out, templates filled from the record. */
class MessagesTest {
    @Test
    void aBlockedRollbackAndAnOpenCircuitAreSpelledOut() {
        String blocked = Messages.sentence("checkout", "decision", new JsonObject().put("kind", "rollback_blocked")
                .put("trigger", "paged").put("reason", "stable1 is in MAINT"));
        assertTrue(blocked.contains("rollback BLOCKED") && blocked.contains("stable1 is in MAINT"), blocked);
        String circuit = Messages.sentence("checkout", "action_failed", new JsonObject().put("reason", "circuit_open")
                .put("error", "5 failures in a row"));
        assertTrue(circuit.contains("circuit is OPEN") && circuit.contains("retrying"), circuit);
        String verified = Messages.sentence("checkout", "action", new JsonObject().put("result", "ok").put("millis", 12)
                .put("weights", new JsonObject().put("canary1", new JsonObject().put("weight", 0))));
        assertTrue(verified.contains("verified") && verified.contains("canary1=0"), verified);
    }

    @Test
    void aTemplateIsFilledFromTheRecordAndMissingFieldsAreEmpty() throws Exception {
        NotifyTarget.Slack t = new NotifyTarget.Slack(URI.create("http://127.0.0.1:1/"), NotifyTarget.EVENT_TYPES,
                Template.parse("${service}: ${kind} by ${trigger}${error}", NotifyTarget.PLACEHOLDERS));
        JsonObject msg = Messages.slack(t, "checkout", "decision", new JsonObject().put("kind", "rollback").put("trigger", "paged"));
        assertEquals("checkout: rollback by paged", msg.getString("text"));
    }
}
