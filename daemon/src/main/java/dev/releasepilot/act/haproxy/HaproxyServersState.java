package dev.releasepilot.act.haproxy;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.ServerHealth;
import dev.releasepilot.act.Weights;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses HAProxy's {@code show servers state <backend>} (format version 1; columns found by their
 * header names, so added columns do not matter) into weights and per-server health. Pure.
 *
 * <p>Source: HAProxy 2.6 doc/management.txt "show servers state", include/haproxy/server-t.h
 * ({@code srv_op_state}: 0 stopped, 1 starting, 2 running, 3 stopping; {@code srv_admin_state} bits:
 * 0x01 forced maint, 0x02 inherited maint, 0x04 config maint, 0x08 forced drain, 0x10 inherited
 * drain, 0x20 resolution maint; {@code srv_check_result} 2 = the last health check failed).
 */
final class HaproxyServersState {
    private static final int MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20;
    private static final int DRAIN_BITS = 0x08 | 0x10;
    private static final int CHECK_FAILED = 2;

    /** One server's line. */
    record Server(String name, int opState, int adminState, int uweight, int iweight, int checkResult) {
        /** HAProxy's own word, as {@code show stat}'s {@code status} column spells it. */
        String state() {
            if ((adminState & MAINT_BITS) != 0) {
                return "MAINT";
            }
            if ((adminState & DRAIN_BITS) != 0) {
                return "DRAIN";
            }
            return switch (opState) {
                case 0 -> "DOWN";
                case 1 -> "STARTING";
                case 2 -> "UP";
                case 3 -> "STOPPING";
                default -> "op_state " + opState;
            };
        }

        /** Takes new requests apart from its weight: running (or starting), no maint or drain, check not failing. */
        boolean up() {
            return (opState == 1 || opState == 2) && (adminState & (MAINT_BITS | DRAIN_BITS)) == 0
                    && checkResult != CHECK_FAILED;
        }

        ServerHealth health() {
            return new ServerHealth(up(), state(), "srv_op_state=" + opState + " srv_admin_state=0x"
                    + Integer.toHexString(adminState) + " srv_check_result=" + checkResult);
        }
    }

    /** The parsed reply: the servers, and whatever HAProxy said before the state dump (a complaint). */
    record Reply(Map<String, Server> servers, String complaint) {
        Weights weights(List<String> names) {
            Map<String, Integer> current = new HashMap<>();
            Map<String, Integer> initial = new HashMap<>();
            Map<String, ServerHealth> health = new HashMap<>();
            for (String n : names) {
                Server s = servers.get(n);
                current.put(n, s.uweight());
                initial.put(n, s.iweight());
                health.put(n, s.health());
            }
            return new Weights(current, initial, health);
        }
    }

    private HaproxyServersState() {
    }

    /**
     * @param reply HAProxy's whole answer to a line ending with {@code show servers state <backend>}
     * @return the dump, or null when the reply holds none (then the whole reply is the complaint)
     */
    static Reply parse(String reply) {
        int header = reply.indexOf("# be_id ");
        if (header < 0) {
            return null;
        }
        int lineStart = reply.lastIndexOf('\n', header - 1 - 1);
        // The dump starts with its format version line ("1") just before the header.
        String complaint = lineStart < 0 ? "" : reply.substring(0, lineStart).strip();
        String[] lines = reply.substring(header).split("\n");
        String[] cols = lines[0].substring(2).trim().split(" ");
        Map<String, Integer> at = new HashMap<>();
        for (int i = 0; i < cols.length; i++) {
            at.put(cols[i], i);
        }
        Map<String, Server> servers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                break;
            }
            String[] f = line.split(" ");
            servers.put(f[at.get("srv_name")], new Server(f[at.get("srv_name")], num(f, at, "srv_op_state"),
                    num(f, at, "srv_admin_state"), num(f, at, "srv_uweight"), num(f, at, "srv_iweight"),
                    num(f, at, "srv_check_result")));
        }
        return new Reply(servers, complaint);
    }

    private static int num(String[] fields, Map<String, Integer> at, String column) {
        Integer i = at.get(column);
        if (i == null || i >= fields.length) {
            throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL,
                    "HAProxy 'show servers state' has no column " + column);
        }
        try {
            return Integer.parseInt(fields[i]);
        } catch (NumberFormatException e) {
            throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL,
                    "HAProxy 'show servers state' column " + column + " is not a number: '" + fields[i] + "'");
        }
    }
}
