package dev.releasepilot.decide;

import dev.releasepilot.act.Actuator;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.rules.AlertTrigger;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.Trigger;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The decide stage's front door: routes each signal to the services whose triggers match it and
 * operator commands to their service. Each service runs in its own {@link ServiceController}.
 */
public final class Pilot {
    private static final Logger LOG = Logger.getLogger(Pilot.class.getName());

    private final Vertx vertx;
    private final Journal journal;
    private final Clock clock;
    private final DecideMetrics metrics;
    private final Function<ServiceRule, Actuator> actuators;
    private final long retryDelayMs;
    private final long reconcileIntervalMs;
    private final EventSink events;
    private volatile Map<String, ServiceController> services = Map.of();
    private final dev.releasepilot.window.SeriesStore store;
    private final dev.releasepilot.window.Evaluator evaluator;
    private final dev.releasepilot.window.EvaluationGrid grid;

    private Pilot(Vertx vertx, Journal journal, Clock clock, MeterRegistry registry,
                  Function<ServiceRule, Actuator> actuators, long retryDelayMs, long reconcileIntervalMs,
                  RuleSet rules, EventSink events) {
        this.events = events;
        this.reconcileIntervalMs = reconcileIntervalMs;
        dev.releasepilot.window.StoreLimits limits = limits(rules);
        this.store = new dev.releasepilot.window.SeriesStore(index(rules), limits, registry, this::route);
        this.evaluator = new dev.releasepilot.window.Evaluator(store);
        // Evaluate at every step of the store's resolution that samples pass, plus provisionally at the
        // step just after the newest sample (ExprTriggerRun): a fixed grid keeps replays deterministic.
        this.grid = new dev.releasepilot.window.EvaluationGrid(limits.resolution().toMillis());
        this.vertx = vertx;
        this.journal = journal;
        this.clock = clock;
        this.metrics = new DecideMetrics(registry);
        this.actuators = actuators;
        this.retryDelayMs = retryDelayMs;
    }

    /**
     * Rebuilds every service's state from the journal, then starts them. A rollback that was in flight
     * when the previous process died is completed.
     */
    public static Future<Pilot> start(Vertx vertx, RuleSet rules, Journal journal, Clock clock,
                                      MeterRegistry registry, Function<ServiceRule, Actuator> actuators,
                                      long retryDelayMs, long reconcileIntervalMs, EventSink events) {
        Pilot p = new Pilot(vertx, journal, clock, registry, actuators, retryDelayMs, reconcileIntervalMs, rules, events);
        Map<String, ServiceController> created = new LinkedHashMap<>();
        for (ServiceRule r : rules.services()) {
            created.put(r.name(), p.controller(r));
        }
        int skipped = 0;
        for (JournalEntry e : journal.replay()) {
            ServiceController c = created.get(e.service());
            if (c == null) {
                skipped++; // a service no longer in the rules: its history stays in the file
                continue;
            }
            try {
                c.replay(Event.fromJournal(e.type(), e.body()));
            } catch (RuntimeException ex) {
                LOG.warning("journal record " + e.seq() + " not understood, skipped: " + ex.getMessage());
            }
        }
        if (skipped > 0) {
            LOG.info(skipped + " journal records belong to services not in the current rules");
        }
        List<Future<?>> deployed = new ArrayList<>();
        for (ServiceController c : created.values()) {
            deployed.add(vertx.deployVerticle(c));
        }
        return Future.all(deployed).map(v -> {
            p.services = Map.copyOf(created);
            return p;
        });
    }

    private ServiceController controller(ServiceRule r) {
        ServiceController c = new ServiceController(r, journal, clock, metrics, retryDelayMs, reconcileIntervalMs,
                evaluator, grid, events);
        c.actuator(actuators.apply(r));
        return c;
    }

    private static final String KEY_SEPARATOR = "/"; // service names cannot contain it

    private static dev.releasepilot.window.SelectorIndex index(RuleSet rules) {
        dev.releasepilot.window.SelectorIndex.Builder b = dev.releasepilot.window.SelectorIndex.builder();
        for (ServiceRule s : rules.services()) {
            for (Trigger t : s.triggers()) {
                if (t instanceof dev.releasepilot.rules.ExprTrigger e) {
                    String key = s.name() + KEY_SEPARATOR + e.name();
                    b.add(key, e.condition());
                    if (e.requires() != null) {
                        b.add(key, e.requires());
                    }
                }
            }
        }
        return b.build();
    }

