package dev.releasepilot.decide.judge;

/**
 * How the error budget of a judge ({@code alpha = 1 - confidence}) is spent over repeated looks at the
 * same release: look k (1, 2, ...) may fire only at {@code p <= alpha * 6 / (pi^2 k^2)}. The shares sum
 * to alpha over any number of looks (sum of 1/k^2 is pi^2/6), so by the union bound the chance that a
 * canary as good as stable is ever judged worse in one release stays at most alpha, however often the
 * judge and the plan engine look. Early looks get the largest shares (61 % of alpha at the first,
 * 15 % at the second), when a bad canary should be caught.
 */
public final class LookSpending {
    private static final double NORMALISER = 6 / (Math.PI * Math.PI);

    private LookSpending() {
    }

    /** The significance level of look {@code k} (1-based). */
    public static double alpha(double alpha, int look) {
        if (look < 1) {
            throw new IllegalArgumentException("looks count from 1, got " + look);
        }
        return alpha * NORMALISER / ((double) look * look);
    }
}
