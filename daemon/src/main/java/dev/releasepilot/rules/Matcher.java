package dev.releasepilot.rules;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * One Alertmanager label matcher. Regexes are anchored at both ends, as Alertmanager does, and a
 * label that is absent matches as the empty string.
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
        String v = labels.getOrDefault(name, "");
        return switch (op) {
            case EQ -> v.equals(value);
            case NEQ -> !v.equals(value);
            case RE -> pattern.matcher(v).matches();
            case NRE -> !pattern.matcher(v).matches();
        };
    }

    @Override
    public String toString() {
        return name + op.text + '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
