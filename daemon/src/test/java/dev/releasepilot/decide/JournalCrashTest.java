package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.act.Actuators;
import dev.releasepilot.journal.FaultyIo;
import dev.releasepilot.journal.FileJournal;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.journal.SegmentIo;
import dev.releasepilot.peers.FreePort;
import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.HostTime;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill at any instant of the journal's writes loses no rollback. Deterministic fault injection, no
 * timing: a first life of the pipeline (real journal files, real HAProxy) takes a firing alert, and its
 * storage "crashes" after exactly N bytes — between any two writes, or inside a frame's header or
 * payload — or the disk fills at byte N. A second life recovers from whatever reached the disk,
 * Alertmanager re-sends the alert (as it does until it gets a 2xx), and HAProxy's canary must end at
 * weight 0 with exactly one rollback decision in the journal. The canary is put back to full weight
 * between the lives, as if the first life had died before actuating.
 */
class JournalCrashTest {
    private static final Map<String, String> LABELS = Map.of("alertname", "CheckoutErrors", "severity", "critical");
    private static final Instant STARTS_AT = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir
    static Path tmp;
    private static Vertx vertx;
    private static Haproxy haproxy;
    private static RuleSet rules;

    /** One process lifetime: a journal and the decide stage on it. */
    private record Life(FileJournal journal, Pilot pilot) {
        JsonObject status() throws Exception {
            return pilot.status("checkout").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }

        List<JournalEntry> history() {
            return journal.page("checkout", Long.MAX_VALUE, 1_000).records();
        }

        long rollbackDecisions() {
            return history().stream().filter(e -> e.type().equals("decision")
                    && "rollback".equals(e.body().getString("kind"))).count();
        }

        boolean journaled(String type) {
            return history().stream().anyMatch(e -> e.type().equals(type));
        }
    }

    @BeforeAll
    static void peers() {
        vertx = Vertx.vertx();
        haproxy = new Haproxy(tmp.resolve("haproxy"), FreePort.get(), FreePort.get()).start();
        LoadResult r = RuleLoader.parse("crash.yaml", """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: "127.0.0.1:%d", backend: be_checkout,
                              stable: [stable1], canary: [canary1], timeout: 1s}
                    triggers:
                      - name: paged
                        alert: '{alertname=~"Checkout.*", severity="critical"}'
                    on_trigger: rollback
                    cooldown: 10m
                """.formatted(haproxy.apiPort));
        assertTrue(r.ok(), r.errors().toString());
        rules = r.rules();
    }

    @AfterAll
    static void stop() {
        haproxy.close();
        vertx.close().await();
    }

    @Test
    void aCrashAtAnyByteOfTheJournalLosesNoRollback() throws Exception {
        // A clean life, counted: where the frames are, so that crashes land on every boundary and inside.
        FaultyIo counting = FaultyIo.counting();
        Life clean = start(tmp.resolve("clean"), counting);
        fire(clean);
        Poll.until("the clean life's rollback journaled", Duration.ofSeconds(10), () -> clean.journaled("action"));
        long total = counting.written();
        kill(clean);

        TreeSet<Long> budgets = new TreeSet<>();
        for (long b = 0; b <= total; b += Math.max(1, total / 100)) {
            budgets.add(b);
        }
        for (long edge : new long[] {0, 28, total}) { // before anything, the first header's end, the very end
            for (long d = -2; d <= 2; d++) {
                budgets.add(Math.max(0, Math.min(total, edge + d)));
            }
        }
        int lost = 0;
        int n = 0;
        for (long budget : budgets) {
            FaultyIo io = FaultyIo.crashAfter(budget);
            Path dir = tmp.resolve("crash-" + budget);
            Life first = start(dir, io);
            fire(first);
            Poll.until("the first life crashed or finished", Duration.ofSeconds(10),
                    () -> io.tripped() || first.journaled("action"));
            kill(first);
            lost += secondLifeRollsBack(dir, "crash after " + budget + " of " + total + " bytes") ? 0 : 1;
            n++;
        }
        assertTrue(n >= 100, n + " trials");
        assertEquals(0, lost, "rollbacks lost in " + n + " crash trials");
    }

