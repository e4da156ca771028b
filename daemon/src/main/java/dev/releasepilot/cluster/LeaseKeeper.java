package dev.releasepilot.cluster;

import dev.releasepilot.decide.Leadership;
import dev.releasepilot.decide.Standing;
import dev.releasepilot.decide.Succession;
import dev.releasepilot.journal.Fence;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Takes, renews and gives up this instance's service leases. Its own verticle: all its state lives on
 * its context; decide reads this instance's standing from an immutable snapshot ({@link #standing}),
 * from any thread, without blocking.
 *
 * <p>Every {@code renewEvery}: heartbeat, renew what is held (one statement for all), read the
 * instances and the leases. Of the live instances (seen within a ttl), rendezvous hashing names who
 * should hold each service: that instance takes a free or expired lease at once; any other takes it
 * only after it stayed free for a ttl (so a service whose preferred instance lacks it still gets a
 * holder). A held lease whose preferred instance is someone else live is handed over: the service
 * steps down (no actuation in flight), then the lease is released so the other takes it at once.
 *
 * <p>Validity: a renewal (or acquisition) SENT at monotonic time t makes the lease valid locally
 * until t + ttl − margin. The database set the expiry to its now() + ttl, and its now() is no earlier
 * than when we sent, so locally the lease ends before the database lets anyone else take it, whatever
 * the instances' wall clocks say; only the rates of the two clocks have to agree within the margin.
 * A holder whose renewals fail therefore stops acting before its lease can expire.
 */
