package dev.releasepilot.ingest.haproxy;


import dev.releasepilot.ingest.CollectingSink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.peers.Haproxy;
import dev.releasepilot.peers.LoadDriver;
import dev.releasepilot.peers.Poll;
import dev.releasepilot.peers.StatusServer;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poller against a real HAProxy 2.6 in master-worker mode, with two real upstream HTTP servers behind
 * {@code be_checkout} (stable1 always 200, canary1 200 until told to answer 500) and real requests sent
 * through HAProxy's frontend. Waits are Poll.until with deadlines; nothing sleeps to let time pass.
 */
class HaproxyStatsPollerTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String RESPONSES = "haproxy_server_http_responses_total";

    @TempDir
    Path dir;

    private Vertx vertx;
    private StatusServer stable;
    private StatusServer canary;
    private Haproxy haproxy;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CollectingSink sink = new CollectingSink();
    private HaproxyStatsPoller poller;

    @BeforeEach
    void upstreams() {
        vertx = Vertx.vertx();
        stable = StatusServer.start(vertx, 200);
        canary = StatusServer.start(vertx, 200);
    }

    @AfterEach
    void stopAll() throws Exception {
        if (haproxy != null) {
            haproxy.close();
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    @Test
    void aFailingCanaryRaisesItsServer5xxCounter() {
        haproxy = new Haproxy(dir.resolve("haproxy"), stable.port, canary.port).start();
        deploy(rules(haproxy.address(), "50ms", "2s"), HaproxyStatsPoller.DEFAULT_BACKOFF_CAP);

        Map<Integer, Integer> healthy = LoadDriver.get(haproxy.frontendPort, 110);
        assertEquals(Map.of(200, 110), healthy);
        Poll.until("the canary's 2xx counter to show its requests", WAIT, () ->
                sink.value(RESPONSES, "proxy", "be_checkout", "server", "canary1", "code", "2xx").orElse(0.0)
                        == canary.requests());
        assertTrue(canary.requests() > 0, "roundrobin 100:10 sends the canary some of 110 requests");
        assertEquals(0.0, sink.value(RESPONSES, "proxy", "be_checkout", "server", "canary1", "code", "5xx").orElseThrow());

        canary.answer(500);
        Map<Integer, Integer> failing = LoadDriver.get(haproxy.frontendPort, 220);
        int fivexx = failing.getOrDefault(500, 0);
        assertTrue(fivexx > 0, failing::toString);
        Poll.until("the canary's 5xx counter to reach the " + fivexx + " errors clients saw", WAIT, () ->
                sink.value(RESPONSES, "proxy", "be_checkout", "server", "canary1", "code", "5xx").orElse(0.0) == fivexx);
        assertEquals(0.0, sink.value(RESPONSES, "proxy", "be_checkout", "server", "stable1", "code", "5xx").orElseThrow());
        Poll.until("the backend's 5xx counter", WAIT, () ->
                sink.value("haproxy_backend_http_responses_total", "proxy", "be_checkout", "code", "5xx").orElse(0.0) == fivexx);

        // Raw counters: never decreasing without a reset, stamped with strictly increasing poll times.
        List<Sample> series = sink.series(RESPONSES, "proxy", "be_checkout", "server", "canary1", "code", "5xx");
        assertTrue(series.size() >= 2, () -> "samples: " + series.size());
        for (int i = 1; i < series.size(); i++) {
            assertTrue(series.get(i).value() >= series.get(i - 1).value(), "counter went down without a reload");
            assertTrue(series.get(i).timestampMs() > series.get(i - 1).timestampMs(), "timestamps must increase");
        }
        assertEquals(10.0, sink.value("haproxy_server_weight", "proxy", "be_checkout", "server", "canary1").orElseThrow());
        assertEquals(1.0, sink.value("haproxy_server_status", "proxy", "be_checkout", "server", "canary1", "state", "UP").orElseThrow());
        double rt = sink.value("haproxy_server_response_time_average_seconds", "proxy", "be_checkout", "server", "canary1")
                .orElseThrow();
        assertTrue(rt >= 0 && rt < 1, "average response time in seconds: " + rt);
        assertTrue(sink.all().stream().noneMatch(Sample::isStaleMarker), "nothing ended while HAProxy was up");

        StatsPollStatus st = poller.status().get(0);
        assertEquals(haproxy.address(), st.address());
        assertTrue(st.up());
        assertNull(st.lastError());
        assertTrue(st.workerPid() > 0);
        assertEquals(0, st.reloadsDetected());
        assertEquals(1.0, registry.get("release_pilot_haproxy_stats_up").tag("address", haproxy.address()).gauge().value());
        int handed = sink.all().size(); // counted before each hand-over, so never fewer than handed
        double ingested = registry.get("release_pilot_samples_ingested_total").tag("source", "haproxy_stats").counter().count();
        assertTrue(handed > 0 && ingested >= handed, "ingested " + ingested + ", handed " + handed);
    }

    @Test
    void aReloadResetsCountersAndEndsTheSeriesOfServersThatVanished() {
        haproxy = new Haproxy(dir.resolve("haproxy"), stable.port, canary.port).start();
        deploy(rules(haproxy.address(), "50ms", "2s"), HaproxyStatsPoller.DEFAULT_BACKOFF_CAP);
        LoadDriver.get(haproxy.frontendPort, 110);
        Poll.until("all 110 requests counted", WAIT, () ->
                sink.value("haproxy_backend_http_requests_total", "proxy", "be_checkout").orElse(0.0) == 110);
        double stableBefore = sink.value("haproxy_server_sessions_total", "proxy", "be_checkout", "server", "stable1").orElseThrow();
        assertTrue(stableBefore > 0);
        Set<Labels> canarySeries = sink.all().stream().map(Sample::labels)
                .filter(l -> l.get("server").equals("canary1")).collect(Collectors.toSet());
        int oldWorker = Integer.parseInt(haproxy.workerPid().replace("Pid:", "").strip());

        // The new config renames canary1 to canary2; the reload starts a new worker with fresh counters. Traffic
        // keeps flowing through the reload.
        haproxy.rewriteServers(List.of("server stable1 127.0.0.1:" + stable.port + " weight 100",
                "server canary2 127.0.0.1:" + canary.port + " weight 10"));
        CompletableFuture<Map<Integer, Integer>> during = CompletableFuture.supplyAsync(
                () -> LoadDriver.get(haproxy.frontendPort, 300));
        haproxy.reload();
        Map<Integer, Integer> served = during.join();
        assertEquals(Map.of(200, 300), served, "HAProxy serves through its reload");

        Poll.until("the reload to be detected", WAIT, () -> poller.status().get(0).reloadsDetected() == 1);
        Poll.until("canary2's series", WAIT, () ->
                sink.value("haproxy_server_weight", "proxy", "be_checkout", "server", "canary2").isPresent());
        for (Labels l : canarySeries) {
            Sample last = sink.all().stream().filter(s -> s.labels().equals(l)).reduce((a, b) -> b).orElseThrow();
            assertTrue(last.isStaleMarker(), () -> l + " did not end with a stale marker");
        }
        // stable1 goes on without a marker and its counter dropped once (the new worker's starts from zero):
        // the window reads that drop as a counter reset.
        List<Sample> stableSessions = sink.series("haproxy_server_sessions_total", "proxy", "be_checkout", "server", "stable1");
        assertTrue(stableSessions.stream().noneMatch(Sample::isStaleMarker));
        int drops = 0;
        for (int i = 1; i < stableSessions.size(); i++) {
            drops += stableSessions.get(i).value() < stableSessions.get(i - 1).value() ? 1 : 0;
        }
        assertEquals(1, drops, "exactly one counter reset, at the new worker");
        assertEquals(1.0, registry.get("release_pilot_haproxy_reloads_detected_total").tag("address", haproxy.address())
                .counter().count());

        // The poller left the old worker's session, so the old worker could finish and exit.
        Poll.until("the old worker " + oldWorker + " to exit", WAIT,
                () -> ProcessHandle.of(oldWorker).map(p -> !p.isAlive()).orElse(true));

        double base = backendRequests();
        assertEquals(Map.of(200, 40), LoadDriver.get(haproxy.frontendPort, 40));
        double now = backendRequests();
        assertEquals(base + 40, now);
        Poll.until("the polled counter to follow the new worker's", WAIT, () ->
                sink.value("haproxy_backend_http_requests_total", "proxy", "be_checkout").orElse(0.0) == now);
    }

    @Test
    void clearCountersIsACounterResetNotAReload() {
        haproxy = new Haproxy(dir.resolve("haproxy"), stable.port, canary.port).start();
        deploy(rules(haproxy.address(), "50ms", "2s"), HaproxyStatsPoller.DEFAULT_BACKOFF_CAP);
        LoadDriver.get(haproxy.frontendPort, 30);
        Poll.until("30 requests counted", WAIT, () ->
                sink.value("haproxy_backend_http_requests_total", "proxy", "be_checkout").orElse(0.0) == 30);
        assertEquals("", haproxy.command("clear counters all").strip());
        Poll.until("the counter to drop to zero", WAIT, () ->
                sink.value("haproxy_backend_http_requests_total", "proxy", "be_checkout").orElse(-1.0) == 0);
        assertEquals(0, poller.status().get(0).reloadsDetected());
        assertTrue(sink.all().stream().noneMatch(Sample::isStaleMarker));
    }

    @Test
    void anUnreachableHaproxyEndsItsSeriesBacksOffAndIsPolledAgainOnceBack() {
        haproxy = new Haproxy(dir.resolve("haproxy"), stable.port, canary.port).start();
        Duration cap = Duration.ofMillis(400);
        deploy(rules(haproxy.address(), "50ms", "1s"), cap);
        LoadDriver.get(haproxy.frontendPort, 20);
        Poll.until("20 requests counted", WAIT, () ->
                sink.value("haproxy_backend_http_requests_total", "proxy", "be_checkout").orElse(0.0) == 20);
        Set<Labels> live = sink.all().stream().map(Sample::labels).collect(Collectors.toSet());

        haproxy.stop();
        Poll.until("the poller to see HAProxy down", WAIT, () -> !poller.status().get(0).up());
        assertEquals(0.0, registry.get("release_pilot_haproxy_stats_up").tag("address", haproxy.address()).gauge().value());
        // Every series ended with a stale marker (Prometheus does this on a failed scrape) ...
        List<Sample> all = sink.all();
        long downAt = all.stream().filter(Sample::isStaleMarker).mapToLong(Sample::timestampMs).min().orElseThrow();
        for (Labels l : live) {
            Sample last = all.stream().filter(s -> s.labels().equals(l)).reduce((a, b) -> b).orElseThrow();
            assertTrue(last.isStaleMarker() && last.timestampMs() == downAt, () -> l + " was not ended");
        }
        // ... and the attempts back off: 50, 100, 200, then the 400 ms cap.
        Poll.until("the backoff to reach its cap", WAIT, () -> poller.status().get(0).backoffMs() == cap.toMillis());
        StatsPollStatus down = poller.status().get(0);
        assertTrue(down.consecutiveFailures() >= 4, () -> "failures: " + down.consecutiveFailures());
        assertTrue(down.lastError() != null && down.lastError().contains("cannot connect"), down::lastError);
        assertTrue(sink.all().stream().filter(s -> s.timestampMs() > downAt).noneMatch(s -> !s.isStaleMarker()),
                "nothing but the stale markers while HAProxy was down");

        haproxy.start(); // same config, same ports
        Poll.until("samples again after HAProxy is back", WAIT, () -> poller.status().get(0).up()
                && sink.latest("haproxy_backend_http_requests_total", "proxy", "be_checkout")
                        .map(s -> !s.isStaleMarker() && s.timestampMs() > downAt).orElse(false));
        StatsPollStatus back = poller.status().get(0);
        assertEquals(0, back.consecutiveFailures());
        assertEquals(0, back.backoffMs());
        assertNull(back.lastError());
        assertEquals(1, back.reloadsDetected(), "a restarted HAProxy is a new process: counters start again");
        assertEquals(0.0, sink.value("haproxy_backend_http_requests_total", "proxy", "be_checkout").orElseThrow());
        assertEquals(1.0, registry.get("release_pilot_haproxy_stats_up").tag("address", haproxy.address()).gauge().value());
    }

    @Test
    void aHungHaproxyGetsOnePollAtATimeAndSkippedTicksAreCounted() throws Exception {
        // A peer that accepts and never answers: what a wedged HAProxy looks like from the poller.
        AtomicInteger open = new AtomicInteger();
        AtomicInteger maxOpen = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        NetServer silent = vertx.createNetServer().connectHandler(s -> {
            accepted.incrementAndGet();
            maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            s.handler(b -> { });
            s.closeHandler(v -> open.decrementAndGet());
        }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        String address = "127.0.0.1:" + silent.actualPort();
        deploy(rules(address, "50ms", "300ms"), Duration.ofMillis(200));

        Poll.until("ticks skipped while a poll waits", WAIT, () -> poller.status().get(0).skippedTicks() >= 3
                && poller.status().get(0).consecutiveFailures() >= 2);
        StatsPollStatus st = poller.status().get(0);
        assertFalse(st.up());
        assertTrue(st.lastError().contains("did not answer within 300 ms"), st.lastError());
        assertEquals(1, maxOpen.get(), "never more than one connection (and request) at a time");
        assertTrue(accepted.get() >= 2, "a timed-out connection is dropped and a new one made");
        assertEquals(List.of(), sink.all(), "no samples from a peer that never answered");
        assertTrue(registry.get("release_pilot_haproxy_stats_skipped_ticks_total").tag("address", address).counter().count() >= 3);
    }

    @Test
    void aUnixSocketAddressIsPolledToo() {
        haproxy = new Haproxy(dir.resolve("haproxy"), stable.port, canary.port).start();
        deploy(rules(haproxy.socket.toString(), "50ms", "2s"), HaproxyStatsPoller.DEFAULT_BACKOFF_CAP);
        LoadDriver.get(haproxy.frontendPort, 10);
        Poll.until("samples over the unix socket", WAIT, () ->
                sink.value("haproxy_backend_http_requests_total", "proxy", "be_checkout").orElse(0.0) == 10);
        assertTrue(poller.status().get(0).up());
    }

    @Test
    void reloadingRulesStopsAndResumesPollingInPlace() {
        haproxy = new Haproxy(dir.resolve("haproxy"), stable.port, canary.port).start();
        RuleSet polled = rules(haproxy.address(), "50ms", "2s");
        deploy(polled, HaproxyStatsPoller.DEFAULT_BACKOFF_CAP);
        Poll.until("first samples", WAIT, () -> sink.value("haproxy_server_weight", "proxy", "be_checkout", "server", "canary1")
                .isPresent());

        // Same address and backend at another interval: the series go on without a stale marker.
        await(poller.reload(rules(haproxy.address(), "100ms", "2s")));
        assertEquals(100, poller.status().get(0).intervalMs());
        int batches = sink.batches();
        Poll.until("polls at the new interval", WAIT, () -> sink.batches() > batches + 2);
        assertTrue(sink.all().stream().noneMatch(Sample::isStaleMarker));

        // No rule polls any more: every series ends, the address and its up gauge go away.
        await(poller.reload(rules(haproxy.address(), null, "2s")));
        assertEquals(List.of(), poller.status());
        Sample last = sink.latest("haproxy_server_weight", "proxy", "be_checkout", "server", "canary1").orElseThrow();
        assertTrue(last.isStaleMarker());
        assertTrue(registry.find("release_pilot_haproxy_stats_up").gauges().isEmpty());

        await(poller.reload(polled));
        Poll.until("polling again", WAIT, () -> sink.value("haproxy_server_weight", "proxy", "be_checkout", "server", "canary1")
                .isPresent());
    }

    /** be_checkout's req_tot as HAProxy reports it now, read independently of the poller. */
    private double backendRequests() {
        List<String> lines = haproxy.command("show stat be_checkout 2 -1").lines().toList();
        List<String> header = List.of(lines.get(0).substring(2).split(","));
        return Double.parseDouble(lines.get(1).split(",")[header.indexOf("req_tot")]);
    }

    private void deploy(RuleSet rules, Duration backoffCap) {
        poller = new HaproxyStatsPoller(rules, sink, Clock.systemUTC(), registry, backoffCap);
        await(vertx.deployVerticle(poller));
    }

    private static <T> T await(io.vertx.core.Future<T> f) {
        try {
            return f.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A rule file as an operator writes it; {@code statsPoll} null leaves the key out. */
    static RuleSet rules(String address, String statsPoll, String timeout) {
        String yaml = """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: "%s", backend: be_checkout, stable: [stable1], canary: [canary1],
                              timeout: %s%s}
                    triggers:
                      - name: paged
                        alert: '{alertname="CheckoutDown"}'
                """.formatted(address, timeout, statsPoll == null ? "" : ", stats_poll: " + statsPoll);
        LoadResult r = RuleLoader.parse("rules.yaml", yaml);
        assertTrue(r.ok(), () -> r.errors().toString());
        return r.rules();
    }
}
