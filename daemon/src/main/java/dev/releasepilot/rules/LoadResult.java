package dev.releasepilot.rules;

import java.util.List;

/** What loading a rule file gave: the rules if there were no errors, and every problem found. */
public record LoadResult(RuleSet rules, List<Problem> errors, List<Problem> warnings) {
    public LoadResult {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
