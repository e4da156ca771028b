package dev.releasepilot.ingest.haproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The CSV → promex translation on {@code show stat} answers captured from the real HAProxy 2.6.12
 * (src/test/resources/haproxy: be_checkout with stable1 drained, canary1 checked and answering 500,
 * spare1 disabled; be_tcp in TCP mode with one server whose check is refused). Pure: no I/O, explicit
 * timestamps.
 */
class StatsTranslatorTest {
    private static final String CHECKOUT = resource("show-stat-be_checkout-2.6.12.csv");
    private static final String TCP = resource("show-stat-be_tcp-2.6.12.csv");
    private static final Predicate<String> ALL = n -> true;

    @Test
    void serverAndBackendRowsBecomePromexSeries() {
        Map<String, Double> s = values(poll(new StatsTranslator(1000), 1000, ALL, Map.of("be_checkout", CHECKOUT)));

        assertEquals(28.0, s.get("haproxy_server_http_responses_total{code=\"2xx\",proxy=\"be_checkout\",server=\"stable1\"}"));
        assertEquals(2.0, s.get("haproxy_server_http_responses_total{code=\"5xx\",proxy=\"be_checkout\",server=\"canary1\"}"));
        assertEquals(0.0, s.get("haproxy_server_http_responses_total{code=\"other\",proxy=\"be_checkout\",server=\"canary1\"}"));
        assertEquals(2.0, s.get("haproxy_backend_http_responses_total{code=\"5xx\",proxy=\"be_checkout\"}"));
        assertEquals(30.0, s.get("haproxy_backend_http_requests_total{proxy=\"be_checkout\"}"));
        assertEquals(28.0, s.get("haproxy_server_sessions_total{proxy=\"be_checkout\",server=\"stable1\"}"));
        assertEquals(0.0, s.get("haproxy_server_current_sessions{proxy=\"be_checkout\",server=\"canary1\"}"));
        assertEquals(0.0, s.get("haproxy_server_current_queue{proxy=\"be_checkout\",server=\"canary1\"}"));
        assertEquals(10.0, s.get("haproxy_server_weight{proxy=\"be_checkout\",server=\"canary1\"}"));
        assertEquals(999.0, s.get("haproxy_backend_limit_sessions{proxy=\"be_checkout\"}"));
        // rtime is in ms in the CSV, seconds in promex.
        assertEquals(0.003, s.get("haproxy_server_response_time_average_seconds{proxy=\"be_checkout\",server=\"canary1\"}"), 1e-12);
        assertEquals(0.006, s.get("haproxy_backend_response_time_average_seconds{proxy=\"be_checkout\"}"), 1e-12);

        // status: one series per state, 1 for the current one (DRAIN, UP, MAINT as promex_srv_status derives them).
        assertEquals(1.0, s.get("haproxy_server_status{proxy=\"be_checkout\",server=\"stable1\",state=\"DRAIN\"}"));
        assertEquals(0.0, s.get("haproxy_server_status{proxy=\"be_checkout\",server=\"stable1\",state=\"UP\"}"));
        assertEquals(1.0, s.get("haproxy_server_status{proxy=\"be_checkout\",server=\"canary1\",state=\"UP\"}"));
        assertEquals(1.0, s.get("haproxy_server_status{proxy=\"be_checkout\",server=\"spare1\",state=\"MAINT\"}"));
        assertEquals(1.0, s.get("haproxy_backend_status{proxy=\"be_checkout\",state=\"UP\"}"));
        assertEquals(0.0, s.get("haproxy_backend_status{proxy=\"be_checkout\",state=\"DOWN\"}"));
        for (String st : List.of("DOWN", "UP", "MAINT", "DRAIN", "NOLB")) {
            double expected = st.equals("DOWN") || st.equals("NOLB") ? 0 : 1;
            assertEquals(expected, s.get("haproxy_backend_agg_server_status{proxy=\"be_checkout\",state=\"" + st + "\"}"), st);
        }

        // check_status / check_code only for the checked server; code 0 when the check has no layer 5-7 code.
        assertEquals(1.0, s.get("haproxy_server_check_status{proxy=\"be_checkout\",server=\"canary1\",state=\"L4OK\"}"));
        assertEquals(0.0, s.get("haproxy_server_check_status{proxy=\"be_checkout\",server=\"canary1\",state=\"L7OK\"}"));
        assertEquals(0.0, s.get("haproxy_server_check_code{proxy=\"be_checkout\",server=\"canary1\"}"));
        assertFalse(s.keySet().stream().anyMatch(k -> k.contains("check_") && k.contains("stable1") && !k.contains("last_change")),
                () -> "unchecked stable1 has check series: " + s.keySet());
        // Empty CSV fields (no maxconn on a server) are not sent; promex shows them as NaN.
        assertFalse(s.containsKey("haproxy_server_limit_sessions{proxy=\"be_checkout\",server=\"stable1\"}"));
        // No frontend, listener or process metrics: only backends and their servers.
        assertTrue(s.keySet().stream().allMatch(k -> k.startsWith("haproxy_server_") || k.startsWith("haproxy_backend_")));
    }