    /**
     * Store limits for the rules: the resolution follows the fastest HAProxy stats poll (default 1 s),
     * so short windows such as {@code [2s]} over 250 ms polls keep every sample.
     */
    private static dev.releasepilot.window.StoreLimits limits(RuleSet rules) {
        dev.releasepilot.window.StoreLimits d = dev.releasepilot.window.StoreLimits.defaults();
        java.time.Duration resolution = d.resolution();
        for (ServiceRule s : rules.services()) {
            if (s.backend() instanceof dev.releasepilot.rules.backend.HaproxyBackend h && !h.statsPoll().isZero()
                    && h.statsPoll().compareTo(resolution) < 0) {
                resolution = h.statsPoll();
            }
        }
        return new dev.releasepilot.window.StoreLimits(d.maxSeries(), d.staleness(), resolution, d.slack(),
                d.maxSamplesPerSeries());
    }

    private void route(List<dev.releasepilot.window.Touch> touches) {
        Map<String, ServiceController> current = services;
        for (dev.releasepilot.window.Touch t : touches) {
            int cut = t.key().indexOf(KEY_SEPARATOR);
            ServiceController c = current.get(t.key().substring(0, cut));
            if (c != null) {
                c.touched(t.key().substring(cut + 1), t.oldestMs(), t.newestMs());
            }
        }
    }

    /** Where ingest hands samples (remote_write, NATS, HAProxy stats): the windows of the expr triggers. */
    public dev.releasepilot.window.SampleSink samples() {
        return store;
    }

    /**
     * Takes validated signals from ingest. Completes once every signal that changed some service's
     * state is journaled; fails (the sender should retry) if the journal could not take it.
     */
    public Future<Void> accept(List<Signal> signals) {
        List<Future<?>> work = new ArrayList<>();
        for (Signal s : signals) {
            if (s instanceof AlertSignal a) {
                boolean matched = false;
                for (ServiceController c : services.values()) {
                    AlertTrigger t = firstMatch(c.ruleSnapshot(), a);
                    if (t != null) {
                        matched = true;
                        work.add(c.alert(a, t));
                    }
                }
                if (!matched) {
                    metrics.unmatched.increment();
                }
            } else if (s instanceof ProbeSignal p) {
                ServiceController c = services.get(p.service());
                dev.releasepilot.rules.ProbeTrigger t = c == null ? null : probeTrigger(c.ruleSnapshot(), p.trigger());
                if (t != null) { // a probe of a service or trigger removed by a reload: dropped
                    work.add(c.probe(p, t));
                }
            }
        }
        return work.isEmpty() ? Future.succeededFuture() : Future.all(work).mapEmpty();
    }

    private static AlertTrigger firstMatch(ServiceRule rule, AlertSignal a) {
        for (Trigger t : rule.triggers()) {
            if (t instanceof AlertTrigger at && at.matchers().matches(a.labels())) {
                return at;
            }
        }
        return null;
    }

    private static dev.releasepilot.rules.ProbeTrigger probeTrigger(ServiceRule rule, String name) {
        for (Trigger t : rule.triggers()) {
            if (t instanceof dev.releasepilot.rules.ProbeTrigger p && p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    public Future<JsonObject> command(String service, OperatorCommand command) {
        ServiceController c = services.get(service);
        return c == null ? Future.failedFuture(new NoSuchService(service)) : c.command(command);
    }

    public Future<JsonObject> status(String service) {
        ServiceController c = services.get(service);
        return c == null ? Future.failedFuture(new NoSuchService(service)) : c.status();
    }

    public Future<JsonArray> statuses() {
        List<Future<JsonObject>> all = new ArrayList<>();
        services.values().forEach(c -> all.add(c.status()));
        return Future.all(all).map(cf -> {
            JsonArray out = new JsonArray();
            all.forEach(f -> out.add(f.result()));
            return out;
        });
    }

    /**
     * Swaps in new rules. Existing services keep their state; new ones start in STEADY; services that
     * vanished from the rules stop (their journal history stays).
     */
    public Future<Void> reload(RuleSet rules) {
        Map<String, ServiceController> next = new LinkedHashMap<>();
        List<Future<?>> work = new ArrayList<>();
        for (ServiceRule r : rules.services()) {
            ServiceController existing = services.get(r.name());
            if (existing != null) {
                // Same backend config: keep the actuator (its connections and its circuit breaker's state);
                // a new one only when the backend changed.
                boolean sameBackend = existing.ruleSnapshot().backend().equals(r.backend());
                existing.reload(r, sameBackend ? null : actuators.apply(r));
                next.put(r.name(), existing);
            } else {
                ServiceController c = controller(r);
                next.put(r.name(), c);
                work.add(vertx.deployVerticle(c));
            }
        }
        for (Map.Entry<String, ServiceController> e : services.entrySet()) {
            if (!next.containsKey(e.getKey())) {
                work.add(vertx.undeploy(e.getValue().deploymentID()));
            }
        }
        return Future.all(work).onSuccess(v -> {
            services = Map.copyOf(next);
            store.reload(index(rules));
        }).mapEmpty();
    }

    public List<String> serviceNames() {
        return List.copyOf(services.keySet());
    }
}
