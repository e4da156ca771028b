package dev.releasepilot.decide;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * What happened to a service, as journaled. The state machine is rebuilt on start by applying the
 * journaled events in order through the very same {@link ServiceMachine#apply} used live, so live
 * behaviour and recovery cannot drift apart.
 */
public sealed interface Event {
    Instant at();

    /** The journal record type ({@link EventCodec} writes and reads the body). */
    String type();

    /** Events that only move in-memory counters are not journaled (a probe result every second would flood it). */
    default boolean durable() {
        return true;
    }

    /** An alert reached this service: first sight of a firing episode, its resolution, or a stale one. */
    record AlertSeen(Instant at, String fingerprint, Instant startsAt, boolean firing, boolean stale,
                     String trigger, java.util.Map<String, String> labels) implements Event {
        public AlertSeen {
            labels = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(labels)); // order as received
        }

        public String type() {
            return "alert";
        }

        public String episode() {
            return fingerprint + "@" + startsAt;
        }
    }

    /** One probe result. Not journaled: the decision it leads to carries the failing results as evidence. */
    record ProbeResult(Instant at, String trigger, boolean healthy, int status, String error, long millis)
            implements Event {
        public String type() {
            return "probe";
        }

        public boolean durable() {
            return false;
        }
    }

    /**
     * A decision, with the evidence that caused it.
     *
     * @param traceId the OpenTelemetry trace of this decision (32 hex digits), or null when tracing is off
     */
    record Decided(Instant at, DecisionKind kind, String trigger, String reason, Evidence evidence, String traceId)
            implements Event {
        /** A decision not traced (yet): the service that journals it adds the trace id. */
        public Decided(Instant at, DecisionKind kind, String trigger, String reason, Evidence evidence) {
            this(at, kind, trigger, reason, evidence, null);
        }

        public Decided traced(String id) {
            return new Decided(at, kind, trigger, reason, evidence, id);
        }

        public String type() {
            return "decision";
        }
    }

    /**
     * The load balancer confirmed (read back) the weights a rollback asked for.
     *
     * @param attempts actuations it took since the rollback was decided (each after a backoff step)
     * @param risk     null, or why users may still get errors: a rollback with
     *                 {@code when_stable_unavailable: drain} that drained the canary while no stable
     *                 server could serve
     * @param completes null, or the journal seq of the rollback decision this action completes after a
     *                  takeover (the instance that decided it died or lost its lease before acting)
     */
    record Actuated(Instant at, dev.releasepilot.act.Weights weights, long millis, int attempts, String risk,
                    Long completes) implements Event {
        public Actuated(Instant at, dev.releasepilot.act.Weights weights, long millis, int attempts, String risk) {
            this(at, weights, millis, attempts, risk, null);
        }

        public Actuated(Instant at, dev.releasepilot.act.Weights weights, long millis, int attempts) {
            this(at, weights, millis, attempts, null, null);
        }

        public String type() {
            return "action";
        }
    }

    /**
     * An actuation gave up after its quick tries; the rollback stays pending and is tried again after
     * a backoff step. One record per step.
     *
     * @param attempts    quick tries in this step
     * @param repeats     consecutive steps that failed with this same reason, this one included
     * @param nextRetryMs the wait before the next step
     */
    record ActuationFailed(Instant at, String reason, String error, int attempts, int repeats, long nextRetryMs)
            implements Event {
        public ActuationFailed(Instant at, String reason, String error, int attempts) {
            this(at, reason, error, attempts, 1, 0);
        }

        public String type() {
            return "action_failed";
        }
    }

    /**
     * The load balancer and the service's state disagree. {@link DriftDirection#LB_LOST_ROLLBACK}: the LB
     * no longer holds the rollback Release Pilot put there (a reload reset it, someone edited it): the
     * rollback is pending again until re-applied and read back. {@link DriftDirection#LB_ROLLED_BACK}:
     * the LB is rolled back while the release is live; reported only.
     */
    record DriftFound(Instant at, dev.releasepilot.act.Weights observed, String detail, DriftDirection direction) implements Event {
        public DriftFound(Instant at, dev.releasepilot.act.Weights observed, String detail) {
            this(at, observed, detail, DriftDirection.LB_LOST_ROLLBACK);
        }

        public String type() {
            return "drift";
        }
    }

    /**
     * This instance took the service's lease over and caught up from the shared journal. Changes no
     * state: it records the hand-over, and the rollback it found decided but not acted on (if any),
     * which the next {@code action} record completes.
     *
     * @param previousHolder the instance that held the lease before, or null
     * @param interrupted    the journal seq of a rollback decision without its action, or null
     */
    record TakenOver(Instant at, String holder, long epoch, String previousHolder, Long interrupted) implements Event {
        public String type() {
            return "takeover";
        }
    }

    /**
     * A release (canary) went live: old alerts become stale, a rolled-back service is cleared, and every
     * trigger starts afresh. {@code watermarks}: per expr trigger, the newest sample time (event time) it
     * had seen when the release arrived; only newer samples count for this release. Journaled (as
     * {@code "watermarks": {trigger: RFC 3339}}, left out when empty) so a restart re-derives the reset.
     */
    record ReleaseStarted(Instant at, String version, JsonObject detail, java.util.Map<String, Instant> watermarks)
            implements Event {
        public ReleaseStarted {
            watermarks = java.util.Map.copyOf(watermarks);
        }

        public ReleaseStarted(Instant at, String version, JsonObject detail) {
            this(at, version, detail, java.util.Map.of());
        }

        public ReleaseStarted withWatermarks(java.util.Map<String, Instant> marks) {
            return new ReleaseStarted(at, version, detail, marks);
        }

        public String type() {
            return "release";
        }
    }

    /**
     * A rollout step began: the release's first step, a completed hold, an operator's promote, or a
     * step_back. The load balancer gets the step's weight next ({@link StepApplied} once read back).
     *
     * @param step   1-based; a blue-green plan's step 1 is the checks on the idle colour, step 2 the switch
     * @param weight the canary's share of the traffic, percent
     * @param cause  start, held, promote or step_back
     * @param gates  the gates of the step that ended (or, at the start, of the new one) as last read
     */
    record StepEntered(Instant at, String version, int step, int weight, String cause,
                       java.util.List<dev.releasepilot.decide.rollout.GateReading> gates) implements Event {
        public StepEntered {
            gates = java.util.List.copyOf(gates);
        }

        public String type() {
            return "rollout_step";
        }
    }

    /** A step's weights were read back from the load balancer: its hold may count from here. */
    record StepApplied(Instant at, int step, int weight, dev.releasepilot.act.Weights weights, long millis) implements Event {
        public String type() {
            return "step_applied";
        }
    }

    /**
     * The current step's gates moved between passing, waiting and failing, or (while passing) a
     * checkpoint of the time held, so a restart continues with it.
     *
     * @param heldMs the time held at {@code at} (0 after a failure restarted the hold)
     */
    record HoldChanged(Instant at, int step, dev.releasepilot.decide.rollout.GateStatus status, long heldMs,
                       java.util.List<dev.releasepilot.decide.rollout.GateReading> gates) implements Event {
        public HoldChanged {
            gates = java.util.List.copyOf(gates);
        }

        public String type() {
            return "hold";
        }
    }

    /** The release's last step held: the release is promoted and the service STEADY. */
    record ReleasePromoted(Instant at, String version, java.util.List<dev.releasepilot.decide.rollout.GateReading> gates)
            implements Event {
        public ReleasePromoted {
            gates = java.util.List.copyOf(gates);
        }

        public String type() {
            return "release_promoted";
        }
    }
}
