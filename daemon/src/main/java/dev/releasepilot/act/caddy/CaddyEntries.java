package dev.releasepilot.act.caddy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ratios by repetition for Caddy 2.6, which has no upstream weights: weights become entry counts in the
 * upstream list under {@code round_robin}. Counts are the weights divided by their greatest common
 * divisor when that fits in {@code maxEntries} (95:5 → 19:1, 3:1 → 3:1), otherwise a largest-remainder
 * split of {@code maxEntries} where every server with a weight keeps at least one entry (97:3 → 19:1:
 * the granularity is 1/maxEntries). Pure.
 */
final class CaddyEntries {
    private CaddyEntries() {
    }

    static Map<String, Integer> counts(Map<String, Integer> weights, int maxEntries) {
        Map<String, Integer> out = new LinkedHashMap<>();
        int g = 0;
        long sum = 0;
        for (int w : weights.values()) {
            if (w > 0) {
                g = gcd(g, w);
                sum += w;
            }
        }
        if (sum == 0) {
            weights.keySet().forEach(s -> out.put(s, 0));
            return out;
        }
        if (sum / g <= maxEntries) {
            int div = g;
            weights.forEach((s, w) -> out.put(s, w / div));
            return out;
        }
        long total = sum;
        Map<String, Double> remainder = new LinkedHashMap<>();
        weights.forEach((s, w) -> {
            double exact = (double) w * maxEntries / total;
            int n = w == 0 ? 0 : Math.max(1, (int) Math.floor(exact));
            out.put(s, n);
            remainder.put(s, exact - n);
        });
        int used = out.values().stream().mapToInt(Integer::intValue).sum();
        List<String> byRemainder = new ArrayList<>(remainder.keySet());
        byRemainder.sort(Comparator.comparingDouble(remainder::get).reversed());
        for (int i = 0; used < maxEntries; i = (i + 1) % byRemainder.size()) {
            String s = byRemainder.get(i);
            if (weights.get(s) > 0) {
                out.put(s, out.get(s) + 1);
                used++;
            }
        }
        // Minimum-one bumps can overshoot: take back from the largest counts, least deserving first.
        while (used > maxEntries) {
            String s = out.entrySet().stream().filter(e -> e.getValue() > 1)
                    .min(Comparator.comparingDouble((Map.Entry<String, Integer> e) -> remainder.get(e.getKey()))
                            .thenComparing(e -> -e.getValue()))
                    .orElseThrow().getKey();
            out.put(s, out.get(s) - 1);
            used--;
        }
        int g2 = out.values().stream().filter(n -> n > 0).reduce(0, CaddyEntries::gcd);
        out.replaceAll((s, n) -> n / g2);
        return out;
    }

    /**
     * The entries in smooth weighted round-robin order (the order NGINX uses), so a short window of
     * requests already sees the ratio: 3:1 gives s,s,c,s rather than s,s,s,c.
     */
    static List<String> sequence(Map<String, Integer> counts) {
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        Map<String, Integer> current = new LinkedHashMap<>();
        counts.keySet().forEach(s -> current.put(s, 0));
        List<String> out = new ArrayList<>(total);
        for (int i = 0; i < total; i++) {
            String best = null;
            for (Map.Entry<String, Integer> e : counts.entrySet()) {
                current.merge(e.getKey(), e.getValue(), Integer::sum);
                if (e.getValue() > 0 && (best == null || current.get(e.getKey()) > current.get(best))) {
                    best = e.getKey();
                }
            }
            current.merge(best, -total, Integer::sum);
            out.add(best);
        }
        return out;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
