package dev.releasepilot.ingest.haproxy;

import java.util.ArrayList;
import java.util.List;

/**
 * Which {@code show stat} CSV column becomes which metric of HAProxy 2.6's own Prometheus exporter
 * (promex, {@code addons/promex/service-prometheus.c}), so that a rule written for the scraped exporter
 * selects the polled samples unchanged. Names, label sets and units were checked against the exporter of
 * the HAProxy 2.6.12 on this machine (see docs/haproxy-stats.md and HaproxyPromexParityTest).
 *
 * <p>Every series of one scope has a fixed slot number: the plain metrics first, then the metrics with a
 * state or code label, one slot per label value.
 */
final class PromexTable {
    /**
     * One promex metric read straight from one CSV column, times {@code scale} (ms → s); promex shows an
     * {@code httpOnly} one only for proxies in HTTP mode.
     */
    record Plain(String name, String column, double scale, boolean httpOnly) {
    }

    static final String SERVER = "haproxy_server_";
    static final String BACKEND = "haproxy_backend_";

    /** {@code code} label values of http_responses_total, and their CSV columns, in promex order. */
    static final String[] CODES = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
    static final String[] CODE_COLUMNS = {"hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other"};
    /** {@code state} values of haproxy_server_status and haproxy_backend_agg_server_status (promex_srv_st). */
    static final String[] SERVER_STATES = {"DOWN", "UP", "MAINT", "DRAIN", "NOLB"};
    static final int DOWN = 0;
    static final int UP = 1;
    static final int MAINT = 2;
    static final int DRAIN = 3;
    static final int NOLB = 4;
    /** {@code state} values of haproxy_backend_status (promex_back_st). */
    static final String[] BACKEND_STATES = {"DOWN", "UP"};
    /**
     * {@code state} values of haproxy_server_check_status and haproxy_backend_agg_check_status: the check
     * results promex lists (those at least CHK_RES_FAILED), in HAProxy's enum order.
     */
    static final String[] CHECK_STATES = {"HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK", "L6TOUT", "L6RSP",
        "L7TOUT", "L7RSP", "L7OK", "L7OKC", "L7STS", "PROCERR", "PROCTOUT", "PROCOK"};

    static final List<Plain> SERVER_PLAIN = List.of(
            p(SERVER, "current_queue", "qcur"),
            p(SERVER, "max_queue", "qmax"),
            p(SERVER, "current_sessions", "scur"),
            p(SERVER, "max_sessions", "smax"),
            p(SERVER, "limit_sessions", "slim"),
            p(SERVER, "sessions_total", "stot"),
            p(SERVER, "bytes_in_total", "bin"),
            p(SERVER, "bytes_out_total", "bout"),
            p(SERVER, "responses_denied_total", "dresp"),
            p(SERVER, "connection_errors_total", "econ"),
            p(SERVER, "response_errors_total", "eresp"),
            p(SERVER, "retry_warnings_total", "wretr"),
            p(SERVER, "redispatch_warnings_total", "wredis"),
            p(SERVER, "weight", "weight"),
            p(SERVER, "check_failures_total", "chkfail"),
            p(SERVER, "check_up_down_total", "chkdown"),
            p(SERVER, "check_last_change_seconds", "lastchg"),
            p(SERVER, "downtime_seconds_total", "downtime"),
            p(SERVER, "queue_limit", "qlimit"),
            p(SERVER, "current_throttle", "throttle"),
            p(SERVER, "loadbalanced_total", "lbtot"),
            p(SERVER, "max_session_rate", "rate_max"),
            ms(SERVER, "check_duration_seconds", "check_duration"),
            p(SERVER, "client_aborts_total", "cli_abrt"),
            p(SERVER, "server_aborts_total", "srv_abrt"),
            p(SERVER, "last_session_seconds", "lastsess"),
            ms(SERVER, "queue_time_average_seconds", "qtime"),
            ms(SERVER, "connect_time_average_seconds", "ctime"),
            ms(SERVER, "response_time_average_seconds", "rtime"),
            ms(SERVER, "total_time_average_seconds", "ttime"),
            p(SERVER, "failed_header_rewriting_total", "wrew"),
            p(SERVER, "connection_attempts_total", "connect"),
            p(SERVER, "connection_reuses_total", "reuse"),
            p(SERVER, "idle_connections_current", "srv_icur"),
            p(SERVER, "idle_connections_limit", "src_ilim"), // sic: HAProxy 2.6 spells the column "src_ilim"
            ms(SERVER, "max_queue_time_seconds", "qtime_max"),
            ms(SERVER, "max_connect_time_seconds", "ctime_max"),
            ms(SERVER, "max_response_time_seconds", "rtime_max"),
            ms(SERVER, "max_total_time_seconds", "ttime_max"),
            p(SERVER, "internal_errors_total", "eint"),
            p(SERVER, "unsafe_idle_connections_current", "idle_conn_cur"),
            p(SERVER, "safe_idle_connections_current", "safe_conn_cur"),
            p(SERVER, "used_connections_current", "used_conn_cur"),
            p(SERVER, "need_connections_current", "need_conn_est"),
            p(SERVER, "uweight", "uweight"));

