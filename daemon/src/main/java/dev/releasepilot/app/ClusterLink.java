package dev.releasepilot.app;

import dev.releasepilot.cluster.ClusterMetrics;
import dev.releasepilot.cluster.LeaseKeeper;
import dev.releasepilot.cluster.LeaseStore;
import dev.releasepilot.decide.Leadership;
import dev.releasepilot.decide.Pilot;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The cluster side of the daemon: with a shared journal ({@code --journal-url}), a lease keeper on its
 * own small connection pool decides which services this instance decides and acts for. Without one,
 * the daemon is the only instance and decides for every service ({@link Leadership#SOLE}).
 */
final class ClusterLink implements dev.releasepilot.api.CommandForwarder {
    private static final Logger LOG = Logger.getLogger(ClusterLink.class.getName());

    private final String instanceId;
    private final LeaseKeeper keeper; // null: the only instance
    private final Pool pool;
    private final Vertx vertx;
    private io.vertx.core.http.HttpClient http; // forwarded commands; made on start

    private ClusterLink(String instanceId, LeaseKeeper keeper, Pool pool, Vertx vertx) {
        this.instanceId = instanceId;
        this.keeper = keeper;
        this.pool = pool;
        this.vertx = vertx;
    }

    static ClusterLink none(String instanceId) {
        return new ClusterLink(instanceId, null, null, null);
    }

    /**
     * @param connect the journal's database: the lease and instance tables are beside the journal, so a
     *                fenced append and the lease it names are judged by one database clock
     */
    static ClusterLink shared(Vertx vertx, PgConnectOptions connect, DaemonConfig config, Pilot pilot,
                              java.util.function.BooleanSupplier journalCaughtUp, MeterRegistry registry) {
        // Its own pool: renewals must not queue behind journal writes (a renewal late by a queue is a lease lost).
        // A round that cannot get a connection within a ttl fails (and counts) instead of waiting on.
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)
                        .setConnectionTimeout((int) config.leaseTiming().ttl().toMillis())
                        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
                .connectingTo(connect).using(vertx).build();
        LeaseKeeper keeper = new LeaseKeeper(new LeaseStore(pool), config.instanceId(), config.host() + ":" + config.port(),
                config.leaseTiming(), pilot::serviceNames, new ClusterMetrics(registry));
        keeper.succession(pilot);
        keeper.readyToLead(journalCaughtUp);
        pilot.cluster(keeper, config.instanceId(), config.leaseTiming().actWithin());
        return new ClusterLink(config.instanceId(), keeper, pool, vertx);
    }

    /**
     * Starts taking leases, once every service's state is replayed (its controller is deployed) and the
     * API listens on {@code port} (the address the others forward commands to).
     */
    void start(String host, int port) throws Exception {
        if (keeper != null) {
            String h = host.equals("0.0.0.0") || host.equals("::") ? java.net.InetAddress.getLocalHost().getHostName() : host;
            keeper.advertise(h + ":" + port);
            http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setConnectTimeout(2_000));
            vertx.deployVerticle(keeper).await(30, TimeUnit.SECONDS);
        }
    }

    /** A command for a service another instance holds goes to that instance's API. */
    @Override
    public io.vertx.core.Future<Answer> forward(String holder, String path, String authorization,
                                                 io.vertx.core.buffer.Buffer body) {
        String address = keeper == null ? null : keeper.addressOf(holder);
        int colon = address == null ? -1 : address.lastIndexOf(':');
        if (colon < 0) {
            return io.vertx.core.Future.failedFuture("no address known for instance " + holder);
        }
        io.vertx.core.http.RequestOptions req = new io.vertx.core.http.RequestOptions()
                .setMethod(io.vertx.core.http.HttpMethod.POST).setHost(address.substring(0, colon))
                .setPort(Integer.parseInt(address.substring(colon + 1))).setURI(path).setIdleTimeout(10_000)
                .putHeader("Content-Type", "application/json").putHeader(FORWARDED_BY, instanceId);
        if (authorization != null) {
            req.putHeader("Authorization", authorization);
        }
        return http.request(req).compose(r -> r.send(body)).compose(resp -> resp.body()
                .map(b -> new Answer(resp.statusCode(), b.toString())));
    }

    /** {@code GET /api/v1/cluster}. */
    JsonObject view() {
        if (keeper == null) {
            return new JsonObject().put("instance", instanceId).put("mode", "single").put("connected", true)
                    .put("held", (Object) null).put("instances", new JsonArray()).put("leases", new JsonArray());
        }
        return keeper.view().put("mode", "shared");
    }

    /** A clean stop: every service steps down and its lease is released, so another instance takes it at once. */
    void close() {
        if (keeper == null) {
            return;
        }
        try {
            if (keeper.deploymentID() != null) {
                vertx.undeploy(keeper.deploymentID()).await(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.warning("leases not released at shutdown (they expire on their own): " + e.getMessage());
        }
        pool.close();
        if (http != null) {
            http.close();
        }
    }
}
