package dev.releasepilot.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.decide.Standing;
import dev.releasepilot.decide.Succession;
import dev.releasepilot.journal.Fence;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.Postgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lease keepers of two instances against a real PostgreSQL: they share the services between them,
 * each held by exactly one; a keeper cut off from the database stops counting on its leases before
 * the database lets them expire, and the other takes them over with a higher epoch; a clean stop
 * releases at once.
 */
class LeaseKeeperTest {
    // The lease table as the journal's first migration creates it.
    static final String LEASES_DDL = """
            CREATE TABLE release_pilot_leases (service text PRIMARY KEY, holder text NOT NULL,
                epoch bigint NOT NULL, expires_at timestamptz NOT NULL)""";
    private static final LeaseTiming TIMING = new LeaseTiming(Duration.ofSeconds(2), Duration.ofMillis(400),
            Duration.ofMillis(500), Duration.ofMillis(500));
    private static final List<String> SERVICES = IntStream.range(0, 20).mapToObj(i -> "svc-" + i).toList();

    private static Postgres pg;
    private static int databases;
    private Vertx vertx;
    private String db;
    private final List<Pool> pools = new ArrayList<>();

    /** What decide's router would be told: takeovers, in order. */
    record TakeOver(String service, Fence fence, String previous) {
    }

    static final class Recorder implements Succession {
        final String id;
        final List<TakeOver> takeovers = new CopyOnWriteArrayList<>();
        final List<String> stepDowns = new CopyOnWriteArrayList<>();
        final List<String> timeline; // "a takes svc-1", "a steps down svc-1", shared by the instances

        Recorder() {
            this("", new CopyOnWriteArrayList<>());
        }

        Recorder(String id, List<String> timeline) {
            this.id = id;
            this.timeline = timeline;
        }

        @Override
        public Future<Void> takeOver(String service, Fence fence, String previousHolder) {
            takeovers.add(new TakeOver(service, fence, previousHolder));
            timeline.add(id + " takes " + service);
            return Future.succeededFuture();
        }

        @Override
        public Future<Void> stepDown(String service) {
            stepDowns.add(service);
            timeline.add(id + " steps down " + service);
            return Future.succeededFuture();
        }
    }

