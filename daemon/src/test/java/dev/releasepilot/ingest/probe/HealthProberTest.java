package dev.releasepilot.ingest.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.decide.ProbeSignal;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.SilentServer;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probes against real HTTP and HTTPS targets started here (a self-signed certificate made for the test):
 * what counts as healthy, redirects, TLS settings and failures, and services that do not slow each other.
 */
class HealthProberTest {
    @TempDir
    Path dir;
    private Vertx vertx;
    private HttpServer http;
    private HttpServer https;
    private SelfSignedCertificate cert;
    private final Queue<ProbeSignal> results = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        http = vertx.createHttpServer().requestHandler(req -> {
            switch (req.path()) {
                case "/ok" -> req.response().end("ok");
                case "/moved" -> req.response().setStatusCode(301).putHeader("Location", "/ok").end();
                case "/slash" -> req.response().setStatusCode(308).putHeader("Location", "/ok").end();
                case "/moved-to-fail" -> req.response().setStatusCode(302).putHeader("Location", "/fail").end();
                case "/fail" -> req.response().setStatusCode(503).end("down");
                default -> req.response().setStatusCode(418).end();
            }
        }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        cert = SelfSignedCertificate.create("localhost");
        https = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions()))
                .requestHandler(req -> req.response().end("ok")).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        // The target's own TLS setup happens at its first connection: do it now, so the probes' first
        // deadlines measure the prober, not the test's server warming up.
        io.vertx.core.http.HttpClientAgent warm = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                .setSsl(true).setTrustAll(true).setVerifyHost(false));
        warm.request(io.vertx.core.http.HttpMethod.GET, https.actualPort(), "localhost", "/")
                .compose(r -> r.send().compose(io.vertx.core.http.HttpClientResponse::body)).await(30, TimeUnit.SECONDS);
        warm.close().await(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
        cert.delete();
    }

    private String httpUrl(String path) {
        return "http://127.0.0.1:" + http.actualPort() + path;
    }

    private String httpsUrl() {
        return "https://localhost:" + https.actualPort() + "/health";
    }

    /** Deploys the prober for one service per probe given as {@code name → probe mapping}. */
    private void probe(String... serviceAndProbe) throws Exception {
        StringBuilder yaml = new StringBuilder("services:\n");
        for (int i = 0; i < serviceAndProbe.length; i += 2) {
            yaml.append("""
                      - name: %s
                        backend: {type: haproxy, address: 127.0.0.1:9, backend: be, stable: [s], canary: [c]}
                        triggers:
                          - name: health
                            probe: %s
                    """.formatted(serviceAndProbe[i], serviceAndProbe[i + 1]));
        }
        LoadResult r = RuleLoader.parse("probes.yaml", yaml.toString());
        assertTrue(r.ok(), r.errors() + "\n" + yaml);
        vertx.deployVerticle(new HealthProber(r.rules(), signals -> {
            signals.forEach(s -> results.add((ProbeSignal) s));
            return Future.succeededFuture();
        }, Clock.systemUTC(), new SimpleMeterRegistry())).await(10, TimeUnit.SECONDS);
    }

    private List<ProbeSignal> of(String service) {
        return results.stream().filter(s -> s.service().equals(service)).toList();
    }

    private ProbeSignal first(String service) {
        Poll.until("a probe result for " + service, Duration.ofSeconds(10), () -> !of(service).isEmpty());
        return of(service).get(0);
    }

    @Test
    void twoAndThreeHundredsAreHealthyAndRedirectsAreNotFollowedUnlessAsked() throws Exception {
        probe("moved", "{url: \"" + httpUrl("/moved") + "\", interval: 2s, timeout: 2s}",
                "slash", "{url: \"" + httpUrl("/slash") + "\", interval: 2s, timeout: 2s}",
                "followed", "{url: \"" + httpUrl("/moved-to-fail") + "\", interval: 2s, timeout: 2s, follow_redirects: true}",
                "teapot", "{url: \"" + httpUrl("/teapot") + "\", interval: 2s, timeout: 2s}",
                "listed", "{url: \"" + httpUrl("/fail") + "\", interval: 2s, timeout: 2s, expect_status: [200, \"500-503\"]}",
                "only2xx", "{url: \"" + httpUrl("/moved") + "\", interval: 2s, timeout: 2s, expect_status: 2xx}");
        ProbeSignal moved = first("moved");
        assertTrue(moved.healthy() && moved.status() == 301, moved.toString());
        ProbeSignal slash = first("slash");
        assertTrue(slash.healthy() && slash.status() == 308, slash.toString());
        ProbeSignal followed = first("followed");
        assertTrue(!followed.healthy() && followed.status() == 503, "the redirect's target is judged: " + followed);
        ProbeSignal teapot = first("teapot");
        assertEquals("unexpected status 418 (expected 200-399)", teapot.error());
        assertTrue(first("listed").healthy(), first("listed").toString());
        ProbeSignal only2xx = first("only2xx");
        assertEquals("unexpected status 301 (expected 200-299)", only2xx.error());
    }

    @Test
    void tlsIsCheckedAsEachProbeSaysAndAFailureSaysTls() throws Exception {
        Path ca = dir.resolve("ca.pem");
        Files.copy(Path.of(cert.certificatePath()), ca);
        probe("verified", "{url: \"" + httpsUrl() + "\", interval: 6s, timeout: 6s}",
                "insecure", "{url: \"" + httpsUrl() + "\", interval: 2s, timeout: 2s, tls: {insecure_skip_verify: true}}",
                "own-ca", "{url: \"" + httpsUrl() + "\", interval: 2s, timeout: 2s, tls: {ca_file: \"" + ca + "\"}}");
        ProbeSignal verified = first("verified");
        assertTrue(!verified.healthy() && verified.error().startsWith("tls: "), "a self-signed certificate fails as TLS: " + verified);
        ProbeSignal insecure = first("insecure");
        assertTrue(insecure.healthy() && insecure.status() == 200, insecure.toString());
        ProbeSignal ownCa = first("own-ca");
        assertTrue(ownCa.healthy() && ownCa.status() == 200, ownCa.toString());
    }

    @Test
    void aServiceWhoseProbesHangOrShakeHandsSlowlyDoesNotDelayAnother() throws Exception {
        try (SilentServer hung = new SilentServer()) {
            // Generous deadlines: the suite runs on 2 shared cores; what matters is that no probe of "fast"
            // waits for the other services' handshakes and hung connections.
            probe("hung", "{url: \"http://" + hung.address() + "/health\", interval: 2s, timeout: 2s}",
                    "tls-first", "{url: \"" + httpsUrl() + "\", interval: 2s, timeout: 2s, tls: {insecure_skip_verify: true}}",
                    "fast", "{url: \"" + httpUrl("/ok") + "\", interval: 500ms, timeout: 500ms}");
            Poll.until("8 probes of the fast service", Duration.ofSeconds(20), () -> of("fast").size() >= 8);
            assertTrue(of("fast").stream().allMatch(ProbeSignal::healthy), "no probe of another service failed: " + of("fast"));
            assertTrue(of("hung").stream().noneMatch(ProbeSignal::healthy), of("hung").toString());
            assertTrue(of("hung").get(0).error().startsWith("timeout"), of("hung").get(0).error());
        }
    }
}
