package dev.releasepilot.ingest.haproxy;

import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Turns the {@code show stat <backend> 6 -1} answers of one HAProxy into promex-named samples, and ends
 * (with a Prometheus stale marker) every series that was emitted by the previous poll and is missing
 * from this one: a server removed by a reload, a backend no rule polls any more, a check switched off.
 *
 * <p>Counters go out raw, exactly as HAProxy reports them, never as deltas: a reload or
 * {@code clear counters} makes them drop, and the window's rate/increase read a drop as a counter reset,
 * as Prometheus does. Columns are found by their header names, never by position.
 *
 * <p>Cheap on purpose, because it runs every 250 ms: it reads the answer bytes in place, builds each
 * series' {@link Labels} once and keeps them, recognises servers by comparing their name bytes with the
 * previous poll's row order (no String per row in the steady state), and builds only the metrics that the
 * sink wants. What it allocates per poll is the sample list and one {@link Sample} per emitted value.
 * Not thread-safe: one instance per HAProxy, used by its poller's context.
 */
final class StatsTranslator {
    private static final double STALE = Double.longBitsToDouble(Sample.STALE_NAN_BITS);
    private static final int TYPE_BACKEND = 1;
    private static final int TYPE_SERVER = 2;

    private final int maxSeriesEntities;
    private final Map<String, BackendState> backends = new HashMap<>();
    private final boolean[] serverWanted = new boolean[PromexTable.SERVER_SLOTS];
    private final boolean[] backendWanted = new boolean[PromexTable.BACKEND_SLOTS];
    private final int[] aggServer = new int[PromexTable.SERVER_STATES.length];
    private final int[] aggCheck = new int[PromexTable.CHECK_STATES.length];
    private final StatsHeader header = new StatsHeader();
    private int[] fieldStart = new int[200];
    private int[] fieldEnd = new int[200];
    private int entities;
    private long generation;
    private long ts;
    private List<Sample> out;
    private int lastPollSize = 64;
    private long droppedRows;

    /** @param maxSeriesEntities at most this many servers and backends tracked; rows beyond are dropped, counted */
    StatsTranslator(int maxSeriesEntities) {
        this.maxSeriesEntities = maxSeriesEntities;
    }

    /** Starts a poll stamped {@code timestampMs}, wanting the metrics that {@code wants} accepts. */
    void begin(long timestampMs, Predicate<String> wants) {
        ts = timestampMs;
        generation++;
        out = new ArrayList<>(lastPollSize);
        fillWanted(PromexTable.SERVER_SLOT_NAMES, serverWanted, wants);
        fillWanted(PromexTable.BACKEND_SLOT_NAMES, backendWanted, wants);
    }

    /**
     * Reads one backend's answer in {@code b[from, to)}. Returns null when it was a stats table, else the
     * text HAProxy answered instead (e.g. "No such proxy."): that backend's series end at {@link #finish}.
     */
    String backend(String proxy, byte[] b, int from, int to) {
        if (to - from < 2 || b[from] != '#' || b[from + 1] != ' ') {
            return new String(b, from, Math.min(to - from, 200), StandardCharsets.UTF_8).strip();
        }
        int eol = lineEnd(b, from, to);
        String problem = header.read(b, from + 2, eol);
        if (problem != null) {
            return problem;
        }
        BackendState state = backends.get(proxy);
        if (state == null) {
            if (entities >= maxSeriesEntities) {
                droppedRows++;
                return null;
            }
            state = new BackendState(proxy);
            backends.put(proxy, state);
            entities++;
        }
        state.backend.seen = generation;
        int lastField = lastNeededField();
        Arrays.fill(aggServer, 0);
        Arrays.fill(aggCheck, 0);
        int row = 0;
        for (int line = eol + 1; line < to; ) {
            int end = lineEnd(b, line, to);
            if (end > line) {
                int nf = split(b, line, end, lastField);
                int type = (int) number(b, header.type, nf);
                if (type == TYPE_SERVER) {
                    Entity e = server(state, row, b, header.svname, nf);
                    if (e != null) {
                        row++;
                        emitServer(state, e, b, nf);
                    }
                } else if (type == TYPE_BACKEND) {
                    emitBackend(state, b, nf);
                }
            }
            line = end + 1;
        }
        state.orderLength = row;
        return null;
    }

