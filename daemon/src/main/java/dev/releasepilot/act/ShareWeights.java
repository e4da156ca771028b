package dev.releasepilot.act;

/**
 * The absolute weights that give the canary a share of the traffic: every stable server gets
 * {@code stable}, every canary server {@code canary}, so the canary side takes
 * {@code nCanary·canary / (nCanary·canary + nStable·stable)} of the requests.
 *
 * <p>Rounding: of all pairs with both weights in 1..{@code max}, the one whose share is nearest the
 * wanted percentage wins, and among equally near ones the smallest weights (5 % on one stable and one
 * canary server is 19:1, exactly 5 %; 33 % is 2:1 = 33.3 %). With {@code max} 256, HAProxy's range,
 * every whole percentage from 1 to 99 is met within 0.2 points for up to 10 servers a side, wherever
 * weights 1..256 can reach it at all (1 % on one stable and four canary servers cannot: 256:1 gives
 * 1.5 %, the nearest there is). 0 and 100
 * put the drained side at 0 and leave the other side's weights to the caller (the weight that serves).
 */
public record ShareWeights(int stable, int canary) {
    /** HAProxy's highest server weight. */
    public static final int HAPROXY_MAX = 256;

    /** @param percent 1..99: the canary's share */
    public static ShareWeights of(int percent, int nStable, int nCanary, int max) {
        if (percent <= 0 || percent >= 100 || nStable < 1 || nCanary < 1) {
            throw new IllegalArgumentException("a share between the sides needs 1..99 percent and servers on both sides");
        }
        double wanted = percent / 100.0;
        ShareWeights best = null;
        double bestError = Double.MAX_VALUE;
        for (int s = 1; s <= max; s++) {
            // The canary weight nearest the wanted share for this stable weight.
            long c = Math.min(max, Math.max(1, Math.round(wanted * nStable * s / ((1 - wanted) * nCanary))));
            for (long cand = Math.max(1, c - 1); cand <= Math.min(max, c + 1); cand++) {
                double error = Math.abs(share(s, (int) cand, nStable, nCanary) - wanted);
                if (error < bestError - 1e-12) {
                    bestError = error;
                    best = new ShareWeights(s, (int) cand);
                }
            }
            if (bestError < 1e-12) {
                break;
            }
        }
        return best;
    }

    /** The canary's share these weights give, 0..1. */
    public static double share(int stable, int canary, int nStable, int nCanary) {
        double c = (double) canary * nCanary;
        double total = c + (double) stable * nStable;
        return total == 0 ? 0 : c / total;
    }
}
