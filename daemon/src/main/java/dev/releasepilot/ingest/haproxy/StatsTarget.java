package dev.releasepilot.ingest.haproxy;

import dev.releasepilot.rules.backend.Backend;
import dev.releasepilot.rules.backend.HaproxyBackend;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.rules.ServiceRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One HAProxy whose stats are polled: every backend that some rule with {@code stats_poll:} names at
 * that runtime-API address, polled at the shortest interval any of those rules asks for.
 *
 * @param address  the rule's {@code address:} ({@code host:port}, a socket path, or {@code unix:path})
 * @param backends backend names, sorted; each one {@code show stat <backend> 6 -1} per poll
 * @param timeout  deadline for one poll (connect, or the answer to one command line)
 */
record StatsTarget(String address, List<String> backends, Duration interval, Duration timeout) {
    /** Below this, HAProxy spends its time dumping stats (rules/StatsPollKey enforces it on load). */
    static final Duration MIN_INTERVAL = Duration.ofMillis(50);
    /** The characters HAProxy allows in a proxy name; nothing here needs escaping on the CLI line. */
    private static final Pattern PROXY_NAME = Pattern.compile("[A-Za-z0-9._:-]+");

    StatsTarget {
        backends = List.copyOf(backends);
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("stats poll interval " + interval.toMillis() + "ms is below "
                    + MIN_INTERVAL.toMillis() + "ms");
        }
        for (String b : backends) {
            if (!PROXY_NAME.matcher(b).matches()) {
                throw new IllegalArgumentException("not an HAProxy backend name: '" + b + "'");
            }
        }
    }

    boolean unixSocket() {
        return address.startsWith("/") || address.startsWith("unix:");
    }

    String socketPath() {
        return address.startsWith("unix:") ? address.substring("unix:".length()) : address;
    }

    /** The command line of one poll: {@code show info} (worker identity), then one {@code show stat} per backend. */
    String commandLine() {
        StringBuilder sb = new StringBuilder("show info");
        for (String b : backends) {
            sb.append(";show stat ").append(b).append(" 6 -1"); // 6 = backend row + server rows
        }
        return sb.append('\n').toString();
    }

    /** The targets a rule set asks for, one per distinct address, sorted by address. */
    static List<StatsTarget> from(RuleSet rules) {
        Map<String, TreeSet<String>> backends = new TreeMap<>();
        Map<String, Duration> interval = new TreeMap<>();
        Map<String, Duration> timeout = new TreeMap<>();
        for (ServiceRule s : rules.services()) {
            Backend b = s.backend();
            if (b instanceof HaproxyBackend h && h.pollsStats()) {
                backends.computeIfAbsent(h.address(), a -> new TreeSet<>()).add(h.backend());
                interval.merge(h.address(), h.statsPoll(), (x, y) -> x.compareTo(y) <= 0 ? x : y);
                timeout.merge(h.address(), h.timeout(), (x, y) -> x.compareTo(y) <= 0 ? x : y);
            }
        }
        List<StatsTarget> out = new ArrayList<>();
        backends.forEach((address, names) -> out.add(new StatsTarget(address, new ArrayList<>(names),
                interval.get(address), timeout.get(address))));
        return out;
    }
}