    /** Ends the poll: stale markers for every series that was there last poll and is not now. */
    List<Sample> finish() {
        for (Iterator<BackendState> it = backends.values().iterator(); it.hasNext(); ) {
            BackendState s = it.next();
            boolean backendSeen = s.backend.seen == generation;
            for (Iterator<Entity> si = s.servers.values().iterator(); si.hasNext(); ) {
                Entity e = si.next();
                boolean seen = backendSeen && e.seen == generation;
                end(e, seen);
                if (!seen) {
                    e.removed = true; // the row-order cache may still point at it
                    si.remove();
                    entities--;
                }
            }
            end(s.backend, backendSeen);
            if (backendSeen) {
                Arrays.fill(s.order, s.orderLength, s.order.length, null);
            } else {
                it.remove();
                entities--;
            }
        }
        List<Sample> result = out;
        out = null;
        lastPollSize = Math.max(16, result.size());
        return result;
    }

    /** Stale markers for everything emitted so far, stamped {@code timestampMs}; forgets every series. */
    List<Sample> endAll(long timestampMs) {
        begin(timestampMs, name -> false);
        generation++; // nothing counts as seen
        return finish();
    }

    /** Rows skipped because {@code maxSeriesEntities} was reached, since this translator was made. */
    long droppedRows() {
        return droppedRows;
    }

    /** Servers and backends whose series are currently tracked. */
    int trackedEntities() {
        return entities;
    }

    private void emitServer(BackendState state, Entity e, byte[] b, int nf) {
        List<PromexTable.Plain> plain = PromexTable.SERVER_PLAIN;
        for (int slot = 0; slot < plain.size(); slot++) {
            if (serverWanted[slot]) {
                double v = number(b, header.serverPlain[slot], nf);
                if (!Double.isNaN(v)) {
                    emit(state, e, slot, v * plain.get(slot).scale());
                }
            }
        }
        emitCodes(state, e, b, nf, PromexTable.S_CODES, serverWanted);
        int st = header.status < nf ? PromexTable.serverState(b, fieldStart[header.status], fieldEnd[header.status])
                : PromexTable.DOWN;
        aggServer[st]++;
        for (int i = 0; i < PromexTable.SERVER_STATES.length; i++) {
            if (serverWanted[PromexTable.S_STATUS + i]) {
                emit(state, e, PromexTable.S_STATUS + i, i == st ? 1 : 0);
            }
        }
        // Promex shows check_status and check_code only for servers whose health check runs (not paused).
        int cs = header.checkStatus;
        if (cs < nf && fieldEnd[cs] > fieldStart[cs]) {
            int check = PromexTable.checkState(b, fieldStart[cs], fieldEnd[cs]);
            if (check >= 0) {
                aggCheck[check]++;
            }
            for (int i = 0; i < PromexTable.CHECK_STATES.length; i++) {
                if (serverWanted[PromexTable.S_CHECK_STATUS + i]) {
                    emit(state, e, PromexTable.S_CHECK_STATUS + i, i == check ? 1 : 0);
                }
            }
            if (serverWanted[PromexTable.S_CHECK_CODE]) {
                double code = number(b, header.checkCode, nf);
                emit(state, e, PromexTable.S_CHECK_CODE, Double.isNaN(code) ? 0 : code); // empty below layer 5-7
            }
        }
    }

    private void emitBackend(BackendState state, byte[] b, int nf) {
        Entity e = state.backend;
        List<PromexTable.Plain> plain = PromexTable.BACKEND_PLAIN;
        boolean http = header.mode < nf && PromexTable.startsWith(b, fieldStart[header.mode], fieldEnd[header.mode], "http");
        for (int slot = 0; slot < plain.size(); slot++) {
            if (backendWanted[slot] && (http || !plain.get(slot).httpOnly())) {
                double v = number(b, header.backendPlain[slot], nf);
                if (!Double.isNaN(v)) {
                    emit(state, e, slot, v * plain.get(slot).scale());
                }
            }
        }
        emitCodes(state, e, b, nf, PromexTable.B_CODES, backendWanted);
        boolean up = header.status < nf && PromexTable.startsWith(b, fieldStart[header.status], fieldEnd[header.status], "UP");
        for (int i = 0; i < PromexTable.BACKEND_STATES.length; i++) {
            if (backendWanted[PromexTable.B_STATUS + i]) {
                emit(state, e, PromexTable.B_STATUS + i, (i == PromexTable.UP) == up ? 1 : 0);
            }
        }
        for (int i = 0; i < aggServer.length; i++) {
            if (backendWanted[PromexTable.B_AGG_SERVER + i]) {
                emit(state, e, PromexTable.B_AGG_SERVER + i, aggServer[i]);
            }
            if (backendWanted[PromexTable.B_AGG_SERVER_CHECK + i]) {
                emit(state, e, PromexTable.B_AGG_SERVER_CHECK + i, aggServer[i]);
            }
        }
        for (int i = 0; i < aggCheck.length; i++) {
            if (backendWanted[PromexTable.B_AGG_CHECK + i]) {
                emit(state, e, PromexTable.B_AGG_CHECK + i, aggCheck[i]);
            }
        }
    }

