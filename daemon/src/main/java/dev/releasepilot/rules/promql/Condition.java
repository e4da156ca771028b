package dev.releasepilot.rules.promql;

import java.util.ArrayList;
import java.util.List;

/**
 * A whole {@code expr:} or {@code requires:}: one comparison at the top, optionally followed by
 * further comparisons joined with {@code and} ({@code a > 2 * b and a > 0.005}). PromQL's {@code and}
 * binds looser than comparisons, so each conjunct is a comparison of its own; the result is the first
 * comparison's passing elements that have a match among each later one's (on their labels without the
 * metric name, or as the {@code and}'s own {@code on}/{@code ignoring} says). At least one side of
 * every comparison selects data (PromQL needs {@code bool} to compare two numbers, which the subset
 * omits).
 *
 * @param matching how the two sides pair up when both are vectors ({@code > on (server)})
 * @param and      the comparisons joined to this one with {@code and}, in order; each has no {@code and} of its own
 */
public record Condition(Expr lhs, ComparisonOp op, Expr rhs, VectorMatching matching, List<Conjunct> and) {
    public Condition {
        and = List.copyOf(and);
    }

    public Condition(Expr lhs, ComparisonOp op, Expr rhs) {
        this(lhs, op, rhs, VectorMatching.DEFAULT, List.of());
    }

    /** {@code and [on (...) | ignoring (...)] comparison}. */
    public record Conjunct(VectorMatching matching, Condition comparison) {
    }

    /** Every expression side of every comparison, first comparison first. */
    public List<Expr> sides() {
        ArrayList<Expr> out = new ArrayList<>(List.of(lhs, rhs));
        for (Conjunct c : and) {
            out.addAll(c.comparison().sides());
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(lhs).append(' ').append(op.symbol()).append(matching).append(' ')
                .append(rhs);
        for (Conjunct c : and) {
            sb.append(" and").append(c.matching()).append(' ').append(c.comparison());
        }
        return sb.toString();
    }
}
