package dev.releasepilot.rules.matcher;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A conjunction of matchers: every one must match. */
public record Matchers(List<Matcher> all) {
    public Matchers {
        all = List.copyOf(all);
    }

    public boolean matches(Map<String, String> labels) {
        for (Matcher m : all) {
            if (!m.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return all.stream().map(Matcher::toString).collect(Collectors.joining(", ", "{", "}"));
    }
}
