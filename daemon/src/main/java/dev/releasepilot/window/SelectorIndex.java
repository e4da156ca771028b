package dev.releasepilot.window;

import dev.releasepilot.rules.promql.Aggregation;
import dev.releasepilot.rules.promql.Arithmetic;
import dev.releasepilot.rules.promql.Condition;
import dev.releasepilot.rules.promql.Expr;
import dev.releasepilot.rules.promql.HistogramQuantile;
import dev.releasepilot.rules.matcher.Matcher;
import dev.releasepilot.rules.promql.NumberLiteral;
import dev.releasepilot.rules.promql.RangeFunctionCall;
import dev.releasepilot.rules.promql.VectorSelector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which series the loaded rules need, and which rule expressions a series feeds. Selectors that name
 * their metric are grouped by it, so for them {@link #wantsMetric} is one hash lookup and matching a
 * new series only tries the selectors of its own metric. Name-less selectors
 * ({@code {__name__=~"http_.*_total", job="api"}}) are the fallback path: every series is also tried
 * against them, and a metric is wanted when their {@code __name__} matchers (if any) accept it.
 *
 * <p>Callers register expressions under a key of their choosing (e.g. "checkout/error-rate" for a
 * trigger's expr and requires together); the store reports touched keys through a
 * {@link TouchListener}. Immutable; a rule reload builds a new index and hands it to
 * {@link SeriesStore#reload}.
 */
public final class SelectorIndex {
    /** One distinct selector: its dense id, the longest range read over it, and the keys that read it. */
    record Entry(int id, VectorSelector selector, long longestRangeMs, int[] keyIds) {
    }

    /** What a series is wanted for: the selectors it satisfies, the keys they feed, its longest range. */
    record Interest(int[] selectorIds, int[] keyIds, long longestRangeMs) {
    }

    /** The selectors a series satisfies, as a map key. */
    private record SelectorSet(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof SelectorSet other && Arrays.equals(ids, other.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }

    private final Map<String, Entry[]> byMetric;
    private final Entry[] nameless;
    private final Map<VectorSelector, Entry> bySelector;
    private final List<String> keys;
    /**
     * One Interest per distinct set of selectors, shared by every series with that set: series of one
     * metric nearly always satisfy the same selectors, and a copy per series would cost ~70 bytes each.
     * The only mutable part of the index; bounded by the distinct sets the rules allow.
     */
    private final Map<SelectorSet, Interest> interests = new ConcurrentHashMap<>();

    private final Entry[] entries; // by id
    private static final Entry[] NONE = new Entry[0];

    private SelectorIndex(Map<String, Entry[]> byMetric, Entry[] nameless, Map<VectorSelector, Entry> bySelector,
                          List<String> keys) {
        this.byMetric = byMetric;
        this.nameless = nameless;
        this.bySelector = bySelector;
        this.keys = keys;
        this.entries = new Entry[bySelector.size()];
        bySelector.values().forEach(e -> entries[e.id()] = e);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An index that wants nothing: every sample is unmatched. */
    public static SelectorIndex empty() {
        return builder().build();
    }

    /**
     * Whether any selector may want series of this metric: one hash lookup, plus the {@code __name__}
     * matchers of name-less selectors when there are any (callers ask once per metric name and request).
     */
    public boolean wantsMetric(String metric) {
        if (byMetric.containsKey(metric)) {
            return true;
        }
        for (Entry e : nameless) {
            if (nameMatches(e.selector(), metric)) {
                return true;
            }
        }
        return false;
    }

    private static boolean nameMatches(VectorSelector s, String metric) {
        for (Matcher m : s.matchers()) {
            if (m.name().equals(Labels.METRIC_NAME) && !m.matchesValue(metric)) {
                return false;
            }
        }
        return true;
    }

    /** The keys whose expressions read a series with these labels (empty when none does). */
    public List<String> keysAffectedBy(Labels labels) {
        Interest in = match(labels);
        List<String> out = new ArrayList<>();
        if (in != null) {
            for (int k : in.keyIds()) {
                out.add(keys.get(k));
            }
        }
        return out;
    }

    /** The longest range any registered expression reads, in milliseconds (0 when only instant selectors). */
    public long longestRangeMs() {
        long max = 0;
        for (Entry e : bySelector.values()) {
            max = Math.max(max, e.longestRangeMs());
        }
        return max;
    }

    /** Null when no selector wants the series: the store then refuses it as unmatched. */
    Interest match(Labels labels) {
        Entry[] candidates = byMetric.getOrDefault(labels.metricName(), NONE);
        if (candidates.length == 0 && nameless.length == 0) {
            return null;
        }
        int[] selectors = new int[candidates.length + nameless.length];
        int n = 0;
        for (Entry e : candidates) {
            if (matches(e.selector(), labels)) {
                selectors[n++] = e.id();
            }
        }
        for (Entry e : nameless) {
            if (matches(e.selector(), labels)) {
                selectors[n++] = e.id();
            }
        }
        if (n == 0) {
            return null;
        }
        if (candidates.length > 0 && nameless.length > 0) {
            Arrays.sort(selectors, 0, n); // one order per set, whichever path found its members
        }
        return interests.computeIfAbsent(new SelectorSet(Arrays.copyOf(selectors, n)), this::interest);
    }

    private Interest interest(SelectorSet set) {
        long longest = 0;
        TreeSet<Integer> keyIds = new TreeSet<>();
        for (int id : set.ids()) {
            Entry e = entries[id];
            longest = Math.max(longest, e.longestRangeMs());
            for (int k : e.keyIds()) {
                keyIds.add(k);
            }
        }
        return new Interest(set.ids(), keyIds.stream().mapToInt(Integer::intValue).toArray(), longest);
    }

    static boolean matches(VectorSelector s, Labels labels) {
        for (Matcher m : s.matchers()) {
            if (!m.matchesValue(labels.get(m.name()))) {
                return false;
            }
        }
        return true;
    }

    /** The dense id of a registered selector, or -1. */
    int selectorId(VectorSelector s) {
        Entry e = bySelector.get(s);
        return e == null ? -1 : e.id();
    }

    int selectorCount() {
        return bySelector.size();
    }

    int keyCount() {
        return keys.size();
    }

    String key(int id) {
        return keys.get(id);
    }

    /** Collects the selectors of the expressions registered under each key. */
    public static final class Builder {
        private final Map<String, Integer> keyIds = new LinkedHashMap<>();
        private final Map<VectorSelector, long[]> ranges = new LinkedHashMap<>(); // selector -> {longest range}
        private final Map<VectorSelector, TreeSet<Integer>> users = new HashMap<>();

        private Builder() {
        }

        public Builder add(String key, Condition condition) {
            for (Expr side : condition.sides()) {
                add(key, side);
            }
            return this;
        }

        public Builder add(String key, Expr expr) {
            int id = keyIds.computeIfAbsent(key, k -> keyIds.size());
            collect(expr, id);
            return this;
        }

        private void collect(Expr e, int key) {
            if (e instanceof VectorSelector s) {
                use(s, 0, key);
            } else if (e instanceof RangeFunctionCall c) {
                use(c.selector(), c.range().toMillis(), key);
            } else if (e instanceof Aggregation a) {
                collect(a.argument(), key);
            } else if (e instanceof HistogramQuantile h) {
                collect(h.buckets(), key);
            } else if (e instanceof Arithmetic a) {
                collect(a.lhs(), key);
                collect(a.rhs(), key);
            } else if (!(e instanceof NumberLiteral)) {
                throw new IllegalArgumentException("unknown expression node " + e.getClass());
            }
        }

        private void use(VectorSelector s, long rangeMs, int key) {
            long[] longest = ranges.computeIfAbsent(s, x -> new long[1]);
            longest[0] = Math.max(longest[0], rangeMs);
            users.computeIfAbsent(s, x -> new TreeSet<>()).add(key);
        }

        public SelectorIndex build() {
            Map<String, List<Entry>> byMetric = new HashMap<>();
            List<Entry> nameless = new ArrayList<>();
            Map<VectorSelector, Entry> bySelector = new HashMap<>();
            int id = 0;
            for (Map.Entry<VectorSelector, long[]> r : ranges.entrySet()) {
                VectorSelector s = r.getKey();
                int[] keys = users.get(s).stream().mapToInt(Integer::intValue).toArray();
                Entry e = new Entry(id++, s, r.getValue()[0], keys);
                bySelector.put(s, e);
                if (s.hasMetric()) {
                    byMetric.computeIfAbsent(s.metric(), m -> new ArrayList<>()).add(e);
                } else {
                    nameless.add(e);
                }
            }
            Map<String, Entry[]> frozen = new HashMap<>();
            byMetric.forEach((m, list) -> frozen.put(m, list.toArray(new Entry[0])));
            return new SelectorIndex(Map.copyOf(frozen), nameless.toArray(new Entry[0]), Map.copyOf(bySelector),
                    List.copyOf(keyIds.keySet()));
        }
    }
}
