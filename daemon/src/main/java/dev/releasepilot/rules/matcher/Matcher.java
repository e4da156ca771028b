package dev.releasepilot.rules.matcher;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.Map;

/**
 * One label matcher, shared by Alertmanager matchers and PromQL selectors (both define =, !=, =~, !~
 * the same way). Regexes are RE2 (re2j), as in Prometheus and Alertmanager: matching takes time
 * linear in the label value, so no regex and no label value can hold an event loop (a backtracking
 * engine needs seconds for {@code ((a+)+)+c} against 28 {@code a}s), and what RE2 refuses
 * (backreferences, lookaround) is refused here too. Regexes are anchored at both ends as
 * {@code ^(?:value)$}, and a label that is absent matches as the empty string. Equality is by name,
 * operator and value: the compiled pattern follows from them.
 */
public record Matcher(String name, Op op, String value, Pattern pattern) {
    public enum Op {
        EQ("="), NEQ("!="), RE("=~"), NRE("!~");
        final String text;

        Op(String text) {
            this.text = text;
        }

        /** The operator as written: {@code =}, {@code !=}, {@code =~} or {@code !~}. */
        public String text() {
            return text;
        }
    }

    /**
     * @throws PatternSyntaxException for =~ and !~ when RE2 rejects {@code value}, or when it is beyond
     *                                {@link RegexLimits} (its {@link PatternSyntaxException#getDescription()}
     *                                says why)
     */
    public static Matcher of(String name, Op op, String value) {
        Pattern p = null;
        if (op == Op.RE || op == Op.NRE) {
            RegexLimits.check(value);
            p = Pattern.compile("^(?:" + value + ")$");
        }
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
            case RE -> pattern.matches(v);
            case NRE -> !pattern.matches(v);
        };
    }

    /** Whether the empty string (an absent label) satisfies this matcher: PromQL needs one that does not. */
    public boolean matchesEmpty() {
        return matchesValue("");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Matcher m && name.equals(m.name) && op == m.op && value.equals(m.value);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + op.hashCode()) * 31 + value.hashCode();
    }

    /** {@code name="value"}, quoting the name when it is not a classic label name (Prometheus 3 style). */
    @Override
    public String toString() {
        return LabelNames.format(name) + op.text + LabelNames.quote(value);
    }
}