    static final List<Plain> BACKEND_PLAIN = List.of(
            p(BACKEND, "current_queue", "qcur"),
            p(BACKEND, "max_queue", "qmax"),
            p(BACKEND, "current_sessions", "scur"),
            p(BACKEND, "max_sessions", "smax"),
            p(BACKEND, "limit_sessions", "slim"),
            p(BACKEND, "sessions_total", "stot"),
            p(BACKEND, "bytes_in_total", "bin"),
            p(BACKEND, "bytes_out_total", "bout"),
            p(BACKEND, "requests_denied_total", "dreq"),
            p(BACKEND, "responses_denied_total", "dresp"),
            p(BACKEND, "connection_errors_total", "econ"),
            p(BACKEND, "response_errors_total", "eresp"),
            p(BACKEND, "retry_warnings_total", "wretr"),
            p(BACKEND, "redispatch_warnings_total", "wredis"),
            p(BACKEND, "weight", "weight"),
            p(BACKEND, "active_servers", "act"),
            p(BACKEND, "backup_servers", "bck"),
            p(BACKEND, "check_up_down_total", "chkdown"),
            p(BACKEND, "check_last_change_seconds", "lastchg"),
            p(BACKEND, "downtime_seconds_total", "downtime"),
            p(BACKEND, "loadbalanced_total", "lbtot"),
            p(BACKEND, "max_session_rate", "rate_max"),
            http(BACKEND, "http_requests_total", "req_tot"),
            p(BACKEND, "client_aborts_total", "cli_abrt"),
            p(BACKEND, "server_aborts_total", "srv_abrt"),
            http(BACKEND, "http_comp_bytes_in_total", "comp_in"),
            http(BACKEND, "http_comp_bytes_out_total", "comp_out"),
            http(BACKEND, "http_comp_bytes_bypassed_total", "comp_byp"),
            http(BACKEND, "http_comp_responses_total", "comp_rsp"),
            p(BACKEND, "last_session_seconds", "lastsess"),
            ms(BACKEND, "queue_time_average_seconds", "qtime"),
            ms(BACKEND, "connect_time_average_seconds", "ctime"),
            ms(BACKEND, "response_time_average_seconds", "rtime"),
            ms(BACKEND, "total_time_average_seconds", "ttime"),
            p(BACKEND, "failed_header_rewriting_total", "wrew"),
            p(BACKEND, "connection_attempts_total", "connect"),
            p(BACKEND, "connection_reuses_total", "reuse"),
            http(BACKEND, "http_cache_lookups_total", "cache_lookups"),
            http(BACKEND, "http_cache_hits_total", "cache_hits"),
            ms(BACKEND, "max_queue_time_seconds", "qtime_max"),
            ms(BACKEND, "max_connect_time_seconds", "ctime_max"),
            ms(BACKEND, "max_response_time_seconds", "rtime_max"),
            ms(BACKEND, "max_total_time_seconds", "ttime_max"),
            p(BACKEND, "internal_errors_total", "eint"),
            p(BACKEND, "uweight", "uweight"));

