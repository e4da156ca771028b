package dev.releasepilot.window;

import java.util.List;

/**
 * A condition's answer at one instant, with its evidence.
 *
 * @param outcome TRUE when at least one element passes the comparison, FALSE when elements were
 *                compared and none passed, NO_DATA when nothing could be compared
 * @param compared the elements that were compared (the data side, NaN left out), for the journal and API
 * @param passing  the subset that satisfied the comparison (the groups that fire)
 */
public record Verdict(Outcome outcome, List<Element> compared, List<Element> passing) {
    public Verdict {
        compared = List.copyOf(compared);
        passing = List.copyOf(passing);
    }

    static Verdict noData() {
        return new Verdict(Outcome.NO_DATA, List.of(), List.of());
    }
}
