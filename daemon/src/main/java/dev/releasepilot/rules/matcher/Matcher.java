package dev.releasepilot.rules.matcher;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * One label matcher, shared by Alertmanager matchers and PromQL selectors (both define =, !=, =~, !~
 * the same way). Regexes are anchored at both ends, and a label that is absent matches as the empty
 * string. Equality is by name, operator and value: the compiled pattern follows from them.
 */
public record Matcher(String name, Op op, String value, Pattern pattern) {
    public enum Op {
        EQ("="), NEQ("!="), RE("=~"), NRE("!~");
        final String text;

        Op(String text) {
            this.text = text;
        }
    }

    public static Matcher of(String name, Op op, String value) {
        Pattern p = (op == Op.RE || op == Op.NRE) ? Pattern.compile("^(?:" + value + ")$") : null;
        return new Matcher(name, op, value, p);
    }

    public boolean matches(Map<String, String> labels) {
        return matchesValue(labels.getOrDefault(name, ""));
    }

    /** Whether a label value (the empty string for an absent label) satisfies this matcher. */
    public boolean matchesValue(String v) {
        return switch (op) {
            case EQ -> v.equals(value);
            case NEQ -> !v.equals(value);
            case RE -> pattern.matcher(v).matches();
            case NRE -> !pattern.matcher(v).matches();
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Matcher m && name.equals(m.name) && op == m.op && value.equals(m.value);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + op.hashCode()) * 31 + value.hashCode();
    }

    @Override
    public String toString() {
        return name + op.text + '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
