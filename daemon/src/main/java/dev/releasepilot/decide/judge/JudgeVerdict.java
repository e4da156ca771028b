package dev.releasepilot.decide.judge;

import dev.releasepilot.window.Outcome;

/**
 * One look of a judge: TRUE when the canary is worse than stable at this look's significance level,
 * FALSE when it is not, NO_DATA when a side has fewer samples than {@code min_samples}.
 *
 * @param look      the look's number in the current release (1-based)
 * @param alpha     the significance level this look was allowed ({@link LookSpending})
 * @param statistic U (mann_whitney, of the canary) or the odds ratio of the effective counts (two_proportion);
 *                  NaN for NO_DATA
 * @param pValue    the library's p-value for the stated direction; NaN for NO_DATA
 * @param detail    a sentence for the API and the journal
 */
public record JudgeVerdict(Outcome outcome, int look, double alpha, double statistic, double pValue, Side canary,
                           Side stable, String detail) {

    /**
     * One track's summary.
     *
     * @param samples   blocks with a value (mann_whitney) or requests counted (two_proportion)
     * @param center    the median of the blocks' values, or the failure rate
     * @param failures  failures counted (two_proportion; 0 for mann_whitney)
     * @param effective the sample size the test was given after the overdispersion correction
     *                  (two_proportion); equals samples for mann_whitney
     */
    public record Side(long samples, double center, long failures, long effective) {
    }
}