    @BeforeAll
    static void startPostgres() {
        pg = new Postgres().start();
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @BeforeEach
    void schema() throws Exception {
        db = "leases" + (++databases);
        pg.createDatabase(db);
        pg.sql(db, LEASES_DDL);
        try (var in = LeaseStore.class.getResourceAsStream("/db/migration/V2__cluster_instances.sql")) {
            pg.sql(db, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        vertx = Vertx.vertx();
    }

    @AfterEach
    void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private LeaseStore store() {
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
                .connectingTo(PgConnectOptions.fromUri(pg.url(db))).using(vertx).build();
        pools.add(pool);
        return new LeaseStore(pool);
    }

    private LeaseKeeper keeper(String id, LeaseStore store, Recorder recorder) throws Exception {
        LeaseKeeper k = new LeaseKeeper(store, id, "127.0.0.1:" + id, TIMING, () -> SERVICES,
                new ClusterMetrics(new SimpleMeterRegistry()));
        k.succession(recorder);
        vertx.deployVerticle(k).await(10, TimeUnit.SECONDS);
        return k;
    }

    private Map<String, Lease> leases(LeaseStore store) throws Exception {
        return store.leases().await(10, TimeUnit.SECONDS).stream().collect(Collectors.toMap(Lease::service, l -> l));
    }

    private static boolean holds(LeaseKeeper k, String service) {
        return k.standing(service) instanceof Standing.Holder;
    }

    @Test
    void twoInstancesShareTheServicesEachHeldByExactlyOne() throws Exception {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        LeaseKeeper a = keeper("a", store(), ra);
        LeaseKeeper b = keeper("b", store(), rb);
        LeaseStore reader = store();
        Poll.until("every service held, by the instance rendezvous hashing names", Duration.ofSeconds(20), () ->
                SERVICES.stream().allMatch(s -> holds(a, s) != holds(b, s)
                        && holds(a, s) == "a".equals(Rendezvous.owner(s, List.of("a", "b")))));
        Map<String, Lease> rows = leases(reader);
        for (String s : SERVICES) {
            LeaseKeeper holder = holds(a, s) ? a : b;
            Lease l = rows.get(s);
            assertEquals(holder.id(), l.holder(), s);
            assertFalse(l.expired(), s);
            Standing.Holder h = (Standing.Holder) holder.standing(s);
            assertEquals(new Fence(holder.id(), l.epoch()), h.fence(), s);
        }
        assertTrue(SERVICES.stream().anyMatch(s -> holds(a, s)) && SERVICES.stream().anyMatch(s -> holds(b, s)),
                "both instances hold some");
        // Every lease taken was announced to decide once, with the fence it was taken at.
        assertEquals(SERVICES.size(), ra.takeovers.size() + rb.takeovers.size() - ra.stepDowns.size() - rb.stepDowns.size());
    }

    @Test
    void aHolderCutOffFromTheDatabaseStopsBeforeItsLeaseExpiresAndTheOtherTakesOver() throws Exception {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        LeaseStore storeOfA = store();
        Pool poolOfA = pools.get(pools.size() - 1);
        LeaseKeeper a = keeper("a", storeOfA, ra);
        Poll.until("a alone holds every service", Duration.ofSeconds(20), () -> SERVICES.stream().allMatch(s -> holds(a, s)));
        LeaseKeeper b = keeper("b", store(), rb);
        LeaseStore reader = store();
        // a keeps what rendezvous hashing gives it over {a, b}; the rest is handed over to b.
        String kept = SERVICES.stream().filter(s -> "a".equals(Rendezvous.owner(s, List.of("a", "b")))).findFirst().orElseThrow();
        Poll.until("services shared", Duration.ofSeconds(20), () -> SERVICES.stream().allMatch(s -> holds(a, s) != holds(b, s)));
        long epochOfA = ((Standing.Holder) a.standing(kept)).fence().epoch();

        poolOfA.close().await(10, TimeUnit.SECONDS); // a can no longer reach the database

        Poll.until("a stops counting on its lease", Duration.ofSeconds(10), () -> !holds(a, kept));
        Lease atLapse = leases(reader).get(kept);
        assertEquals("a", atLapse.holder(), "nobody else may have it yet");
        assertEquals(epochOfA, atLapse.epoch());
        assertFalse(atLapse.expired(), "a gave the lease up locally before the database's expiry: " + atLapse);
        assertInstanceOf(Standing.Disconnected.class, a.standing(kept), "a knows the store is unreachable");

        Poll.until("b takes it over", Duration.ofSeconds(15), () -> holds(b, kept));
        Standing.Holder h = (Standing.Holder) b.standing(kept);
        assertTrue(h.fence().epoch() > epochOfA, "a new epoch: " + h.fence());
        assertTrue(rb.takeovers.contains(new TakeOver(kept, h.fence(), "a")), "b caught up, told who held it before: " + rb.takeovers);
    }

    @Test
    void aCleanStopReleasesItsLeasesAndLeavesTheInstancesAtOnce() throws Exception {
        Recorder ra = new Recorder();
        LeaseKeeper a = keeper("a", store(), ra);
        LeaseStore reader = store();
        Poll.until("a holds every service", Duration.ofSeconds(20), () -> SERVICES.stream().allMatch(s -> holds(a, s)));
        vertx.undeploy(a.deploymentID()).await(10, TimeUnit.SECONDS);
        Map<String, Lease> rows = leases(reader);
        for (String s : SERVICES) {
            assertTrue(rows.get(s).expired(), s + " released: " + rows.get(s));
        }
        assertEquals(SERVICES.size(), ra.stepDowns.size(), "each service stepped down before its lease went");
        assertTrue(reader.instances().await(10, TimeUnit.SECONDS).isEmpty(), "a left the live set");
    }

    @Test
    void anInstanceJoiningGetsItsServicesHandedOverCleanly() throws Exception {
        List<String> timeline = new CopyOnWriteArrayList<>();
        Recorder ra = new Recorder("a", timeline);
        Recorder rb = new Recorder("b", timeline);
        LeaseKeeper a = keeper("a", store(), ra);
        Poll.until("a alone holds every service", Duration.ofSeconds(20), () -> SERVICES.stream().allMatch(s -> holds(a, s)));
        LeaseKeeper b = keeper("b", store(), rb);
        List<String> moved = SERVICES.stream().filter(s -> "b".equals(Rendezvous.owner(s, List.of("a", "b")))).toList();
        assertFalse(moved.isEmpty());
        Poll.until("b holds what rendezvous hashing gives it, a the rest", Duration.ofSeconds(20), () -> SERVICES.stream()
                .allMatch(s -> holds(b, s) == moved.contains(s) && holds(a, s) != moved.contains(s)));
        for (String s : moved) {
            int steppedDown = timeline.indexOf("a steps down " + s);
            int taken = timeline.indexOf("b takes " + s);
            assertTrue(steppedDown >= 0 && steppedDown < taken, s + ": a stepped down before b took over: " + timeline);
            TakeOver t = rb.takeovers.stream().filter(x -> x.service().equals(s)).findFirst().orElseThrow();
            assertEquals("a", t.previous(), "b was told who held it");
            assertEquals(((Standing.Holder) b.standing(s)).fence(), t.fence());
        }
        assertEquals(moved.size(), ra.stepDowns.size(), "only the moved services stepped down: " + ra.stepDowns);
    }
}
