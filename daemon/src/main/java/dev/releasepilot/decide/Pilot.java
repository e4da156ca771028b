package dev.releasepilot.decide;

import dev.releasepilot.act.Actuator;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.rules.AlertTrigger;
import dev.releasepilot.rules.ProbeTrigger;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.Trigger;
import dev.releasepilot.telemetry.Tracing;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.Touch;
import dev.releasepilot.window.TouchListener;
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
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The decide stage's router: hands each signal to the services whose triggers match it, each touch of
 * the windows to the trigger it concerns, and operator commands to their service. It owns nothing but
 * the (immutable, swapped on reload) map of services; each service's state lives in its own
 * {@link ServiceController} on its own context. The window stage is built by the caller (app) and
 * reaches a service only through the evaluator the {@code evaluators} factory makes for it.
 *
 * <p>Built in two steps because the window stage reports touches to this router: create it, build the
 * series store with it as the {@link TouchListener}, then {@link #start} it.
 */
public final class Pilot implements SignalPort, ControlPort, TouchListener, Succession {
    private static final Logger LOG = Logger.getLogger(Pilot.class.getName());

    private final Vertx vertx;
    private final Journal journal;
    private final Clock clock;
    private final DecideMetrics metrics;
    private final Tracing tracing;
    private final Function<ServiceRule, Actuator> actuators;
    private final long retryDelayMs;
    private final long reconcileIntervalMs;
    private EventSink events;
    private volatile Map<String, ServiceController> services = Map.of();
    private Supplier<Evaluator> evaluators;
    private EvaluationGrid grid;
    private Leadership leadership = Leadership.SOLE;
    private String instanceId = "";
    private long actWithinNanos;

    /**
     * @param actuators the actuator chain (adapter, circuit breaker, ...) for a service's backend
     * @param retryDelayMs the first delay before a failed rollback is tried again
     * @param reconcileIntervalMs how often each service reads its weights back (0: never)
     */
    public Pilot(Vertx vertx, Journal journal, Clock clock, MeterRegistry registry, Tracing tracing,
                 Function<ServiceRule, Actuator> actuators, long retryDelayMs, long reconcileIntervalMs) {
        this.vertx = vertx;
        this.journal = journal;
        this.clock = clock;
        this.metrics = new DecideMetrics(registry);
        this.tracing = tracing;
        this.actuators = actuators;
        this.retryDelayMs = retryDelayMs;
        this.reconcileIntervalMs = reconcileIntervalMs;
    }

    /**
     * Several instances share the journal: each service decides and acts only while this instance holds
     * its lease ({@code leadership}), and starts an actuation only if the lease lasts {@code actWithin}
     * longer. Call before {@link #start}; without it the instance is the only one.
     */
    public Pilot cluster(Leadership leadership, String instanceId, java.time.Duration actWithin) {
        this.leadership = leadership;
        this.instanceId = instanceId;
        this.actWithinNanos = actWithin.toNanos();
        return this;
    }

    /**
     * Rebuilds every service's state from the journal, then deploys them. A rollback that was in flight
     * when the previous process died is completed. Call once, before any signal or touch arrives.
     *
     * @param evaluators makes one evaluator per service: each service owns its evaluation state
     * @param grid the event-time instants at which expr triggers are evaluated
     * @param events where every journaled decision, action, failure and drift is announced (NATS,
     *               notifications, the status page); must not block
     */
    public Future<Pilot> start(RuleSet rules, Supplier<Evaluator> evaluators, EvaluationGrid grid, EventSink events) {
        if (this.grid != null) {
            throw new IllegalStateException("Pilot already started");
        }
        this.evaluators = evaluators;
        this.grid = grid;
        this.events = events;
        Map<String, ServiceController> created = new LinkedHashMap<>();
        for (ServiceRule r : rules.services()) {
            created.put(r.name(), controller(r));
        }
        // Each service from its newest snapshot on (the journal finds it): start-up stays short as history grows.
        for (JournalEntry e : journal.replay(created.keySet())) {
            ServiceController c = created.get(e.service());
            if (!EventCodec.formsState(e.type())) {
                continue; // what an instance received while another held the lease: history, not state
            }
            try {
                if (Journal.SNAPSHOT.equals(e.type())) {
                    c.restore(e.body());
                } else {
                    c.replay(EventCodec.fromJournal(e.type(), e.body()));
                }
            } catch (RuntimeException ex) {
                LOG.warning("journal record " + e.seq() + " not understood, skipped: " + ex.getMessage());
            }
        }
        List<Future<?>> deployed = new ArrayList<>();
        for (ServiceController c : created.values()) {
            deployed.add(vertx.deployVerticle(c));
        }
        return Future.all(deployed).map(v -> {
            services = Map.copyOf(created);
            return this;
        });
    }

    private ServiceController controller(ServiceRule r) {
        ServiceController c = new ServiceController(r, journal, clock, metrics, tracing, retryDelayMs, reconcileIntervalMs,
                evaluators.get(), grid, events, leadership, instanceId, actWithinNanos);
        c.actuator(actuators.apply(r));
        return c;
    }

    /** From the window stage, on an ingest thread: each touched trigger evaluates on its service's context. */
    @Override
    public void touched(List<Touch> touches) {
        Map<String, ServiceController> current = services;
        for (Touch t : touches) {
            ServiceController c = current.get(TriggerKey.service(t.key()));
            if (c != null) {
                c.touched(TriggerKey.trigger(t.key()), t.oldestMs(), t.newestMs());
            }
        }
    }

    @Override
    public Future<Void> accept(List<Signal> signals) {
        List<Future<?>> work = new ArrayList<>();
        for (Signal s : signals) {
            if (s instanceof AlertSignal a) {
                boolean matched = false;
                for (ServiceController c : services.values()) {
                    AlertTrigger t = firstMatch(c.ruleSnapshot(), a.labels());
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
                ProbeTrigger t = c == null ? null : probeTrigger(c.ruleSnapshot(), p.trigger());
                if (t != null) { // a probe of a service or trigger removed by a reload: dropped
                    work.add(c.probe(p, t));
                }
            }
        }
        return work.isEmpty() ? Future.succeededFuture() : Future.all(work).mapEmpty();
    }

    /**
     * Whether some service's alert trigger matches an alert with these labels, so ingest keeps only the
     * alerts that matter out of a large group; one that no trigger matches is counted as unmatched here.
     * Safe from any thread: it reads the services' immutable rule snapshots.
     */
    @Override
    public boolean admit(Map<String, String> labels) {
        for (ServiceController c : services.values()) {
            if (firstMatch(c.ruleSnapshot(), labels) != null) {
                return true;
            }
        }
        metrics.unmatched.increment();
        return false;
    }

    private static AlertTrigger firstMatch(ServiceRule rule, Map<String, String> labels) {
        for (Trigger t : rule.triggers()) {
            if (t instanceof AlertTrigger at && at.matchers().matches(labels)) {
                return at;
            }
        }
        return null;
    }

    private static ProbeTrigger probeTrigger(ServiceRule rule, String name) {
        for (Trigger t : rule.triggers()) {
            if (t instanceof ProbeTrigger p && p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public Future<JsonObject> command(String service, OperatorCommand command) {
        ServiceController c = services.get(service);
        return c == null ? Future.failedFuture(new NoSuchService(service)) : c.command(command);
    }

    @Override
    public Future<JsonObject> status(String service) {
        ServiceController c = services.get(service);
        return c == null ? Future.failedFuture(new NoSuchService(service)) : c.status();
    }

    @Override
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
     * vanished from the rules stop (their journal history stays). The caller re-indexes the window
     * stage for the new rules.
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
        return Future.all(work).onSuccess(v -> services = Map.copyOf(next)).mapEmpty();
    }

    @Override
    public Future<Void> takeOver(String service, dev.releasepilot.journal.Fence fence, String previousHolder) {
        ServiceController c = services.get(service);
        return c == null ? Future.succeededFuture() : c.takeOver(fence, previousHolder);
    }

    @Override
    public Future<Void> stepDown(String service) {
        ServiceController c = services.get(service);
        return c == null ? Future.succeededFuture() : c.stepDown();
    }

    public List<String> serviceNames() {
        return List.copyOf(services.keySet());
    }
}
