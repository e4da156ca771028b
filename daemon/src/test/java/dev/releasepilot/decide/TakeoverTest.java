package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.act.Actuators;
import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.Fence;
import dev.releasepilot.journal.FencedOut;
import dev.releasepilot.journal.FileJournal;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.journal.Page;
import dev.releasepilot.journal.RecoveryReport;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.telemetry.Tracing;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.HostTime;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances' decide stages (each its own Vert.x) over one journal that refuses stale fences as the
 * shared database does: only the caught-up holder decides and acts, the other journals what it
 * received; a new holder completes a rollback the old one decided but did not act on, once; a holder
 * whose lease moved on can neither record nor act. The load balancer is an exec backend keeping its
 * weights in a file, slow on demand.
 */
class TakeoverTest {
    private static final String SCRIPT = """
            #!/bin/sh
            state="%1$s/weights.json"
            if [ "$RP_COMMAND" = read ]; then
              cat "$state" 2>/dev/null || printf '{"stable":9,"canary":1}'
            else
              [ -e "%1$s/slow" ] && sleep 3
              printf '%%s' "$RP_WEIGHTS" > "$state"
              echo "$RP_WEIGHTS" >> "%1$s/writes"
            fi
            """;
    private static final Map<String, String> LABELS = Map.of("alertname", "CheckoutErrors", "service", "checkout");

    @TempDir
    Path dir;
    private FencingJournal journal;
    private RuleSet rules;
    private final Instance a = new Instance("a");
    private final Instance b = new Instance("b");

    /** Decide's lease seam, as the test sets it; records what the journal's refusals told it. */
    static final class TestLeadership implements Leadership {
        final Map<String, Standing> standings = new ConcurrentHashMap<>();
        final List<Long> fencedOut = new CopyOnWriteArrayList<>();

        @Override
        public Standing standing(String service) {
            return standings.getOrDefault(service, new Standing.Follower(""));
        }

        @Override
        public void fencedOut(String service, long epoch) {
            fencedOut.add(epoch);
        }
    }

    /** The journal with the database's fence check: a fenced append must match the service's current lease. */
    static final class FencingJournal implements Journal {
        final FileJournal inner;
        final Map<String, Fence> lease = new ConcurrentHashMap<>();

        FencingJournal(FileJournal inner) {
            this.inner = inner;
        }

        @Override
        public Future<List<JournalEntry>> append(String service, Fence fence, List<Draft> group) {
            if (fence.fenced() && !fence.equals(lease.get(service))) {
                return Future.failedFuture(new FencedOut(service + ": " + fence + " is not the lease " + lease.get(service)));
            }
            return inner.append(service, fence, group);
        }

        /** As the shared journal replays at any time: every record so far (pages leave snapshots out), oldest first. */
        @Override
        public List<JournalEntry> replay(Set<String> services) {
            java.util.ArrayList<JournalEntry> all = new java.util.ArrayList<>();
            for (String s : services) {
                long before = Long.MAX_VALUE;
                java.util.ArrayList<List<JournalEntry>> pages = new java.util.ArrayList<>(); // newest page first
                do {
                    Page p = inner.page(s, before, 500);
                    pages.add(0, p.records());
                    before = p.next();
                } while (before != 0);
                pages.forEach(all::addAll);
            }
            return all;
        }

        @Override
        public Page page(String service, long beforeSeq, int limit) {
            return inner.page(service, beforeSeq, limit);
        }

        @Override
        public RecoveryReport recovery() {
            return inner.recovery();
        }

