package dev.releasepilot.cluster;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lease and instance tables, spoken in SQL. Every time is the database's ({@code now()}): the
 * instances' clocks never have to agree with each other, only each with its own monotonic clock for
 * how long a lease it was granted lasts (see {@link LeaseKeeper}). Each method is one statement, so
 * one round trip, atomic on its own.
 */
public final class LeaseStore {
    // A free row (none yet) or an expired one is taken with the next epoch; a live one is left alone.
    private static final String ACQUIRE = """
            INSERT INTO release_pilot_leases AS l (service, holder, epoch, expires_at)
            VALUES ($1, $2, 1, now() + $3::bigint * interval '1 millisecond')
            ON CONFLICT (service) DO UPDATE SET holder = EXCLUDED.holder, epoch = l.epoch + 1,
                expires_at = EXCLUDED.expires_at
            WHERE l.expires_at <= now()
            RETURNING epoch""";
    // Renews every lease the holder still has at the epoch it believes in, in one statement; what is
    // missing from the answer was lost (expired and taken, or expired).
    private static final String RENEW = """
            UPDATE release_pilot_leases l SET expires_at = now() + $2::bigint * interval '1 millisecond'
            FROM unnest($3::text[], $4::bigint[]) AS mine(service, epoch)
            WHERE l.service = mine.service AND l.epoch = mine.epoch AND l.holder = $1 AND l.expires_at > now()
            RETURNING l.service, l.epoch""";
    // Expiring it now (keeping holder and epoch) lets the next holder take it at once, with epoch + 1.
    private static final String RELEASE = """
            UPDATE release_pilot_leases SET expires_at = now()
            WHERE service = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()""";
    private static final String LEASES = """
            SELECT service, holder, epoch, (extract(epoch FROM (expires_at - now())) * 1000)::bigint AS expires_in
            FROM release_pilot_leases ORDER BY service""";
    private static final String HEARTBEAT = """
            INSERT INTO release_pilot_instances AS i (id, address) VALUES ($1, $2)
            ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, last_seen = now()""";
    private static final String INSTANCES = """
            SELECT id, address, last_seen, (extract(epoch FROM (now() - last_seen)) * 1000)::bigint AS since
            FROM release_pilot_instances ORDER BY id""";
    private static final String LEAVE = "DELETE FROM release_pilot_instances WHERE id = $1";
    // Rows of instances gone for long (crashed, never came back) are swept by whoever is alive.
    private static final String SWEEP = "DELETE FROM release_pilot_instances WHERE last_seen < now() - interval '1 hour'";

    private final Pool pool;

    public LeaseStore(Pool pool) {
        this.pool = pool;
    }

    /** Takes the lease if it is free or expired: its new epoch, or 0 when someone else holds it. */
    public Future<Long> acquire(String service, String holder, long ttlMs) {
        return pool.preparedQuery(ACQUIRE).execute(Tuple.of(service, holder, ttlMs))
                .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
    }

    /** Renews the leases {@code held} (service → epoch); answers those still held, with their epochs. */
    public Future<Map<String, Long>> renew(String holder, Map<String, Long> held, long ttlMs) {
        if (held.isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        String[] services = held.keySet().toArray(String[]::new);
        Long[] epochs = new Long[services.length];
        for (int i = 0; i < services.length; i++) {
            epochs[i] = held.get(services[i]);
        }
        return pool.preparedQuery(RENEW).execute(Tuple.of(holder, ttlMs, services, epochs)).map(rows -> {
            Map<String, Long> kept = new HashMap<>();
            for (Row r : rows) {
                kept.put(r.getString(0), r.getLong(1));
            }
            return kept;
        });
    }

    /** Gives the lease up (expires it now), if {@code holder} still has it at {@code epoch}. */
    public Future<Boolean> release(String service, String holder, long epoch) {
        return pool.preparedQuery(RELEASE).execute(Tuple.of(service, holder, epoch)).map(rows -> rows.rowCount() == 1);
    }

    public Future<List<Lease>> leases() {
        return pool.query(LEASES).execute().map(rows -> {
            List<Lease> out = new ArrayList<>();
            for (Row r : rows) {
                out.add(new Lease(r.getString(0), r.getString(1), r.getLong(2), r.getLong(3)));
            }
            return out;
        });
    }

    /** Records that {@code id} is alive now (the database's now). */
    public Future<Void> heartbeat(String id, String address) {
        return pool.preparedQuery(HEARTBEAT).execute(Tuple.of(id, address)).mapEmpty();
    }

    public Future<List<Instance>> instances() {
        return pool.query(INSTANCES).execute().map(rows -> {
            List<Instance> out = new ArrayList<>();
            for (Row r : rows) {
                OffsetDateTime seen = r.getOffsetDateTime(2);
                out.add(new Instance(r.getString(0), r.getString(1), seen.toInstant(), r.getLong(3)));
            }
            return out;
        });
    }

    /** A clean stop: the instance leaves the live set at once, so the others rebalance without waiting. */
    public Future<Void> leave(String id) {
        return pool.preparedQuery(LEAVE).execute(Tuple.of(id)).mapEmpty();
    }

    public Future<Void> sweep() {
        return pool.query(SWEEP).execute().mapEmpty();
    }
}
