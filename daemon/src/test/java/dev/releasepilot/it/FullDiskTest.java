package dev.releasepilot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.journal.FaultyIo;
import dev.releasepilot.journal.FileJournal;
import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon on a full disk, through its HTTP surface: the webhook answers 503 (Alertmanager retries)
 * but the rollback reaches HAProxy at once; {@code /-/ready} is 503 while the journal cannot write and
 * 200 again once the disk takes writes, with the alert and its decision journaled from the backlog.
 */
class FullDiskTest {
    private static final String ALERT = Payloads.firing("CheckoutErrors", "07b7d17d274ba13e", "2026-11-23T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void aFullDiskDoesNotDelayTheRollbackAndTheDaemonIsNotReadyUntilItCanWrite() {
        FaultyIo disk = FaultyIo.fullAfter(0);
        try (Haproxy haproxy = new Haproxy(tmp.resolve("haproxy"), FreePort.get(), FreePort.get()).start();
             RunningDaemon d = RunningDaemon.start(RunningDaemon.rules(tmp, haproxy.address(), null), tmp.resolve("data"),
                     null, FileJournal.Options.defaults().withIo(disk))) {
            assertEquals(200, d.get("/-/ready").statusCode(), "nothing has failed yet");
            assertEquals(503, d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null).statusCode(),
                    "not accepted durably: Alertmanager must re-send");
            Poll.until("the canary drained although the disk is full", Duration.ofSeconds(10),
                    () -> haproxy.weight("canary1") == 0);
            assertEquals(503, d.get("/-/ready").statusCode());
            assertTrue(d.get("/-/ready").body().contains("journal cannot write"), d.get("/-/ready").body());
            assertTrue(d.metrics().contains("release_pilot_journal_writable 0.0"), "the gauge says so too");
            assertEquals(503, d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null).statusCode(),
                    "the re-send still waits for the disk");

            disk.free();
            Poll.until("ready again once the disk takes writes", Duration.ofSeconds(10),
                    () -> d.get("/-/ready").statusCode() == 200);
            Poll.until("the backlog journaled", Duration.ofSeconds(10), () -> d.count("checkout", "action", null) == 1);
            assertEquals(1, d.count("checkout", "decision", "rollback"));
            assertEquals(1, d.count("checkout", "alert", null));
            assertEquals(200, d.post("/api/v1/alerts/alertmanager", "application/json", ALERT, null).statusCode(),
                    "the re-send is now a known episode, answered 200");
        }
    }
}