        @Override
        public boolean writable() {
            return inner.writable();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    final class Instance {
        final String id;
        final long reconcileMs;
        final TestLeadership leadership = new TestLeadership();
        Vertx vertx;
        Pilot pilot;
        SeriesStore store;

        Instance(String id) {
            this(id, 0);
        }

        Instance(String id, long reconcileMs) {
            this.id = id;
            this.reconcileMs = reconcileMs;
        }

        void start() throws Exception {
            vertx = Vertx.vertx();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            pilot = new Pilot(vertx, journal, Clock.systemUTC(), registry, Tracing.off(),
                    r -> Actuators.create(vertx, r.backend()), 100, reconcileMs)
                    .cluster(leadership, id, Duration.ofMillis(500));
            SelectorIndex.Builder index = SelectorIndex.builder();
            for (dev.releasepilot.rules.ServiceRule s : rules.services()) {
                for (dev.releasepilot.rules.Trigger t : s.triggers()) {
                    if (t instanceof dev.releasepilot.rules.ExprTrigger e) {
                        index.add(TriggerKey.of(s.name(), e.name()), e.condition());
                    }
                }
            }
            store = new SeriesStore(index.build(), StoreLimits.defaults(), registry, pilot,
                    new HostTime(Clock.systemUTC(), HostTime.DEFAULT_MAX_SAMPLE_FUTURE));
            pilot.start(rules, () -> new Evaluator(store), new EvaluationGrid(1000), EventSink.NONE).await(30, TimeUnit.SECONDS);
        }

        /** Holds the lease at {@code epoch} (as the database and this instance see it) and catches up. */
        void takeOver(long epoch, String previous) throws Exception {
            Fence fence = new Fence(id, epoch);
            journal.lease.put("checkout", fence);
            leadership.standings.put("checkout", new Standing.Holder(fence, Long.MAX_VALUE));
            pilot.takeOver("checkout", fence, previous).await(10, TimeUnit.SECONDS);
        }

        void follows(String holder) {
            leadership.standings.put("checkout", new Standing.Follower(holder));
        }

        void alert(Instant startsAt) throws Exception {
            pilot.accept(List.of(new AlertSignal("07b7d17d274ba13e", true, startsAt, null, LABELS, Map.of(),
                    "alertmanager", Instant.now(), System.nanoTime()))).await(10, TimeUnit.SECONDS);
        }

        String state() throws Exception {
            return pilot.status("checkout").await(10, TimeUnit.SECONDS).getString("state");
        }

        void stop() throws Exception {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        Path script = dir.resolve("lb.sh");
        Files.writeString(script, SCRIPT.formatted(dir));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        LoadResult r = RuleLoader.parse("takeover.yaml", """
                services:
                  - name: checkout
                    backend: {type: exec, command: %s, args: [], stable: [{server: stable, weight: 9}],
                              canary: [{server: canary, weight: 1}], timeout: 10s}
                    triggers:
                      - name: errors
                        alert: '{alertname="CheckoutErrors"}'
                      - name: error-ratio
                        expr: sum(rate(http_requests_total{service="checkout",code="500"}[30s])) / sum(rate(http_requests_total{service="checkout"}[30s])) > 0.05
                        for: 0s
                    rollout:
                      steps:
                        - {weight: 50, hold: 10m}
                        - {weight: 100}
                """.formatted(script));
        assertTrue(r.ok(), () -> r.errors().toString());
        rules = r.rules();
        journal = new FencingJournal(FileJournal.open(dir.resolve("journal"), Clock.systemUTC(), new SimpleMeterRegistry()));
        a.start();
        b.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        a.stop();
        b.stop();
        journal.close();
    }

    private List<JournalEntry> records() {
        return journal.page("checkout", Long.MAX_VALUE, 1000).records();
    }

    private List<JournalEntry> records(String type) {
        return records().stream().filter(e -> e.type().equals(type)).toList();
    }

    private List<String> writes() throws Exception {
        Path w = dir.resolve("writes");
        return Files.exists(w) ? Files.readAllLines(w) : List.of();
    }

    @Test
    void onlyTheHolderDecidesAndActsTheOtherJournalsWhatItReceived() throws Exception {
        a.takeOver(1, null);
        b.follows("a");
        Instant startsAt = Instant.now();
        a.alert(startsAt);
        b.alert(startsAt);
        b.alert(startsAt); // a repeat: received once
        Poll.until("a rolled back and journaled it", Duration.ofSeconds(20), () -> records("action").size() == 1);

        assertEquals(1, records("action").size(), "one action record: " + records());
        assertEquals(1, records("decision").size());
        List<JournalEntry> received = records("received");
        assertEquals(1, received.size(), "b journaled what it received, once: " + received);
        assertEquals("b", received.get(0).body().getString("instance"));
        assertEquals(1, writes().size(), "the load balancer was written once");
        JsonObject bView = b.pilot.status("checkout").await(10, TimeUnit.SECONDS);
        assertEquals("watch", bView.getJsonObject("lease").getString("role"));
        assertEquals("a", bView.getJsonObject("lease").getString("holder"));
        assertThrows(CommandRefused.class, () -> {
            try {
                b.pilot.command("checkout", new OperatorCommand.Resume("from the wrong instance")).await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw e.getCause() == null ? e : e.getCause();
            }
        }, "b does not take commands for a service a decides");

        // b takes over: what it received is not state; the caught-up machine knows the episode is decided.
        a.follows("b");
        b.takeOver(2, "a");
        assertEquals("ROLLED_BACK", b.state());
        assertEquals(1, records("decision").size(), "the episode a decided is not decided again: " + records());
        assertEquals(1, records("action").size());
        assertEquals(1, writes().size());
    }

    @Test
    void aNewHolderCompletesTheRollbackTheOldOneDecidedButDidNotActOnOnce() throws Exception {
        a.takeOver(1, null);
        b.follows("a");
        Files.createFile(dir.resolve("slow"));
        Instant startsAt = Instant.now();
        a.alert(startsAt);
        b.alert(startsAt);
        Poll.until("a's rollback decision journaled", Duration.ofSeconds(10), () -> records("decision").size() == 1);
        long decisionSeq = records("decision").get(0).seq();

        // a dies with its actuation in flight; its lease moves on to b.
        a.stop();
        Files.delete(dir.resolve("slow"));
        b.takeOver(2, "a");
        Poll.until("b completed the rollback and journaled it", Duration.ofSeconds(20), () -> !records("action").isEmpty());

        List<JournalEntry> takeovers = records("takeover").stream().filter(e -> "b".equals(e.body().getString("holder"))).toList();
        assertEquals(1, takeovers.size(), records().toString());
        assertEquals(decisionSeq, takeovers.get(0).body().getLong("interrupted"), "the interruption is on record");
        assertEquals("a", takeovers.get(0).body().getString("previous_holder"));
        List<JournalEntry> actions = records("action");
        assertEquals(1, actions.size(), "exactly one action record: " + records());
        assertEquals(decisionSeq, actions.get(0).body().getLong("completes"), "the completion names the decision");
        assertEquals("ROLLED_BACK", b.state());
    }

    @Test
    void aHolderWhoseLeaseMovedOnCanNeitherRecordNorAct() throws Exception {
        a.takeOver(1, null);
        b.follows("a");
        // The lease moved on to b at epoch 2 (a was paused past its lease); a has not noticed yet, and by
        // its own monotonic clock its lease is over.
        journal.lease.put("checkout", new Fence("b", 2));
        a.leadership.standings.put("checkout", new Standing.Holder(new Fence("a", 1), System.nanoTime() - 1));
        assertThrows(Exception.class, () -> a.alert(Instant.now()), "the alert is not durable at a: Alertmanager re-sends it");
        Poll.until("a was told its fence is refused", Duration.ofSeconds(10), () -> a.leadership.fencedOut.contains(1L));
        assertFalse(records().stream().anyMatch(e -> e.type().equals("decision")), "nothing recorded at epoch 1: " + records());
        a.pilot.status("checkout").await(10, TimeUnit.SECONDS); // a turn of a's service context after the refusal
        assertEquals(List.of(), writes(), "the load balancer was not touched");
    }

    @Test
    void anExprTriggerThatFiredWhileAFollowerWatchedIsDecidedWhenItTakesOver() throws Exception {
        a.takeOver(1, null);
        b.follows("a");
        // Only b sees the samples (a died before they came): 10 requests a second, half failing.
        long t0 = System.currentTimeMillis() - 120_000;
        for (int s = 0; s < 60; s++) {
            long t = t0 + s * 1000L;
            b.store.accept(List.of(new dev.releasepilot.window.Sample(PilotHarness.requests("checkout", "200"), t, 5.0 * s),
                    new dev.releasepilot.window.Sample(PilotHarness.requests("checkout", "500"), t, 5.0 * s)))
                    .await(10, TimeUnit.SECONDS);
        }
        Poll.until("b's warm evaluation fires", Duration.ofSeconds(20), () -> "FIRING".equals(b.pilot.status("checkout")
                .await(10, TimeUnit.SECONDS).getJsonObject("expr_triggers").getJsonObject("error-ratio").getString("state")));
        assertEquals(List.of(), records("decision"), "a follower does not decide");

        a.stop();
        b.takeOver(2, "a");
        Poll.until("b decided and acted on what fired while it watched", Duration.ofSeconds(20),
                () -> records("action").size() == 1);
        List<JournalEntry> decisions = records("decision");
        assertEquals(1, decisions.size(), records().toString());
        assertEquals("error-ratio", decisions.get(0).body().getString("trigger"));
        assertEquals("rollback", decisions.get(0).body().getString("kind"));
    }

    @Test
    void aRolloutMovesOnlyUnderTheLeaseAndTheNewHolderPutsItsStepBackOnTheLoadBalancer() throws Exception {
        a.takeOver(1, null);
        b.follows("a");
        a.pilot.command("checkout", new OperatorCommand.Release("v2", new JsonObject(), "deploy")).await(10, TimeUnit.SECONDS);
        Poll.until("a put step 1 on the load balancer", Duration.ofSeconds(20), () -> writes().size() == 1);
        String step1 = writes().get(0);
        Poll.until("step 1 applied, on record", Duration.ofSeconds(10), () -> records("step_applied").size() == 1);
        assertThrows(Exception.class, () -> b.pilot.command("checkout", new OperatorCommand.Promote("from the follower"))
                .await(10, TimeUnit.SECONDS), "a follower does not move a rollout");

        a.stop(); // dies in the middle of its plan
        b.takeOver(2, "a");
        Poll.until("b put the step it caught up to back on the load balancer", Duration.ofSeconds(20), () -> writes().size() == 2);
        assertEquals(step1, writes().get(1), "the same step, not the next and not the stable weights");
        JsonObject release = b.pilot.status("checkout").await(10, TimeUnit.SECONDS).getJsonObject("release");
        assertEquals("v2", release.getString("version"));
        assertEquals(1, release.getInteger("step"), release.encodePrettily());
        assertEquals(1, records("step_applied").size(), "re-applying a step already on record adds no record (as after a restart)");
    }

    private int canaryWeightSeenBy(Instance i) throws Exception {
        JsonObject w = i.pilot.status("checkout").await(10, TimeUnit.SECONDS).getJsonObject("weights");
        return w == null || w.getJsonObject("canary") == null ? -1 : w.getJsonObject("canary").getInteger("weight");
    }

    /** The load balancer's weights change behind everyone's back; the next read-back of {@code i} sees them. */
    private void lbNowHasCanary(int canary, Instance... readers) throws Exception {
        Files.writeString(dir.resolve("weights.json"), "{\"stable\":9,\"canary\":" + canary + "}");
        for (Instance i : readers) {
            Poll.until(i.id + " read the weights back", Duration.ofSeconds(20), () -> canaryWeightSeenBy(i) == canary);
        }
    }

    @Test
    void anAlertThatArrivedWhileWatchingIsRolledBackOnceTheStoreIsGone() throws Exception {
        // Seen in CI: the lease was taken as PostgreSQL crashed, the catch-up could not read, the alert was only
        // remembered (watching), and nothing decided it when the lease lapsed into the outage.
        b.follows("a");
        b.alert(Instant.now());
        Poll.until("b journaled what it received", Duration.ofSeconds(20), () -> records("received").size() == 1);
        assertEquals(0, writes().size(), "a follower does not act");
        b.leadership.standings.put("checkout", new Standing.Disconnected("database down"));
        Poll.until("b rolled back in the outage (the safe direction)", Duration.ofSeconds(20),
                () -> records("action").size() == 1);
        assertEquals(1, writes().size(), "written once: " + writes());
        assertEquals("ROLLED_BACK", b.state());
    }

    @Test
    void duringAnOutageNoInstanceRepairsDriftFromAViewThatMayBeBehind() throws Exception {
        Instance x = new Instance("x", 100);
        Instance y = new Instance("y", 100);
        x.start();
        y.start();
        try {
            // y rolled back an earlier release, then handed the service over to x, which released v2.
            y.takeOver(1, null);
            x.follows("y");
            y.alert(Instant.now());
            Poll.until("y rolled back", Duration.ofSeconds(20), () -> records("action").size() == 1);
            y.follows("x");
            y.pilot.stepDown("checkout").await(10, TimeUnit.SECONDS);
            x.takeOver(2, "y");
            x.pilot.command("checkout", new OperatorCommand.Resume("fixed")).await(10, TimeUnit.SECONDS);
            x.pilot.command("checkout", new OperatorCommand.Release("v2", new JsonObject(), "deploy")).await(10, TimeUnit.SECONDS);
            Poll.until("x put step 1 on the load balancer", Duration.ofSeconds(20), () -> records("step_applied").size() == 1);
            int writesBefore = writes().size();
            int driftsBefore = records("drift").size();

            // The database goes away: x's lease lapses, y never learnt of v2. Both read the weights back.
            x.leadership.standings.put("checkout", new Standing.Disconnected("database down"));
            y.leadership.standings.put("checkout", new Standing.Disconnected("database down"));
            lbNowHasCanary(3, x, y);
            lbNowHasCanary(4, x, y); // a second read each: any repair of the first would be on the LB by now

            assertEquals(writesBefore, writes().size(), "nobody wrote the load balancer: " + writes());
            assertEquals(driftsBefore, records("drift").size(), "no drift judged without a lease: " + records("drift"));
            assertEquals("CANARY", x.state());
        } finally {
            x.stop();
            y.stop();
        }
    }
}
