package dev.releasepilot.ingest.haproxy;

import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.window.SampleSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Polls HAProxy's own counters ({@code show stat} over the runtime API) for every backend whose rule has
 * {@code stats_poll:}, and hands them to the window as samples named and labelled as HAProxy's Prometheus
 * exporter names them ({@code haproxy_server_http_responses_total{proxy,server,code}}, …), so a rule
 * written for the scraped exporter works unchanged on the polled signal — at 250 ms instead of a scrape
 * interval. One persistent connection and one poll in flight per HAProxy address; see
 * docs/haproxy-stats.md for the mapping, the reload handling and the cost per poll.
 *
 * <p>Deploy it once; {@link #reload(RuleSet)} applies a new rule set in place (series of backends that
 * are no longer polled end with stale markers, the others continue without a gap).
 */
public final class HaproxyStatsPoller extends VerticleBase {
    /** Longest wait between attempts while an HAProxy does not answer. */
    public static final Duration DEFAULT_BACKOFF_CAP = Duration.ofSeconds(5);

    private final SampleSink sink;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Duration backoffCap;
    private final Map<String, StatsPollLoop> loops = new LinkedHashMap<>();
    private List<StatsTarget> initial;
    private NetClient client;
    /** The loops as last applied, for {@link #status()} from other threads. */
    private volatile List<StatsPollLoop> loopsSnapshot = List.of();

    public HaproxyStatsPoller(RuleSet rules, SampleSink sink, Clock clock, MeterRegistry registry) {
        this(rules, sink, clock, registry, DEFAULT_BACKOFF_CAP);
    }

    /** @param backoffCap longest wait between attempts while an HAProxy is down */
    public HaproxyStatsPoller(RuleSet rules, SampleSink sink, Clock clock, MeterRegistry registry, Duration backoffCap) {
        this.initial = StatsTarget.from(rules);
        this.sink = sink;
        this.clock = clock;
        this.registry = registry;
        this.backoffCap = backoffCap;
    }

    /** Whether any service asks for stats polling. */
    public static boolean needed(RuleSet rules) {
        return !StatsTarget.from(rules).isEmpty();
    }

    @Override
    public Future<?> start() {
        client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5_000));
        apply(initial);
        initial = null;
        return Future.succeededFuture();
    }

    /**
     * Polls what {@code rules} ask for from now on: new addresses start, removed ones stop (their series
     * end), changed ones take the new backends and interval. Completes once applied.
     */
    public Future<Void> reload(RuleSet rules) {
        List<StatsTarget> targets;
        try {
            targets = StatsTarget.from(rules);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        if (context == null) {
            return Future.failedFuture(new IllegalStateException("the stats poller is not deployed"));
        }
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> {
            apply(targets);
            done.complete();
        });
        return done.future();
    }

    /** Poll health per HAProxy address, in address order; safe from any thread. */
    public List<StatsPollStatus> status() {
        List<StatsPollStatus> out = new ArrayList<>();
        for (StatsPollLoop l : loopsSnapshot) {
            out.add(l.status());
        }
        return out;
    }

    private void apply(List<StatsTarget> targets) {
        Map<String, StatsTarget> next = new LinkedHashMap<>();
        targets.forEach(t -> next.put(t.address(), t));
        loops.entrySet().removeIf(e -> {
            if (!next.containsKey(e.getKey())) {
                e.getValue().stop();
                return true;
            }
            return false;
        });
        for (StatsTarget t : targets) {
            StatsPollLoop l = loops.get(t.address());
            if (l == null) {
                l = new StatsPollLoop(vertx, client, t, sink, clock, backoffCap, registry);
                loops.put(t.address(), l);
                l.start();
            } else if (!t.equals(l.target())) {
                l.update(t);
            }
        }
        loopsSnapshot = List.copyOf(loops.values());
    }

    @Override
    public Future<?> stop() {
        loops.values().forEach(StatsPollLoop::stop);
        loops.clear();
        loopsSnapshot = List.of();
        return client == null ? Future.succeededFuture() : client.close();
    }
}