    @Test
    void aFullDiskLosesNoRollbackWhetherTheProcessDiesOrTheDiskRecovers() throws Exception {
        FaultyIo counting = FaultyIo.counting();
        Life clean = start(tmp.resolve("clean-full"), counting);
        fire(clean);
        Poll.until("the clean life's rollback journaled", Duration.ofSeconds(10), () -> clean.journaled("action"));
        long total = counting.written();
        kill(clean);

        int n = 0;
        // Timestamps vary a few bytes in length from run to run: keep clear of the very end, where the disk
        // might not fill at all.
        for (long budget = 0; budget < total - 32; budget += Math.max(1, total / 15)) {
            for (boolean recovers : new boolean[] {false, true}) {
                FaultyIo io = FaultyIo.fullAfter(budget);
                Path dir = tmp.resolve("full-" + budget + "-" + recovers);
                Life first = start(dir, io);
                fire(first);
                String what = "disk full after " + budget + " of " + total + " bytes, " + (recovers ? "then freed" : "then killed");
                Poll.until("the disk filled: " + what, Duration.ofSeconds(10), io::tripped);
                // Users are protected at once: the rollback does not wait for the disk.
                Poll.until("canary drained while the disk is full: " + what, Duration.ofSeconds(10),
                        () -> haproxy.weight("canary1") == 0);
                assertFalse(first.journal.writable(), what);
                if (recovers) {
                    io.free();
                    Poll.until("the backlog reaches the disk: " + what, Duration.ofSeconds(10),
                            () -> first.journaled("action") && first.journal.writable());
                    assertEquals(1, first.rollbackDecisions(), what);
                }
                kill(first);
                assertTrue(secondLifeRollsBack(dir, what), what);
                n++;
            }
        }
        assertTrue(n >= 20, n + " trials");
    }

    /** The canary back at full weight, a second life on what the disk holds, the alert re-sent. */
    private boolean secondLifeRollsBack(Path dir, String what) throws Exception {
        haproxy.command("set weight be_checkout/canary1 10");
        Life second = start(dir, SegmentIo.FILES);
        try {
            fire(second);
            // Done when the canary is at 0 and the service says so (a first life that journaled its action
            // finds the restored weight as drift on start and re-applies the rollback).
            Poll.until("canary drained in the second life: " + what, Duration.ofSeconds(10),
                    () -> haproxy.weight("canary1") == 0 && second.journaled("action")
                            && "ROLLED_BACK".equals(second.status().getString("state")));
            long decisions = second.rollbackDecisions();
            assertEquals(1, decisions, what + ": one rollback decision, whatever the crash");
            return decisions == 1;
        } finally {
            kill(second);
        }
    }

    private static Life start(Path dir, SegmentIo io) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FileJournal journal = FileJournal.open(dir, Clock.systemUTC(), registry, FileJournal.Options.defaults().withIo(io));
        Pilot pilot = new Pilot(vertx, journal, Clock.systemUTC(), registry, dev.releasepilot.telemetry.Tracing.off(), r -> Actuators.create(vertx, r.backend()),
                50, 0);
        SeriesStore store = new SeriesStore(SelectorIndex.builder().build(), StoreLimits.defaults(), registry, pilot,
                new HostTime(Clock.systemUTC(), HostTime.DEFAULT_MAX_SAMPLE_FUTURE));
        pilot.start(rules, () -> new Evaluator(store), new EvaluationGrid(1_000), EventSink.NONE)
                .await(10, TimeUnit.SECONDS);
        return new Life(journal, pilot);
    }

    /** Alertmanager's notification, as ingest decodes it; the answer (2xx or 503) does not matter here. */
    private static void fire(Life life) throws Exception {
        Instant now = Instant.now();
        AlertSignal a = new AlertSignal("07b7d17d274ba13e", true, STARTS_AT, null, LABELS, Map.of(), "alertmanager",
                now, System.nanoTime());
        life.pilot.accept(List.of(a)).toCompletionStage().toCompletableFuture().handle((v, e) -> e)
                .get(10, TimeUnit.SECONDS);
    }

    /** The process ends: its services stop (timers included) and its files are released. */
    private static void kill(Life life) throws Exception {
        for (String id : vertx.deploymentIDs()) {
            vertx.undeploy(id).await(10, TimeUnit.SECONDS);
        }
        life.journal.close();
    }

}
