package dev.releasepilot.act;

import dev.releasepilot.rules.WhenStableUnavailable;
import dev.releasepilot.rules.backend.WeightedServer;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stable-availability check for load balancers whose weights Release Pilot writes from the rule
 * (NGINX, Caddy): before a rollback drains the canary it asks the LB's {@link HealthSource}; if no
 * stable server could serve at its configured weight, a {@link WhenStableUnavailable#HOLD} rollback
 * changes nothing and fails with {@code STABLE_UNAVAILABLE} (evidence: the weights read and the
 * health), a {@link WhenStableUnavailable#DRAIN} one goes ahead and its result carries the health
 * judged before the write (the risk it took). Every other result carries the health read after the
 * command, so callers see it (API, drift checks). When the health
 * cannot be read, the rollback proceeds as it would without the check: the write itself will show
 * whether the LB answers. HAProxy makes the same judgement ({@link StableGuard}) inside its own
 * rollback, where it also picks the weights.
 */
public final class StableGuardActuator implements Actuator {
    private final Actuator delegate;
    private final HealthSource source;
    private final List<String> stable;
    private final Map<String, Integer> targets = new LinkedHashMap<>();

    public StableGuardActuator(Actuator delegate, HealthSource source, List<WeightedServer> stable) {
        this.delegate = delegate;
        this.source = source;
        this.stable = stable.stream().map(WeightedServer::server).toList();
        stable.forEach(s -> targets.put(s.server(), s.weight()));
    }

    @Override
    public Optional<CircuitView> circuit() {
        return delegate.circuit();
    }

    @Override
    public Future<Weights> apply(Command command) {
        if (!(command instanceof Command.Rollback rollback)) {
            return delegate.apply(command).compose(w -> withHealth(command.service(), w));
        }
        return source.health(command.service()).transform(ar -> {
            Map<String, ServerHealth> health = ar.succeeded() ? ar.result() : Map.of();
            if (StableGuard.canServe(health, targets, stable)) {
                return delegate.apply(command).compose(w -> withHealth(command.service(), w));
            }
            if (rollback.whenStableUnavailable() == WhenStableUnavailable.DRAIN) {
                // Drained at risk: the result keeps the health judged before the write, which is the
                // evidence of that risk (an LB may forget failure counts when its config reloads).
                return delegate.apply(command).map(w -> new Weights(w.current(), w.initial(), health));
            }
            return delegate.apply(new Command.Read(command.service())).transform(read -> {
                Weights observed = read.succeeded()
                        ? new Weights(read.result().current(), read.result().initial(), health)
                        : new Weights(Map.of(), Map.of(), health);
                return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.STABLE_UNAVAILABLE,
                        "no stable server can serve (" + StableGuard.describe(observed, stable)
                                + "); the canary keeps its traffic", observed));
            });
        });
    }

    /** The delegate's weights with the health as read now; without health when it cannot be read. */
    private Future<Weights> withHealth(String service, Weights w) {
        return source.health(service).transform(ar -> Future.succeededFuture(ar.succeeded()
                ? new Weights(w.current(), w.initial(), ar.result()) : w));
    }
}
