package dev.releasepilot.decide;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Why a decision was taken, as its {@link Event.Decided} carries it. Typed inside decide; turned into
 * JSON (and back, on journal replay) only by {@link EventCodec}, in the journal's existing shapes.
 */
public sealed interface Evidence {
    /** The alert that matched the trigger ({@code {"alerts": [{fingerprint, startsAt, labels, ...}]}}). */
    record FiringAlert(String fingerprint, Instant startsAt, Map<String, String> labels, Map<String, String> annotations,
                       String sender, Instant receivedAt) implements Evidence {
        public FiringAlert {
            labels = ordered(labels);
            annotations = ordered(annotations);
        }
    }

    /** The failed probes that completed a run ({@code {"probe": {url, consecutive_failures, results}}}). */
    record FailedProbes(String url, int consecutiveFailures, List<Event.ProbeResult> results) implements Evidence {
        public FailedProbes {
            results = List.copyOf(results);
        }
    }

    /**
     * An expr trigger's condition held ({@code {expr, event_time, for, firing, requires}}).
     *
     * @param firing   the groups that passed the comparison (at most a few), as evaluated
     * @param requires the guard's values, or null without a guard
     */
    record ExprHeld(String expr, Instant eventTime, Duration forDuration, List<Group> firing, List<Group> requires)
            implements Evidence {
        public ExprHeld {
            firing = List.copyOf(firing);
            requires = requires == null ? null : List.copyOf(requires);
        }
    }

    /**
     * A judge found the canary worse than stable ({@code {"judge": {test, direction, event_time, look,
     * alpha, statistic, p_value, canary, stable, detail}}}).
     *
     * @param look      the look's number in the release; {@code alpha} its share of the error budget
     * @param statistic U (mann_whitney) or the odds ratio of the effective counts (two_proportion); null if none
     */
    record Judged(String test, String direction, Instant eventTime, int look, double alpha, Double statistic,
                  Double pValue, JudgedSide canary, JudgedSide stable, String detail) implements Evidence {
    }

    /** One track as a judge saw it: samples (blocks or requests), median or failure rate, failures, effective size. */
    record JudgedSide(long samples, Double center, long failures, long effective) {
    }

    /** One group of an evaluated expression: its labels and value (null when not finite). */
    record Group(Map<String, String> labels, Double value) {
        public Group {
            labels = ordered(labels);
        }
    }

    /** An operator's command ({@code {"operator": reason}}). */
    record Operator(String reason) implements Evidence {
    }

    /**
     * A rollback held because no stable server can serve ({@code {when_stable_unavailable, observed}}).
     *
     * @param whenStableUnavailable the service's policy, {@code hold}
     * @param observed              what the load balancer reported: per server its weights and, where it
     *                              tells, {@code up} and {@code state}; null when nothing was read
     */
    record StableUnavailable(String whenStableUnavailable, dev.releasepilot.act.Weights observed) implements Evidence {
    }

    /** A rollout's gates as read when the decision was taken ({@code {"gates": [{trigger, state, ...}]}}). */
    record Gates(List<dev.releasepilot.decide.rollout.GateReading> gates) implements Evidence {
        public Gates {
            gates = List.copyOf(gates);
        }
    }

    /**
     * Evidence journaled in a shape this version does not know (written by another version): kept as
     * recorded so the history and the API still show it.
     */
    record Recorded(JsonObject json) implements Evidence {
    }

    /** An unmodifiable copy that keeps the order (the JSON shows labels as they came). */
    private static Map<String, String> ordered(Map<String, String> m) {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(m));
    }
}
