package dev.releasepilot.ingest.probe;

import dev.releasepilot.decide.SignalPort;
import dev.releasepilot.rules.ProbeTrigger;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.Trigger;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Active health probes, one {@link ServiceProbes} verticle per service with probe triggers. Each service
 * gets its own verticle, hence its own event-loop context (Vert.x spreads deployments over the loops),
 * and each probe its own HTTP client: one service's slow probe (a TLS handshake, a hung target) never
 * delays another service's probe into a false failure. Undeploying this verticle stops them all.
 */
public final class HealthProber extends VerticleBase {
    private final RuleSet rules;
    private final SignalPort pilot;
    private final Clock clock;
    private final MeterRegistry registry;

    public HealthProber(RuleSet rules, SignalPort pilot, Clock clock, MeterRegistry registry) {
        this.rules = rules;
        this.pilot = pilot;
        this.clock = clock;
        this.registry = registry;
    }

    /** Whether any service has a probe trigger (no verticle is deployed otherwise). */
    public static boolean needed(RuleSet rules) {
        return rules.services().stream().flatMap(s -> s.triggers().stream()).anyMatch(t -> t instanceof ProbeTrigger);
    }

    @Override
    public Future<?> start() {
        List<Future<String>> deployed = new ArrayList<>();
        for (ServiceRule s : rules.services()) {
            List<ProbeTrigger> probes = new ArrayList<>();
            for (Trigger t : s.triggers()) {
                if (t instanceof ProbeTrigger p) {
                    probes.add(p);
                }
            }
            if (!probes.isEmpty()) {
                deployed.add(vertx.deployVerticle(new ServiceProbes(s.name(), probes, pilot, clock, registry)));
            }
        }
        return Future.all(deployed);
    }
}
