package dev.releasepilot.rules;

import dev.releasepilot.rules.promql.Expr;
import java.time.Duration;

/**
 * A statistical judge: compares what the canary shows with what the stable track shows over the same
 * window, and fires when the canary is worse at the stated confidence (docs/rules.md, "Canary versus
 * stable"). Samples are taken once per {@code sampleEvery} (one block), not per scrape or per request,
 * and every look at the window spends part of the error budget {@code 1 - confidence}.
 *
 * @param confidence  in (0.5, 1): 1 - confidence is the chance, over all the looks of one release, of a
 *                    false verdict against a canary that is as good as stable
 * @param window      the samples a look judges: the blocks of the last {@code window}
 * @param sampleEvery one block: the spacing of the samples the test sees
 * @param minSamples  per side: blocks with a value (mann_whitney) or requests counted (two_proportion);
 *                    fewer is NO_DATA
 * @param interval    how often the judge looks on its own (event time); the plan engine may look in between
 * @param tolerance   mann_whitney: the canary counts as worse only when its values exceed stable's by more
 *                    than this fraction of stable's median (the test's null hypothesis is shifted by it), so
 *                    a difference too small to matter is never "significant"; 0 for two_proportion
 */
public record JudgeTrigger(String name, Test test, double confidence, Direction direction, Side canary, Side stable,
                           Duration window, Duration sampleEvery, int minSamples, Duration interval, double tolerance)
        implements Trigger {

    /** The statistical test, by its rule-file name. */
    public enum Test {
        /** Mann–Whitney U on the blocks' values (latency and other distributions). */
        MANN_WHITNEY,
        /**
         * Failures and totals (error rates), counts deflated for overdispersion: Fisher's exact test, or
         * the chi-square (z) test once the counts are large.
         */
        TWO_PROPORTION;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Which way "worse" is: the canary's values (or failure rate) higher, lower, or different either way. */
    public enum Direction {
        INCREASE, DECREASE, EITHER;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One track's data source: values for mann_whitney, failures and totals for two_proportion. */
    public sealed interface Side permits Values, Proportion {
    }

    /**
     * An expression whose elements are the track's values at a block's end.
     *
     * @param text as written
     */
    public record Values(String text, Expr values) implements Side {
    }

    /**
     * Counter selectors of the track's failures and of all its requests; a block counts their
     * {@code sum(increase(selector[sample_every]))}.
     *
     * @param failures the built {@code sum(increase(...))} over the failures' selector
     * @param total    the same over the total's selector
     */
    public record Proportion(String failuresText, Expr failures, String totalText, Expr total) implements Side {
    }
}