    private void emitCodes(BackendState state, Entity e, byte[] b, int nf, int firstSlot, boolean[] wanted) {
        for (int i = 0; i < PromexTable.CODES.length; i++) {
            if (wanted[firstSlot + i]) {
                double v = number(b, header.codes[i], nf);
                if (!Double.isNaN(v)) { // empty in TCP mode, where promex shows no http_responses_total either
                    emit(state, e, firstSlot + i, v);
                }
            }
        }
    }

    private void emit(BackendState state, Entity e, int slot, double value) {
        Labels l = e.labels[slot];
        if (l == null) {
            l = labels(state.proxy, e.server, slot);
            e.labels[slot] = l;
        }
        out.add(new Sample(l, ts, value));
        e.cur[slot >> 6] |= 1L << (slot & 63);
    }

    /** Stale markers for slots emitted last poll and not this one (all of them when unseen); rolls the bitsets. */
    private void end(Entity e, boolean seen) {
        for (int w = 0; w < e.prev.length; w++) {
            long gone = seen ? e.prev[w] & ~e.cur[w] : e.prev[w];
            while (gone != 0) {
                int slot = (w << 6) + Long.numberOfTrailingZeros(gone);
                gone &= gone - 1;
                out.add(new Sample(e.labels[slot], ts, STALE));
            }
        }
        long[] t = e.prev;
        e.prev = e.cur;
        e.cur = t;
        Arrays.fill(e.cur, 0);
        if (!seen) {
            Arrays.fill(e.prev, 0);
        }
    }

    private Entity server(BackendState state, int row, byte[] b, int nameField, int nf) {
        if (nameField >= nf) {
            return null;
        }
        int from = fieldStart[nameField];
        int to = fieldEnd[nameField];
        Entity e = row < state.order.length ? state.order[row] : null;
        if (e == null || e.removed || !Arrays.equals(e.nameBytes, 0, e.nameBytes.length, b, from, to)) {
            String name = new String(b, from, to - from, StandardCharsets.UTF_8);
            e = state.servers.get(name);
            if (e == null) {
                if (entities >= maxSeriesEntities) {
                    droppedRows++;
                    return null;
                }
                e = new Entity(name, PromexTable.SERVER_SLOTS);
                state.servers.put(name, e);
                entities++;
            }
            if (row >= state.order.length) {
                state.order = Arrays.copyOf(state.order, Math.max(8, row * 2));
            }
            state.order[row] = e;
        }
        e.seen = generation;
        return e;
    }

    private static Labels labels(String proxy, String server, int slot) {
        if (server == null) {
            String name = PromexTable.BACKEND_SLOT_NAMES[slot];
            String extra = null;
            String value = null;
            if (slot >= PromexTable.B_AGG_CHECK) {
                extra = "state";
                value = PromexTable.CHECK_STATES[slot - PromexTable.B_AGG_CHECK];
            } else if (slot >= PromexTable.B_AGG_SERVER_CHECK) {
                extra = "state";
                value = PromexTable.SERVER_STATES[slot - PromexTable.B_AGG_SERVER_CHECK];
            } else if (slot >= PromexTable.B_AGG_SERVER) {
                extra = "state";
                value = PromexTable.SERVER_STATES[slot - PromexTable.B_AGG_SERVER];
            } else if (slot >= PromexTable.B_STATUS) {
                extra = "state";
                value = PromexTable.BACKEND_STATES[slot - PromexTable.B_STATUS];
            } else if (slot >= PromexTable.B_CODES) {
                extra = "code";
                value = PromexTable.CODES[slot - PromexTable.B_CODES];
            }
            if (extra == null) {
                return Labels.ofSortedPairs(Labels.METRIC_NAME, name, "proxy", proxy);
            }
            // "code" sorts before "proxy", "state" after it.
            return extra.equals("code")
                    ? Labels.ofSortedPairs(Labels.METRIC_NAME, name, extra, value, "proxy", proxy)
                    : Labels.ofSortedPairs(Labels.METRIC_NAME, name, "proxy", proxy, extra, value);
        }
        String name = PromexTable.SERVER_SLOT_NAMES[slot];
        if (slot == PromexTable.S_CHECK_CODE || slot < PromexTable.S_CODES) {
            return Labels.ofSortedPairs(Labels.METRIC_NAME, name, "proxy", proxy, "server", server);
        }
        if (slot < PromexTable.S_STATUS) {
            return Labels.ofSortedPairs(Labels.METRIC_NAME, name, "code", PromexTable.CODES[slot - PromexTable.S_CODES],
                    "proxy", proxy, "server", server);
        }
        String state = slot < PromexTable.S_CHECK_STATUS ? PromexTable.SERVER_STATES[slot - PromexTable.S_STATUS]
                : PromexTable.CHECK_STATES[slot - PromexTable.S_CHECK_STATUS];
        return Labels.ofSortedPairs(Labels.METRIC_NAME, name, "proxy", proxy, "server", server, "state", state);
    }

