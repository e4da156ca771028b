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

    // name0, value0, name1, value1, ... sorted by name, from `start` on: a label set without its first
    // label (usually __name__, which sorts first) shares the array of the set with it.
    private final String[] pairs;
    private final int start;
    private final int hash;

    private Labels(String[] pairs) {
        this(pairs, 0);
    }

    private Labels(String[] pairs, int start) {
        this.pairs = pairs;
        this.start = start;
        int h = 1; // Arrays.hashCode over the pairs from start
        for (int i = start; i < pairs.length; i++) {
            h = 31 * h + pairs[i].hashCode();
        }
        this.hash = h;
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
        for (int i = start; i < pairs.length; i += 2) {
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
        return (pairs.length - start) / 2;
    }

    public String name(int i) {
        return pairs[start + 2 * i];
    }

    public String value(int i) {
        return pairs[start + 2 * i + 1];
    }

    /** These labels without {@code name} (PromQL drops the metric name from computed values). */
    public Labels without(String name) {
        for (int i = start; i < pairs.length; i += 2) {
            if (pairs[i].equals(name)) {
                if (i == start) {
                    return new Labels(pairs, start + 2); // the first label: share the array
                }
                String[] p = new String[pairs.length - start - 2];
                System.arraycopy(pairs, start, p, 0, i - start);
                System.arraycopy(pairs, i + 2, p, i - start, pairs.length - i - 2);
                return new Labels(p);
            }
        }
        return this;
    }

    /** Only the labels named in {@code names} that are present with a non-empty value (a `by` group). */
    public Labels keep(java.util.Collection<String> names) {
        int n = 0;
        String[] p = new String[pairs.length - start];
        for (int i = start; i < pairs.length; i += 2) {
            if (names.contains(pairs[i]) && !pairs[i + 1].isEmpty()) {
                p[n++] = pairs[i];
                p[n++] = pairs[i + 1];
            }
        }
        return n == p.length ? this : new Labels(Arrays.copyOf(p, n));
    }

    public Map<String, String> toMap() {
        return toMap(start == 0 ? pairs : Arrays.copyOfRange(pairs, start, pairs.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Labels l && hash == l.hash
                && Arrays.equals(pairs, start, pairs.length, l.pairs, l.start, l.pairs.length);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(metricName()).append('{');
        boolean first = true;
        for (int i = start; i < pairs.length; i += 2) {
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
