package dev.releasepilot.window;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A series' label set, sorted by name (Prometheus order), including {@code __name__}. Immutable;
 * equality and hash over all pairs, so it keys the series map directly.
 */
public final class Labels {
    public static final String METRIC_NAME = "__name__";
    private static final Labels EMPTY = new Labels(new String[0]);

    private final String[] pairs; // name0, value0, name1, value1, ... sorted by name
    private final int hash;

    private Labels(String[] pairs) {
        this.pairs = pairs;
        this.hash = Arrays.hashCode(pairs);
    }

    /** From name/value pairs that are already sorted by name (as remote_write sends them). */
    public static Labels ofSortedPairs(String... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        for (int i = 2; i < pairs.length; i += 2) {
            if (pairs[i - 2].compareTo(pairs[i]) >= 0) {
                return of(toMap(pairs)); // not sorted or duplicated: normalise
            }
        }
        return new Labels(pairs.clone());
    }

    public static Labels of(Map<String, String> labels) {
        TreeMap<String, String> sorted = new TreeMap<>(labels);
        String[] p = new String[sorted.size() * 2];
        int i = 0;
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            p[i++] = e.getKey();
            p[i++] = e.getValue();
        }
        return new Labels(p);
    }

    public static Labels empty() {
        return EMPTY;
    }

    private static Map<String, String> toMap(String[] pairs) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** The value of a label, or "" when absent (PromQL and Alertmanager treat both alike). */
    public String get(String name) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(name)) {
                return pairs[i + 1];
            }
        }
        return "";
    }

    public String metricName() {
        return get(METRIC_NAME);
    }

    public int size() {
        return pairs.length / 2;
    }

    public String name(int i) {
        return pairs[2 * i];
    }

    public String value(int i) {
        return pairs[2 * i + 1];
    }

    /** These labels without {@code name} (PromQL drops the metric name from computed values). */
    public Labels without(String name) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(name)) {
                String[] p = new String[pairs.length - 2];
                System.arraycopy(pairs, 0, p, 0, i);
                System.arraycopy(pairs, i + 2, p, i, pairs.length - i - 2);
                return new Labels(p);
            }
        }
        return this;
    }

    /** Only the labels named in {@code names} that are present with a non-empty value (a `by` group). */
    public Labels keep(java.util.Collection<String> names) {
        int n = 0;
        String[] p = new String[pairs.length];
        for (int i = 0; i < pairs.length; i += 2) {
            if (names.contains(pairs[i]) && !pairs[i + 1].isEmpty()) {
                p[n++] = pairs[i];
                p[n++] = pairs[i + 1];
            }
        }
        return n == pairs.length ? this : new Labels(Arrays.copyOf(p, n));
    }

    public Map<String, String> toMap() {
        return toMap(pairs);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Labels l && hash == l.hash && Arrays.equals(pairs, l.pairs);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(metricName()).append('{');
        boolean first = true;
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(METRIC_NAME)) {
                continue;
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(pairs[i]).append("=\"").append(pairs[i + 1]).append('"');
        }
        return sb.append('}').toString();
    }
}