    /**
     * The highest column this poll reads: rows are split only that far (a rule that wants only
     * http_responses_total leaves the last 60-odd of HAProxy 2.6's ~130 columns unread).
     */
    private int lastNeededField() {
        int last = Math.max(Math.max(header.svname, header.type), Math.max(header.status, header.mode));
        last = Math.max(last, Math.max(header.checkStatus, header.checkCode));
        for (int i = 0; i < PromexTable.CODES.length; i++) {
            if (serverWanted[PromexTable.S_CODES + i] || backendWanted[PromexTable.B_CODES + i]) {
                last = Math.max(last, header.codes[i]);
            }
        }
        for (int i = 0; i < header.serverPlain.length; i++) {
            if (serverWanted[i]) {
                last = Math.max(last, header.serverPlain[i]);
            }
        }
        for (int i = 0; i < header.backendPlain.length; i++) {
            if (backendWanted[i]) {
                last = Math.max(last, header.backendPlain[i]);
            }
        }
        return last;
    }

    /**
     * Splits one CSV line into field offsets, up to field {@code lastField} (HAProxy quotes a field holding
     * ',' or '"', doubling '"').
     */
    private int split(byte[] b, int from, int to, int lastField) {
        int n = 0;
        int i = from;
        while (true) {
            if (n == fieldStart.length) {
                fieldStart = Arrays.copyOf(fieldStart, n * 2);
                fieldEnd = Arrays.copyOf(fieldEnd, n * 2);
            }
            if (i < to && b[i] == '"') {
                int j = i + 1;
                while (j < to && !(b[j] == '"' && (j + 1 >= to || b[j + 1] != '"'))) {
                    j += b[j] == '"' ? 2 : 1;
                }
                fieldStart[n] = i + 1;
                fieldEnd[n] = Math.min(j, to);
                i = Math.min(j + 1, to);
                while (i < to && b[i] != ',') {
                    i++;
                }
            } else {
                int j = i;
                while (j < to && b[j] != ',') {
                    j++;
                }
                fieldStart[n] = i;
                fieldEnd[n] = j;
                i = j;
            }
            n++;
            if (i >= to || n > lastField) {
                return n;
            }
            i++; // past the comma
        }
    }

    /** The field as a number; NaN when absent, empty or not a whole number. */
    private double number(byte[] b, int field, int nf) {
        if (field < 0 || field >= nf) {
            return Double.NaN;
        }
        int i = fieldStart[field];
        int to = fieldEnd[field];
        if (i == to) {
            return Double.NaN;
        }
        boolean negative = b[i] == '-';
        if (negative && ++i == to) {
            return Double.NaN;
        }
        long v = 0;
        for (; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return Double.NaN;
            }
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }

    private static int lineEnd(byte[] b, int from, int to) {
        int i = from;
        while (i < to && b[i] != '\n') {
            i++;
        }
        return i;
    }

    private static void fillWanted(String[] names, boolean[] wanted, Predicate<String> wants) {
        String last = null;
        boolean w = false;
        for (int i = 0; i < names.length; i++) {
            if (names[i] != last) { // slots of one metric are adjacent and share the same String
                last = names[i];
                w = wants.test(last);
            }
            wanted[i] = w;
        }
    }

    /** One server's or backend's series: their labels (built once) and which slots were emitted. */
    private static final class Entity {
        final String server; // null for the backend row
        final byte[] nameBytes;
        final Labels[] labels;
        long[] prev;
        long[] cur;
        long seen;
        boolean removed;

        Entity(String server, int slots) {
            this.server = server;
            this.nameBytes = server == null ? new byte[0] : server.getBytes(StandardCharsets.UTF_8);
            this.labels = new Labels[slots];
            this.prev = new long[(slots + 63) / 64];
            this.cur = new long[prev.length];
        }
    }

    private static final class BackendState {
        final String proxy;
        final Entity backend = new Entity(null, PromexTable.BACKEND_SLOTS);
        final Map<String, Entity> servers = new HashMap<>();
        Entity[] order = new Entity[8];
        int orderLength;

        BackendState(String proxy) {
            this.proxy = proxy;
        }
    }
}
