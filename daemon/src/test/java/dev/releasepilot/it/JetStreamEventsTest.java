package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.NatsServer;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.publish.EventStream;
import io.nats.client.Message;
import io.nats.client.api.StreamInfo;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 5 end to end: a real rollback (Alertmanager payload in, real HAProxy drained) with the
 * daemon publishing to a real nats-server with JetStream. The events land in the stream, a consumer
 * created afterwards replays them in journal order, a daemon restart keeps the stream as it is, and a
 * NATS server killed during the rollback neither holds nor fails it.
 */
class JetStreamEventsTest {
    private static final String ALERT = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z");
    private static final String ADMIN = "admin-secret";
    private static final EventStream STREAM = new EventStream("RELEASE_PILOT_EVENTS", Duration.ofDays(1), 64L * 1024 * 1024);

    @TempDir
    Path tmp;

    private RunningDaemon daemon(Path rules, NatsServer nats) {
        return RunningDaemon.start(rules, tmp.resolve("data"), ADMIN,
                c -> c.withNats(nats.url(), List.of()).withNatsStream(STREAM));
    }

    private static JsonObject json(Message m) {
        return new JsonObject(new String(m.getData(), StandardCharsets.UTF_8));
    }

    /** The journal's decisions and actions of checkout, as "type/kind-or-result", in journal order. */
    private static List<String> journaled(RunningDaemon d) {
        return d.records("checkout").stream().map(o -> (JsonObject) o)
                .filter(r -> !r.getString("type").equals("alert"))
                .map(r -> r.getString("type") + "/" + r.getJsonObject("body").getString("kind",
                        r.getJsonObject("body").getString("result")))
                .toList();
    }

    private static List<String> streamed(List<Message> messages) {
        return messages.stream().map(JetStreamEventsTest::json)
                .map(e -> e.getString("type") + "/" + e.getString("kind", e.getString("result"))).toList();
    }

    @Test
    void aRollbacksEventsAreKeptInTheStreamReplayedInOrderAndADaemonRestartKeepsTheStream() throws Exception {
        try (NatsServer nats = new NatsServer(tmp.resolve("nats")).jetStream(true).start();
             Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            StreamInfo created;
            List<String> journal;
            try (RunningDaemon d = daemon(rules, nats)) {
                created = Poll.until("the daemon creates the stream", Duration.ofSeconds(20), () -> nats.stream(STREAM.name()));
                assertEquals(Duration.ofDays(1), created.getConfiguration().getMaxAge());
                assertEquals(64L * 1024 * 1024, created.getConfiguration().getMaxBytes());
                assertEquals(0, created.getStreamState().getMsgCount());

                assertEquals(200, d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null).statusCode());
                Poll.until("canary drained on HAProxy", Duration.ofSeconds(20), () -> haproxy.weight("canary1") == 0);
                Poll.until("the action journaled", Duration.ofSeconds(10), () -> d.count("checkout", "action", null) == 1);
                journal = journaled(d);
                assertEquals(List.of("decision/rollback", "action/ok"), journal);
                Poll.until("both events stored", Duration.ofSeconds(20),
                        () -> nats.stream(STREAM.name()).getStreamState().getMsgCount() == 2);
            }

            // A consumer created after the fact replays the rollback from the start, in journal order.
            List<Message> replayed = nats.replay(STREAM.name());
            assertEquals(journal, streamed(replayed));
            JsonObject decision = json(replayed.get(0));
            assertEquals("checkout", decision.getString("service"));
            assertEquals("paged", decision.getString("trigger"));
            assertEquals("release-pilot.events.checkout", replayed.get(0).getSubject());
            assertNotNull(replayed.get(0).getHeaders().getFirst("Nats-Msg-Id"));

            // Restarted on the same journal, the daemon finds the stream and adds to it; it neither
            // recreates nor clears it.
            try (RunningDaemon d = daemon(rules, nats)) {
                assertEquals("ROLLED_BACK", d.service("checkout").getString("state"));
                assertEquals(200, d.post("/api/v1/services/checkout/resume", "application/json",
                        "{\"reason\":\"fixed by hand\"}", ADMIN).statusCode());
                Poll.until("the resume stored", Duration.ofSeconds(20),
                        () -> nats.stream(STREAM.name()).getStreamState().getMsgCount() == 3);
                StreamInfo after = nats.stream(STREAM.name());
                assertEquals(created.getCreateTime(), after.getCreateTime(), "the same stream");
                List<Message> all = nats.replay(STREAM.name());
                assertEquals(streamed(replayed), streamed(all.subList(0, 2)));
                assertEquals(journaled(d), streamed(all));
            }
        }
    }

    @Test
    void natsKilledDuringARollbackNeitherHoldsNorFailsItAndItsEventsAreStoredOnceWhenNatsIsBack() throws Exception {
        try (NatsServer nats = new NatsServer(tmp.resolve("nats")).jetStream(true).start();
             Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), 1, 2).start()) {
            Path rules = RunningDaemon.rules(tmp, haproxy.address(), null);
            try (RunningDaemon d = daemon(rules, nats)) {
                Poll.until("the daemon creates the stream", Duration.ofSeconds(20), () -> nats.stream(STREAM.name()));

                nats.kill();
                assertEquals(200, d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null).statusCode());
                Poll.until("canary drained on HAProxy with NATS down", Duration.ofSeconds(20),
                        () -> haproxy.weight("canary1") == 0);
                Poll.until("the action journaled", Duration.ofSeconds(10), () -> d.count("checkout", "action", null) == 1);
                assertEquals("ROLLED_BACK", d.service("checkout").getString("state"));

                // Back on the same store: what was sent meanwhile (and resent after lost acks, with the same
                // Nats-Msg-Id) is stored once.
                nats.start();
                Poll.until("the rollback's events stored", Duration.ofSeconds(30),
                        () -> nats.stream(STREAM.name()).getStreamState().getMsgCount() >= 2);
                assertEquals(journaled(d), streamed(nats.replay(STREAM.name())));
            }
        }
    }
}
