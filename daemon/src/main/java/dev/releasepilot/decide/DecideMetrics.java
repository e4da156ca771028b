package dev.releasepilot.decide;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The decide stage's metrics. Label values come from enums or from names in the rule file (bounded). */
final class DecideMetrics {
    private final MeterRegistry registry;
    private final Timer reaction;
    final Counter duplicates;
    final Counter unmatched;
    private final AtomicLong longestTurnNanos = new AtomicLong();

    DecideMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.reaction = Timer.builder("release_pilot_reaction_seconds")
                .description("Signal arrival to the rollback's weights read back from the load balancer")
                .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
                        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30))
                .register(registry);
        this.duplicates = Counter.builder("release_pilot_signals_deduplicated_total")
                .description("Alerts already known (retries, repeats, HA peers' copies), absorbed without a decision")
                .register(registry);
        this.unmatched = Counter.builder("release_pilot_signals_unmatched_total")
                .description("Valid alerts that matched no trigger of any service").register(registry);
        Gauge.builder("release_pilot_evaluation_longest_turn_seconds", longestTurnNanos, n -> n.get() / 1e9)
                .description("The longest turn of expr-trigger evaluation since start, over every service")
                .register(registry);
    }

    /**
     * One turn of a service's trigger evaluation (TriggerEvaluations): the time an event loop was held by
     * evaluation at once. Its max is the "longest evaluation step" the 50 ms bound is about.
     */
    void evaluationTurn(String service, long nanos) {
        Timer.builder("release_pilot_evaluation_seconds").tag("service", service)
                .description("One turn of expr-trigger evaluation on a service's event loop (bounded work per turn)")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100))
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        longestTurnNanos.accumulateAndGet(nanos, Math::max);
    }

    /** Backlog instants not evaluated because more than ExprTriggerRun.MAX_INSTANTS were due at once. */
    void evaluationSkipped(String service, long instants) {
        if (instants > 0) {
            registry.counter("release_pilot_evaluation_instants_skipped_total", "service", service).increment(instants);
        }
    }

    /** A holder put an actuation off because its lease would not outlast it (renewals are late). */
    void leaseTooShort(String service) {
        registry.counter("release_pilot_lease_actuation_deferred_total", "service", service).increment();
    }

    /**
     * A rollout moved: {@code cause} start, held, promote, step_back (a step entered) or promoted (the
     * release completed); a bounded label set.
     */
    void rolloutStep(String service, String cause) {
        registry.counter("release_pilot_rollout_steps_total", "service", service, "cause", cause).increment();
    }

    void decision(String service, DecisionKind kind) {
        registry.counter("release_pilot_decisions_total", "service", service, "kind", kind.label()).increment();
    }

    void rollbackExecuted(String service, String trigger, long reactionNanos) {
        registry.counter("release_pilot_rollbacks_executed_total", "service", service, "trigger", trigger).increment();
        if (reactionNanos > 0) {
            reaction.record(reactionNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** An alert ignored because it started before the service's current release (beyond the tolerance). */
    void stale(String service) {
        registry.counter("release_pilot_signals_stale_total", "service", service).increment();
    }

    /** An expr trigger's evaluation threw; the trigger is ERROR until one succeeds. */
    void triggerError(String service, String trigger) {
        registry.counter("release_pilot_trigger_errors_total", "service", service, "trigger", trigger).increment();
    }

    /** A drift repair whose weights were read back from the LB. */
    void drift(String service) {
        registry.counter("release_pilot_drift_corrected_total", "service", service).increment();
    }

    /** A reconcile read found the LB disagreeing with the service's state. */
    void driftFound(String service, DriftDirection direction) {
        registry.counter("release_pilot_drift_detected_total", "service", service, "direction", direction.label())
                .increment();
    }

    /** 1 while the same drift keeps coming back after verified repairs. */
    void driftUnresolved(String service, java.util.function.BooleanSupplier unresolved) {
        io.micrometer.core.instrument.Gauge.builder("release_pilot_drift_unresolved", () -> unresolved.getAsBoolean() ? 1 : 0)
                .tag("service", service)
                .description("1 while the same drift is found again after " + ServiceController.DRIFT_UNRESOLVED_AFTER
                        + " verified repairs in a row (something keeps undoing the rollback), else 0")
                .register(registry);
    }

    void actuation(String backend, long nanos, boolean ok) {
        Timer.builder("release_pilot_actuation_duration_seconds").tag("backend", backend)
                .description("One actuation including retries and read-back")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
                        Duration.ofSeconds(5))
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        if (!ok) {
            registry.counter("release_pilot_actuation_failures_total", "backend", backend).increment();
        }
    }

    void journalBacklog(String service, java.util.Collection<?> backlog) {
        registry.gaugeCollectionSize("release_pilot_journal_backlog_records",
                io.micrometer.core.instrument.Tags.of("service", service), backlog);
    }

    void state(String service, java.util.function.Supplier<ServiceState> current) {
        for (ServiceState s : ServiceState.values()) {
            io.micrometer.core.instrument.Gauge.builder("release_pilot_service_state", () -> current.get() == s ? 1 : 0)
                    .tag("service", service).tag("state", s.name().toLowerCase(java.util.Locale.ROOT))
                    .description("1 for the state the service is in, 0 for the others").register(registry);
        }
    }

}