    @Test
    void labelSetsAreExactlyPromexOnes() {
        List<Sample> samples = poll(new StatsTranslator(1000), 1000, ALL, Map.of("be_checkout", CHECKOUT));
        Set<String> shapes = new TreeSet<>();
        for (Sample x : samples) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < x.labels().size(); i++) {
                names.add(x.labels().name(i));
            }
            shapes.add(x.labels().metricName().startsWith("haproxy_server_") ? "server" + names : "backend" + names);
        }
        assertEquals(new TreeSet<>(List.of(
                "backend[__name__, proxy]", "backend[__name__, code, proxy]", "backend[__name__, proxy, state]",
                "server[__name__, proxy, server]", "server[__name__, code, proxy, server]",
                "server[__name__, proxy, server, state]")), shapes);
        assertTrue(samples.stream().allMatch(x -> x.timestampMs() == 1000));
    }

    @Test
    void tcpBackendsHaveNoHttpSeriesAndCountCheckResults() {
        Map<String, Double> s = values(poll(new StatsTranslator(1000), 5, ALL, Map.of("be_tcp", TCP)));
        assertFalse(s.keySet().stream().anyMatch(k -> k.contains("http_")), () -> s.keySet().toString());
        assertEquals(1.0, s.get("haproxy_server_check_status{proxy=\"be_tcp\",server=\"t2\",state=\"L4CON\"}"));
        assertEquals(1.0, s.get("haproxy_server_status{proxy=\"be_tcp\",server=\"t2\",state=\"DOWN\"}"));
        assertEquals(1.0, s.get("haproxy_backend_agg_check_status{proxy=\"be_tcp\",state=\"L4OK\"}"));
        assertEquals(1.0, s.get("haproxy_backend_agg_check_status{proxy=\"be_tcp\",state=\"L4CON\"}"));
        assertEquals(0.0, s.get("haproxy_backend_agg_check_status{proxy=\"be_tcp\",state=\"L7OK\"}"));
        assertEquals(1.0, s.get("haproxy_backend_agg_server_check_status{proxy=\"be_tcp\",state=\"DOWN\"}"));
    }

    @Test
    void aServerMissingFromTheNextPollEndsWithOneStaleMarkerPerSeries() {
        StatsTranslator t = new StatsTranslator(1000);
        List<Sample> first = poll(t, 1000, ALL, Map.of("be_checkout", CHECKOUT));
        Set<Labels> canarySeries = first.stream().filter(x -> x.labels().get("server").equals("canary1"))
                .map(Sample::labels).collect(Collectors.toSet());
        assertTrue(canarySeries.size() > 40, () -> "canary series: " + canarySeries.size());

        String withoutCanary = Arrays.stream(CHECKOUT.split("\n")).filter(l -> !l.startsWith("be_checkout,canary1,"))
                .collect(Collectors.joining("\n")) + "\n";
        List<Sample> second = poll(t, 1250, ALL, Map.of("be_checkout", withoutCanary));
        List<Sample> canaryNow = second.stream().filter(x -> x.labels().get("server").equals("canary1")).toList();
        assertEquals(canarySeries, canaryNow.stream().map(Sample::labels).collect(Collectors.toSet()));
        assertTrue(canaryNow.stream().allMatch(x -> x.isStaleMarker() && x.timestampMs() == 1250));
        assertEquals(canarySeries.size(), canaryNow.size(), "exactly one marker per series");
        assertTrue(second.stream().filter(x -> !x.labels().get("server").equals("canary1")).noneMatch(Sample::isStaleMarker));
        // The stale markers carry the exact NaN bits Prometheus uses.
        assertEquals(Sample.STALE_NAN_BITS, Double.doubleToRawLongBits(canaryNow.get(0).value()));

        List<Sample> third = poll(t, 1500, ALL, Map.of("be_checkout", withoutCanary));
        assertTrue(third.stream().noneMatch(x -> x.labels().get("server").equals("canary1")));
        assertTrue(third.stream().noneMatch(Sample::isStaleMarker));

        // A server that comes back starts its series again (same labels).
        List<Sample> fourth = poll(t, 1750, ALL, Map.of("be_checkout", CHECKOUT));
        assertEquals(canarySeries, fourth.stream().filter(x -> x.labels().get("server").equals("canary1"))
                .map(Sample::labels).collect(Collectors.toSet()));
    }

    @Test
    void aBackendThatIsNotAnsweredEndsAllItsSeries() {
        StatsTranslator t = new StatsTranslator(1000);
        int emitted = poll(t, 1000, ALL, Map.of("be_checkout", CHECKOUT)).size();
        t.begin(2000, ALL);
        byte[] b = "No such proxy.\n".getBytes(StandardCharsets.UTF_8);
        assertEquals("No such proxy.", t.backend("be_checkout", b, 0, b.length));
        List<Sample> after = t.finish();
        assertEquals(emitted, after.size());
        assertTrue(after.stream().allMatch(Sample::isStaleMarker));
        assertEquals(0, t.trackedEntities());
    }

    @Test
    void columnsAreFoundByNameNotPosition() {
        Map<String, Double> plain = values(poll(new StatsTranslator(1000), 1, ALL, Map.of("be_checkout", CHECKOUT)));
        Map<String, Double> reversed = values(poll(new StatsTranslator(1000), 1, ALL, Map.of("be_checkout", reverseColumns(CHECKOUT))));
        assertEquals(plain, reversed);
    }

    @Test
    void aQuotedFieldWithCommasDoesNotShiftLaterColumns() {
        // HAProxy quotes a text field that holds ',' or '"' (csv_enc); last_chk is such free text.
        List<String> lines = new ArrayList<>(Arrays.asList(CHECKOUT.split("\n")));
        List<String> header = Arrays.asList(lines.get(0).substring(2).split(",", -1));
        int lastChk = header.indexOf("last_chk");
        String[] canary = lines.get(2).split(",", -1);
        canary[lastChk] = "\"refused, \"\"really\"\", twice\"";
        lines.set(2, String.join(",", canary));
        String quoted = String.join("\n", lines) + "\n";
        assertEquals(values(poll(new StatsTranslator(1000), 1, ALL, Map.of("be_checkout", CHECKOUT))),
                values(poll(new StatsTranslator(1000), 1, ALL, Map.of("be_checkout", quoted))));
    }

    @Test
    void onlyTheMetricsTheSinkWantsAreBuilt() {
        Predicate<String> only5xx = n -> n.equals("haproxy_server_http_responses_total");
        List<Sample> samples = poll(new StatsTranslator(1000), 1, only5xx, Map.of("be_checkout", CHECKOUT));
        assertEquals(3 * 6, samples.size()); // three servers, six code classes
        assertTrue(samples.stream().allMatch(x -> x.labels().metricName().equals("haproxy_server_http_responses_total")));
    }

    @Test
    void labelsAreBuiltOnceAndReusedAcrossPolls() {
        StatsTranslator t = new StatsTranslator(1000);
        List<Sample> a = poll(t, 1, ALL, Map.of("be_checkout", CHECKOUT));
        List<Sample> b = poll(t, 2, ALL, Map.of("be_checkout", CHECKOUT));
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertSame(a.get(i).labels(), b.get(i).labels());
        }
    }

    @Test
    void aMetricNoLongerWantedEndsWithAStaleMarker() {
        StatsTranslator t = new StatsTranslator(1000);
        Predicate<String> two = n -> n.equals("haproxy_server_weight") || n.equals("haproxy_server_sessions_total");
        assertEquals(6, poll(t, 1, two, Map.of("be_checkout", CHECKOUT)).size());
        List<Sample> next = poll(t, 2, n -> n.equals("haproxy_server_weight"), Map.of("be_checkout", CHECKOUT));
        assertEquals(3, next.stream().filter(Sample::isStaleMarker)
                .filter(x -> x.labels().metricName().equals("haproxy_server_sessions_total")).count());
        assertEquals(3, next.stream().filter(x -> !x.isStaleMarker()).count());
    }

    @Test
    void endAllEndsEverySeriesOnce() {
        StatsTranslator t = new StatsTranslator(1000);
        int emitted = poll(t, 1, ALL, Map.of("be_checkout", CHECKOUT, "be_tcp", TCP)).size();
        List<Sample> ended = t.endAll(9);
        assertEquals(emitted, ended.size());
        assertTrue(ended.stream().allMatch(x -> x.isStaleMarker() && x.timestampMs() == 9));
        assertEquals(List.of(), t.endAll(10));
        assertEquals(0, t.trackedEntities());
    }

    @Test
    void rowsBeyondTheLimitAreDroppedAndCounted() {
        StatsTranslator t = new StatsTranslator(2); // the backend and one server
        List<Sample> samples = poll(t, 1, ALL, Map.of("be_checkout", CHECKOUT));
        assertEquals(Set.of("stable1"), samples.stream().map(x -> x.labels().get("server")).filter(s -> !s.isEmpty())
                .collect(Collectors.toSet()));
        assertEquals(2, t.droppedRows());
        assertEquals(2, t.trackedEntities());
    }

    @Test
    void aHeaderWithoutTheKeyColumnsIsReported() {
        StatsTranslator t = new StatsTranslator(10);
        t.begin(1, ALL);
        byte[] b = "# pxname,qcur\nbe_checkout,0\n".getBytes(StandardCharsets.UTF_8);
        assertEquals("show stat header lacks svname/type/status", t.backend("be_checkout", b, 0, b.length));
        assertEquals(List.of(), t.finish());
    }

    @Test
    void showInfoTellsWorkersApart() {
        byte[] b = resource("show-info-2.6.12.txt").getBytes(StandardCharsets.UTF_8);
        HaproxyInfo info = HaproxyInfo.parse(b, 0, b.length);
        assertEquals(3082, info.pid());
        assertEquals(10, info.uptimeSec());
        assertFalse(info.stopping());
        assertTrue(info.startTimeSec() > 1_700_000_000L);
        assertFalse(info.replacedBy(new HaproxyInfo(3082, info.startTimeSec(), 11, false)));
        assertTrue(info.replacedBy(new HaproxyInfo(3100, info.startTimeSec() + 5, 0, false)), "new worker pid");
        assertTrue(info.replacedBy(new HaproxyInfo(3082, info.startTimeSec(), 2, false)), "uptime went back");
        assertTrue(info.replacedBy(new HaproxyInfo(3082, info.startTimeSec() + 30, 40, false)), "restarted, same pid");
        byte[] stopping = "Pid: 7\nUptime_sec: 3\nStopping: 1\n".getBytes(StandardCharsets.UTF_8);
        assertTrue(HaproxyInfo.parse(stopping, 0, stopping.length).stopping());
        byte[] garbage = "Unknown command.\n".getBytes(StandardCharsets.UTF_8);
        StatsPollFailure f = org.junit.jupiter.api.Assertions.assertThrows(StatsPollFailure.class,
                () -> HaproxyInfo.parse(garbage, 0, garbage.length));
        assertTrue(f.getMessage().contains("Unknown command"), f.getMessage());
    }

    @Test
    void serverStatesFollowPromex() {
        Map<String, Integer> cases = new LinkedHashMap<>();
        cases.put("UP", PromexTable.UP);
        cases.put("UP 1/3", PromexTable.UP); // going down, still up
        cases.put("no check", PromexTable.UP);
        cases.put("DOWN", PromexTable.DOWN);
        cases.put("DOWN 1/2", PromexTable.DOWN); // going up, still down
        cases.put("NOLB", PromexTable.NOLB);
        cases.put("NOLB 1/2", PromexTable.NOLB);
        cases.put("MAINT", PromexTable.MAINT);
        cases.put("MAINT (via be/srv)", PromexTable.MAINT);
        cases.put("MAINT (resolution)", PromexTable.MAINT);
        cases.put("DRAIN", PromexTable.DRAIN);
        cases.put("DRAIN (agent)", PromexTable.DRAIN);
        cases.forEach((text, state) -> {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            assertEquals(state, PromexTable.serverState(b, 0, b.length), text);
        });
        byte[] running = "* L7OK".getBytes(StandardCharsets.UTF_8);
        assertEquals(10, PromexTable.checkState(running, 0, running.length));
        byte[] init = "INI".getBytes(StandardCharsets.UTF_8);
        assertEquals(-1, PromexTable.checkState(init, 0, init.length));
    }

    private static List<Sample> poll(StatsTranslator t, long ts, Predicate<String> wants, Map<String, String> answers) {
        t.begin(ts, wants);
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(answers).entrySet()) {
            byte[] b = e.getValue().getBytes(StandardCharsets.UTF_8);
            assertNull(t.backend(e.getKey(), b, 0, b.length));
        }
        return t.finish();
    }

    private static Map<String, Double> values(List<Sample> samples) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Sample x : samples) {
            if (m.put(x.labels().toString(), x.value()) != null) {
                throw new AssertionError("series emitted twice in one poll: " + x.labels());
            }
        }
        return m;
    }

    private static String reverseColumns(String csv) {
        StringBuilder sb = new StringBuilder();
        for (String line : csv.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            boolean header = line.startsWith("# ");
            List<String> f = new ArrayList<>(Arrays.asList((header ? line.substring(2) : line).split(",", -1)));
            java.util.Collections.reverse(f);
            sb.append(header ? "# " : "").append(String.join(",", f)).append('\n');
        }
        return sb.toString();
    }

    static String resource(String name) {
        try (InputStream in = StatsTranslatorTest.class.getResourceAsStream("/haproxy/" + name)) {
            if (in == null) {
                throw new AssertionError("missing test resource /haproxy/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