    // Server slots after the plain ones.
    static final int S_CODES = SERVER_PLAIN.size();
    static final int S_STATUS = S_CODES + CODES.length;
    static final int S_CHECK_STATUS = S_STATUS + SERVER_STATES.length;
    static final int S_CHECK_CODE = S_CHECK_STATUS + CHECK_STATES.length;
    static final int SERVER_SLOTS = S_CHECK_CODE + 1;

    // Backend slots after the plain ones.
    static final int B_CODES = BACKEND_PLAIN.size();
    static final int B_STATUS = B_CODES + CODES.length;
    static final int B_AGG_SERVER = B_STATUS + BACKEND_STATES.length;
    static final int B_AGG_SERVER_CHECK = B_AGG_SERVER + SERVER_STATES.length;
    static final int B_AGG_CHECK = B_AGG_SERVER_CHECK + SERVER_STATES.length;
    static final int BACKEND_SLOTS = B_AGG_CHECK + CHECK_STATES.length;

    /** Metric name of each server slot. */
    static final String[] SERVER_SLOT_NAMES = serverSlotNames();
    /** Metric name of each backend slot. */
    static final String[] BACKEND_SLOT_NAMES = backendSlotNames();

    private PromexTable() {
    }

    /** The promex server state of a CSV {@code status} text, as promex_srv_status() derives it. */
    static int serverState(byte[] b, int from, int to) {
        // CSV texts: "UP", "UP 1/3" (going down, still up), "no check", "DOWN", "DOWN 1/2" (going up, still
        // down), "NOLB", "NOLB 1/2", "MAINT", "MAINT (via be/srv)", "MAINT (resolution)", "DRAIN",
        // "DRAIN (agent)", "DRAIN 1/2".
        if (startsWith(b, from, to, "MAINT")) {
            return MAINT;
        }
        if (startsWith(b, from, to, "DRAIN")) {
            return DRAIN;
        }
        if (startsWith(b, from, to, "UP") || startsWith(b, from, to, "no check")) {
            return UP;
        }
        if (startsWith(b, from, to, "NOLB")) {
            return NOLB;
        }
        return DOWN;
    }

    /** Index in {@link #CHECK_STATES} of a CSV {@code check_status} text ("L7OK", "* L4CON" while running), or -1. */
    static int checkState(byte[] b, int from, int to) {
        if (to - from >= 2 && b[from] == '*' && b[from + 1] == ' ') {
            from += 2;
        }
        for (int i = 0; i < CHECK_STATES.length; i++) {
            String s = CHECK_STATES[i];
            if (to - from == s.length() && startsWith(b, from, to, s)) {
                return i;
            }
        }
        return -1;
    }

    static boolean startsWith(byte[] b, int from, int to, String prefix) {
        if (to - from < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b[from + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static Plain p(String prefix, String name, String column) {
        return new Plain(prefix + name, column, 1.0, false);
    }

    private static Plain http(String prefix, String name, String column) {
        return new Plain(prefix + name, column, 1.0, true);
    }

    private static Plain ms(String prefix, String name, String column) {
        return new Plain(prefix + name, column, 0.001, false);
    }

    private static String[] serverSlotNames() {
        List<String> n = new ArrayList<>();
        SERVER_PLAIN.forEach(p -> n.add(p.name()));
        repeat(n, SERVER + "http_responses_total", CODES.length);
        repeat(n, SERVER + "status", SERVER_STATES.length);
        repeat(n, SERVER + "check_status", CHECK_STATES.length);
        n.add(SERVER + "check_code");
        return n.toArray(String[]::new);
    }

    private static String[] backendSlotNames() {
        List<String> n = new ArrayList<>();
        BACKEND_PLAIN.forEach(p -> n.add(p.name()));
        repeat(n, BACKEND + "http_responses_total", CODES.length);
        repeat(n, BACKEND + "status", BACKEND_STATES.length);
        repeat(n, BACKEND + "agg_server_status", SERVER_STATES.length);
        repeat(n, BACKEND + "agg_server_check_status", SERVER_STATES.length);
        repeat(n, BACKEND + "agg_check_status", CHECK_STATES.length);
        return n.toArray(String[]::new);
    }

    private static void repeat(List<String> names, String name, int times) {
        for (int i = 0; i < times; i++) {
            names.add(name);
        }
    }
}
