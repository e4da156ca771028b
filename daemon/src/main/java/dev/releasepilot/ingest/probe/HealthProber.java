package dev.releasepilot.ingest.probe;

import dev.releasepilot.decide.SignalPort;
import dev.releasepilot.decide.ProbeSignal;
import dev.releasepilot.rules.ProbeTrigger;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.Trigger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Active health probes: one timer per probe trigger, HTTP GET with a deadline, each result handed to
 * decide as a {@link ProbeSignal}. A timeout, a refused connection or an unexpected status is a failure.
 * Every probe opens a new connection (no keep-alive), so a server that stops accepting is seen at once.
 * A probe still in flight when its next tick comes is not doubled: the tick is skipped and counted.
 */
public final class HealthProber extends VerticleBase {
    private final RuleSet rules;
    private final SignalPort pilot;
    private final Clock clock;
    private final MeterRegistry registry;
    private final List<Long> timers = new ArrayList<>();
    private HttpClient client;

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
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
                .setConnectTimeout(5_000));
        for (ServiceRule s : rules.services()) {
            for (Trigger t : s.triggers()) {
                if (t instanceof ProbeTrigger p) {
                    schedule(s.name(), p);
                }
            }
        }
        return Future.succeededFuture();
    }

    private void schedule(String service, ProbeTrigger p) {
        Timer duration = Timer.builder("release_pilot_probe_duration_seconds").tag("service", service)
                .tag("trigger", p.name()).description("Health probe round trips").register(registry);
        Counter ok = registry.counter("release_pilot_probes_total", "service", service, "trigger", p.name(), "result", "healthy");
        Counter failed = registry.counter("release_pilot_probes_total", "service", service, "trigger", p.name(), "result", "failed");
        Counter skipped = registry.counter("release_pilot_probes_skipped_total", "service", service, "trigger", p.name());
        boolean[] inFlight = {false};
        timers.add(vertx.setPeriodic(0, p.interval().toMillis(), id -> {
            if (inFlight[0]) {
                skipped.increment();
                return;
            }
            inFlight[0] = true;
            long t0 = System.nanoTime();
            RequestOptions req = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(p.url())
                    .setConnectTimeout(p.timeout().toMillis()).setIdleTimeout(p.timeout().toMillis())
                    .putHeader("User-Agent", "release-pilot-probe");
            client.request(req)
                    .compose(r -> r.send().compose(resp -> resp.end().map(v -> resp.statusCode())))
                    .timeout(p.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .onComplete(ar -> {
                        inFlight[0] = false;
                        long nanos = System.nanoTime() - t0;
                        duration.record(nanos, TimeUnit.NANOSECONDS);
                        int status = ar.succeeded() ? ar.result() : 0;
                        boolean healthy = ar.succeeded() && p.healthy(status);
                        String error = healthy ? null : ar.succeeded() ? "unexpected status " + status
                                : describe(ar.cause());
                        (healthy ? ok : failed).increment();
                        pilot.accept(List.of(new ProbeSignal(service, p.name(), healthy, status, error,
                                nanos / 1_000_000, clock.instant(), System.nanoTime())));
                    });
        }));
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        if (t instanceof java.util.concurrent.TimeoutException || (m != null && m.contains("imeout"))) {
            return "timeout: " + m;
        }
        return t.getClass().getSimpleName() + ": " + m;
    }

    @Override
    public Future<?> stop() {
        timers.forEach(vertx::cancelTimer);
        return client == null ? Future.succeededFuture() : client.close();
    }
}
