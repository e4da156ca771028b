package dev.releasepilot.ingest.probe;

import dev.releasepilot.decide.ProbeSignal;
import dev.releasepilot.decide.SignalPort;
import dev.releasepilot.rules.ProbeTrigger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The probes of one service, on this verticle's own context: one timer and one HTTP client per probe
 * trigger, HTTP GET with a deadline, each result handed to decide as a {@link ProbeSignal}. A timeout, a
 * refused connection, a TLS failure (reported as such) or a status outside the trigger's
 * {@code expect_status} is a failure. Every probe opens a new connection (no keep-alive), so a server that
 * stops accepting is seen at once; redirects are followed only when the trigger asks. A probe still in
 * flight when its next tick comes is not doubled: the tick is skipped and counted. The body is read and
 * dropped as it arrives.
 */
final class ServiceProbes extends VerticleBase {
    private final String service;
    private final List<ProbeTrigger> probes;
    private final SignalPort pilot;
    private final Clock clock;
    private final MeterRegistry registry;
    private final List<HttpClientAgent> clients = new ArrayList<>();

    ServiceProbes(String service, List<ProbeTrigger> probes, SignalPort pilot, Clock clock, MeterRegistry registry) {
        this.service = service;
        this.probes = List.copyOf(probes);
        this.pilot = pilot;
        this.clock = clock;
        this.registry = registry;
    }

    @Override
    public Future<?> start() {
        List<Future<?>> ready = new ArrayList<>();
        for (ProbeTrigger p : probes) {
            HttpClientAgent c = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
                    .setConnectTimeout((int) Math.max(1, p.timeout().toMillis())));
            clients.add(c);
            // Build the TLS context now, off the event loop, before the first probe: built lazily it made the
            // first https probe (and whatever shared its loop) miss its deadline on a busy host.
            Future<?> tlsReady = p.url().startsWith("https://") ? c.updateSSLOptions(tls(p), true) : Future.succeededFuture();
            ready.add(tlsReady.onSuccess(v -> schedule(p, c)));
        }
        return Future.all(ready);
    }

    private static ClientSSLOptions tls(ProbeTrigger p) {
        ClientSSLOptions o = new ClientSSLOptions();
        if (p.tls().insecureSkipVerify()) {
            o.setTrustAll(true).setHostnameVerificationAlgorithm("");
        } else {
            o.setHostnameVerificationAlgorithm("HTTPS");
        }
        p.tls().caFile().ifPresent(f -> o.setTrustOptions(new PemTrustOptions().addCertPath(f.toString())));
        return o;
    }

    private void schedule(ProbeTrigger p, HttpClient client) {
        Timer duration = Timer.builder("release_pilot_probe_duration_seconds").tag("service", service)
                .tag("trigger", p.name()).description("Health probe round trips").register(registry);
        Counter ok = registry.counter("release_pilot_probes_total", "service", service, "trigger", p.name(), "result", "healthy");
        Counter failed = registry.counter("release_pilot_probes_total", "service", service, "trigger", p.name(), "result", "failed");
        Counter skipped = registry.counter("release_pilot_probes_skipped_total", "service", service, "trigger", p.name());
        boolean[] inFlight = {false};
        vertx.setPeriodic(0, p.interval().toMillis(), id -> {
            if (inFlight[0]) {
                skipped.increment();
                return;
            }
            inFlight[0] = true;
            long t0 = System.nanoTime();
            RequestOptions req = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(p.url())
                    .setConnectTimeout(p.timeout().toMillis()).setIdleTimeout(p.timeout().toMillis())
                    .setFollowRedirects(p.followRedirects())
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
                        String error = healthy ? null : ar.succeeded() ? "unexpected status " + status + " (expected "
                                + p.expectStatus().stream().map(Object::toString).reduce((a, b) -> a + ", " + b).orElse("")
                                + ")" : describe(ar.cause());
                        (healthy ? ok : failed).increment();
                        pilot.accept(List.of(new ProbeSignal(service, p.name(), healthy, status, error,
                                nanos / 1_000_000, clock.instant(), System.nanoTime())));
                    });
        });
    }

    /** The failure in words, with its kind first: {@code timeout:}, {@code tls:} or the exception's class. */
    static String describe(Throwable t) {
        String m = t.getMessage();
        if (t instanceof java.util.concurrent.TimeoutException || (m != null && m.contains("imeout"))) {
            return "timeout: " + m;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException) {
                return "tls: " + c.getMessage();
            }
        }
        return t.getClass().getSimpleName() + ": " + m;
    }

    @Override
    public Future<?> stop() {
        List<Future<Void>> closed = new ArrayList<>();
        clients.forEach(c -> closed.add(c.close()));
        return Future.all(closed);
    }
}