public final class LeaseKeeper extends VerticleBase implements Leadership {
    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class.getName());
    /**
     * Takeovers (each a catch-up read of the journal) in flight at once: an instance that finds a
     * hundred free leases takes them a few at a time (the next as soon as one is caught up) instead of
     * queueing a hundred reads on the journal's pool.
     */
    static final int MAX_TAKEOVERS_AT_ONCE = 8;
    /**
     * A lease taken although another live instance should hold it (it stayed free a ttl: that instance
     * lacks the service in its rules, or is failing to take it) is kept at least this long before it is
     * handed to that instance, so such a service does not bounce between them every few seconds.
     */
    static final long KEEP_FALLBACK_NANOS = 60_000_000_000L;

    private final LeaseStore store;
    private final String id;
    private String address; // where the others reach this instance's API; set before deployment
    private final LeaseTiming timing;
    private final Supplier<Collection<String>> services;
    private final ClusterMetrics metrics;
    private Succession succession;
    private java.util.function.BooleanSupplier readyToLead = () -> true;

    // Owned by this verticle's context.
    private final Map<String, Held> held = new HashMap<>();
    private final Map<String, Long> freeSince = new HashMap<>();
    private final Set<String> moving = new HashSet<>(); // being taken over or handed over
    private final Map<String, Long> fallbackSince = new HashMap<>(); // taken while another should hold it
    private boolean ticking;
    private boolean stopping;
    private long tickTimer = -1;
    private long sweepAt;

    /**
     * What other threads read: replaced whole, never changed. Connected from the start: the journal
     * reached the database just before (a follower until the first round says more, never "disconnected",
     * which would let every instance roll back on its own).
     */
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), true, "", List.of(), List.of());

    private record Held(long epoch, long validUntilNanos) {
    }

    private record Snapshot(Map<String, Held> held, Map<String, String> holders, boolean connected, String why,
                            List<Instance> instances, List<Lease> leases) {
    }

    public LeaseKeeper(LeaseStore store, String id, String address, LeaseTiming timing,
                       Supplier<Collection<String>> services, ClusterMetrics metrics) {
        this.store = store;
        this.id = id;
        this.address = address;
        this.timing = timing;
        this.services = services;
        this.metrics = metrics;
    }

    /** Set before deployment: who catches up and steps down (decide's router). */
    public void succession(Succession s) {
        this.succession = s;
    }

    /**
     * Takes no new lease while this is false: the journal still holds records of this instance's that
     * the shared journal has not (written locally during an outage), and a takeover catches up from the
     * shared journal. Renewing the leases already held goes on.
     */
    public void readyToLead(java.util.function.BooleanSupplier ready) {
        this.readyToLead = ready;
    }

    /** Where the other instances reach this one's API (host:port), as heartbeats record it. Before deployment. */
    public void advertise(String address) {
        this.address = address;
    }

    /** The address instance {@code id} last heartbeat with, or null when it is not known. */
    public String addressOf(String id) {
        for (Instance i : snapshot.instances) {
            if (i.id().equals(id)) {
                return i.address();
            }
        }
        return null;
    }

    public String id() {
        return id;
    }

    @Override
    public Future<?> start() {
        long every = timing.renewEvery().toMillis();
        tickTimer = vertx.setPeriodic(0, every, t -> tick());
        return Future.succeededFuture();
    }

    /**
     * A clean stop: every service steps down, its lease is released and this instance leaves the live
     * set, so the others take over at once instead of after a ttl.
     */
    @Override
    public Future<?> stop() {
        stopping = true;
        vertx.cancelTimer(tickTimer);
        List<Future<?>> released = new ArrayList<>();
        for (Map.Entry<String, Held> e : new ArrayList<>(held.entrySet())) {
            released.add(handOver(e.getKey(), e.getValue().epoch()));
        }
        return Future.join(released).transform(x -> store.leave(id)).recover(e -> Future.succeededFuture());
    }

    @Override
    public Standing standing(String service) {
        Snapshot s = snapshot;
        Held h = s.held.get(service);
        if (h != null && h.validUntilNanos - System.nanoTime() > 0) {
            return new Standing.Holder(new Fence(id, h.epoch), h.validUntilNanos);
        }
        if (!s.connected) {
            return new Standing.Disconnected(s.why);
        }
        return new Standing.Follower(s.holders.getOrDefault(service, ""));
    }

    @Override
    public void fencedOut(String service, long epoch) {
        context.runOnContext(v -> {
            metrics.fencedOut(service);
            Held h = held.get(service);
            if (h != null && h.epoch == epoch) {
                LOG.warning(() -> "service " + service + ": the journal refused epoch " + epoch + "; lease given up");
                held.remove(service);
                fallbackSince.remove(service);
                publish(snapshot.connected, snapshot.why, snapshot.instances, snapshot.leases);
            }
        });
    }

    /** For {@code GET /api/v1/cluster}: as of the last round trip (at most one renew interval old). */
    public JsonObject view() {
        Snapshot s = snapshot;
        JsonArray instances = new JsonArray();
        long liveMs = timing.ttl().toMillis();
        List<String> live = new ArrayList<>();
        for (Instance i : s.instances) {
            instances.add(new JsonObject().put("id", i.id()).put("address", i.address())
                    .put("last_seen", i.lastSeen().toString()).put("live", i.sinceSeenMs() < liveMs));
            if (i.sinceSeenMs() < liveMs) {
                live.add(i.id());
            }
        }
        JsonArray leases = new JsonArray();
        for (Lease l : s.leases) {
            // should_hold: who rendezvous hashing over the live instances names; a lease moves there.
            leases.add(new JsonObject().put("service", l.service()).put("holder", l.holder()).put("epoch", l.epoch())
                    .put("expires_in_ms", Math.max(0, l.expiresInMs())).put("expired", l.expired())
                    .put("should_hold", Rendezvous.owner(l.service(), live)));
        }
        JsonArray mine = new JsonArray();
        s.held.keySet().stream().sorted().forEach(mine::add);
        return new JsonObject().put("instance", id).put("connected", s.connected).put("error", s.connected ? null : s.why)
                .put("lease_ttl_ms", timing.ttl().toMillis()).put("renew_every_ms", timing.renewEvery().toMillis())
                .put("held", mine).put("instances", instances).put("leases", leases);
    }

    private void tick() {
        if (ticking || stopping) {
            return; // a slow round trip: the next tick starts when it ends
        }
        ticking = true;
        long sent = System.nanoTime();
        Map<String, Long> renewing = new HashMap<>();
        held.forEach((s, h) -> renewing.put(s, h.epoch));
        Future<Void> beat = store.heartbeat(id, address);
        Future<Map<String, Long>> renewed = store.renew(id, renewing, timing.ttl().toMillis());
        Future<List<Instance>> instances = store.instances();
        Future<List<Lease>> leases = store.leases();
        long deadline = vertx.setTimer(timing.ttl().toMillis(), t -> {
            if (ticking) {
                disconnected("no answer from the database within " + timing.ttl().toMillis() + " ms");
            }
        });
        Future.all(beat, renewed, instances, leases).onComplete(ar -> {
            vertx.cancelTimer(deadline);
            ticking = false;
            if (stopping) {
                return;
            }
            if (ar.failed()) {
                metrics.renewFailed();
                disconnected(String.valueOf(ar.cause().getMessage()));
                return;
            }
            renewedAt(sent, renewing, renewed.result());
            publish(true, null, instances.result(), leases.result());
            claim(instances.result(), leases.result());
            if (System.nanoTime() - sweepAt > 60_000_000_000L) {
                sweepAt = System.nanoTime();
                store.sweep();
            }
        });
    }

    private void renewedAt(long sent, Map<String, Long> asked, Map<String, Long> kept) {
        long until = sent + timing.ttl().toNanos() - timing.margin().toNanos();
        for (Map.Entry<String, Long> e : asked.entrySet()) {
            String service = e.getKey();
            Held h = held.get(service);
            if (h == null || h.epoch != e.getValue()) {
                continue; // given up or re-taken meanwhile
            }
            if (kept.containsKey(service)) {
                held.put(service, new Held(h.epoch, until));
            } else {
                LOG.warning(() -> "service " + service + ": lease epoch " + h.epoch + " was lost (expired before renewal)");
                held.remove(service);
                fallbackSince.remove(service);
                metrics.lost(service);
                stepDown(service);
            }
        }
    }

    /** Takes the free leases this instance should hold, and hands over the ones another instance should. */
    private void claim(List<Instance> instances, List<Lease> leases) {
        long liveMs = timing.ttl().toMillis();
        List<String> live = new ArrayList<>();
        for (Instance i : instances) {
            if (i.sinceSeenMs() < liveMs) {
                live.add(i.id());
            }
        }
        if (!live.contains(id)) {
            live.add(id); // our heartbeat just landed
        }
        Map<String, Lease> byService = new HashMap<>();
        leases.forEach(l -> byService.put(l.service(), l));
        long now = System.nanoTime();
        boolean mayTake = readyToLead.getAsBoolean();
        Collection<String> mine = services.get();
        for (String service : List.copyOf(held.keySet())) {
            if (!mine.contains(service) && !moving.contains(service)) {
                LOG.info(() -> "service " + service + ": no longer in the rules; its lease is released");
                handOver(service, held.get(service).epoch);
            }
        }
        for (String service : mine) {
            if (moving.contains(service)) {
                continue;
            }
            String preferred = Rendezvous.owner(service, live);
            Held h = held.get(service);
            if (h != null) {
                Long fallback = fallbackSince.get(service);
                if (fallback != null && now - fallback < KEEP_FALLBACK_NANOS) {
                    continue;
                }
                fallbackSince.remove(service);
                if (!preferred.equals(id)) {
                    LOG.info(() -> "service " + service + ": handing the lease over to " + preferred);
                    handOver(service, h.epoch);
                }
                continue;
            }
            Lease l = byService.get(service);
            if (l != null && !l.expired()) {
                freeSince.remove(service);
                continue;
            }
            long since = freeSince.computeIfAbsent(service, k -> now);
            if (mayTake && moving.size() < MAX_TAKEOVERS_AT_ONCE && (preferred.equals(id) || now - since >= timing.ttl().toNanos())) {
                if (!preferred.equals(id)) {
                    fallbackSince.put(service, now);
                }
                take(service, l);
            }
        }
    }

    private void take(String service, Lease previous) {
        moving.add(service);
        long sent = System.nanoTime();
        store.acquire(service, id, timing.ttl().toMillis()).onComplete(ar -> {
            if (ar.failed() || ar.result() == 0 || stopping) {
                moving.remove(service);
                return;
            }
            long epoch = ar.result();
            freeSince.remove(service);
            held.put(service, new Held(epoch, sent + timing.ttl().toNanos() - timing.margin().toNanos()));
            String before = previous == null || previous.holder().equals(id) ? null : previous.holder();
            metrics.acquired(service, epoch, before != null);
            LOG.info(() -> "service " + service + ": lease taken at epoch " + epoch
                    + (before == null ? "" : " (from " + before + ")"));
            publish(snapshot.connected, snapshot.why, snapshot.instances, snapshot.leases);
            succession.takeOver(service, new Fence(id, epoch), before).onComplete(x -> {
                moving.remove(service);
                if (!stopping && snapshot.connected) {
                    claim(snapshot.instances, snapshot.leases); // the next free one now, not at the next round
                }
            });
        });
    }

    private Future<Void> handOver(String service, long epoch) {
        moving.add(service);
        return succession.stepDown(service).compose(v -> {
            held.remove(service);
            fallbackSince.remove(service);
            metrics.lost(service);
            publish(snapshot.connected, snapshot.why, snapshot.instances, snapshot.leases);
            return store.release(service, id, epoch).<Void>mapEmpty();
        }).onComplete(ar -> moving.remove(service));
    }

    private void stepDown(String service) {
        publish(snapshot.connected, snapshot.why, snapshot.instances, snapshot.leases);
        succession.stepDown(service);
    }

    private void disconnected(String why) {
        if (snapshot.connected) {
            LOG.warning("lease store unreachable: " + why + "; held leases lapse locally before they can expire");
        }
        // Held leases are kept until their local validity ends (standing() checks it): a brief blip
        // costs nothing, a longer outage ends them before the database could give them to anyone else.
        publish(false, why, snapshot.instances, snapshot.leases);
    }

    private void publish(boolean connected, String why, List<Instance> instances, List<Lease> leases) {
        Map<String, String> holders = new HashMap<>();
        for (Lease l : leases) {
            if (!l.expired()) {
                holders.put(l.service(), l.holder());
            }
        }
        snapshot = new Snapshot(Map.copyOf(held), Map.copyOf(holders), connected, why == null ? "" : why,
                List.copyOf(instances), List.copyOf(leases));
        metrics.held(held.keySet());
    }
}
