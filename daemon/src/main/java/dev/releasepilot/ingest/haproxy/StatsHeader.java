package dev.releasepilot.ingest.haproxy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The column positions of a {@code show stat} CSV header ("# pxname,svname,qcur,…"), found by name: the
 * column set grows between HAProxy versions and with stats modules, so a fixed index would silently read
 * the wrong counter. The last header's bytes are kept and compared, so an unchanged header costs one
 * comparison per answer.
 */
final class StatsHeader {
    private byte[] last = new byte[0];
    int svname = -1;
    int type = -1;
    int status = -1;
    int checkStatus = -1;
    int checkCode = -1;
    int mode = -1;
    final int[] codes = new int[PromexTable.CODES.length];
    final int[] serverPlain = new int[PromexTable.SERVER_PLAIN.size()];
    final int[] backendPlain = new int[PromexTable.BACKEND_PLAIN.size()];

    /** Reads the header names in {@code b[from, to)} (after "# "); returns a problem text or null. */
    String read(byte[] b, int from, int to) {
        if (Arrays.equals(last, 0, last.length, b, from, to)) {
            return svname < 0 ? "show stat header lacks svname/type/status" : null;
        }
        last = Arrays.copyOfRange(b, from, to);
        Map<String, Integer> index = new HashMap<>();
        String[] names = new String(b, from, to - from, StandardCharsets.UTF_8).split(",", -1);
        for (int i = 0; i < names.length; i++) {
            index.putIfAbsent(names[i], i);
        }
        svname = index.getOrDefault("svname", -1);
        type = index.getOrDefault("type", -1);
        status = index.getOrDefault("status", -1);
        checkStatus = index.getOrDefault("check_status", -1);
        checkCode = index.getOrDefault("check_code", -1);
        mode = index.getOrDefault("mode", -1);
        for (int i = 0; i < codes.length; i++) {
            codes[i] = index.getOrDefault(PromexTable.CODE_COLUMNS[i], -1);
        }
        fill(serverPlain, PromexTable.SERVER_PLAIN, index);
        fill(backendPlain, PromexTable.BACKEND_PLAIN, index);
        if (svname < 0 || type < 0 || status < 0) {
            svname = -1;
            return "show stat header lacks svname/type/status";
        }
        return null;
    }

    private static void fill(int[] columns, List<PromexTable.Plain> metrics, Map<String, Integer> index) {
        for (int i = 0; i < columns.length; i++) {
            columns[i] = index.getOrDefault(metrics.get(i).column(), -1);
        }
    }
}
