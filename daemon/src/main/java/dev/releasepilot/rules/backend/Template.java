package dev.releasepilot.rules.backend;


import dev.releasepilot.rules.SyntaxError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Text with {@code ${name}} placeholders that an actuator fills in per command (HTTP URLs, headers and
 * bodies, exec arguments). The names are a closed set, checked when the rule file loads, so a typo is a
 * {@code check} error rather than a request with a literal "${canry_weight}" in it. A {@code $} not
 * followed by <code>{</code> is plain text.
 */
public record Template(String text, List<Part> parts) {
    /** Every placeholder an actuator fills in; docs/backends.md describes each. */
    public static final Set<String> NAMES = new LinkedHashSet<>(List.of(
            "service", "command", "reason", "weights", "canary_weight", "stable_weight"));

    public Template {
        parts = List.copyOf(parts);
    }

    /** A piece of a template: literal text or one placeholder. */
    public sealed interface Part permits Literal, Placeholder {
    }

    public record Literal(String text) implements Part {
    }

    public record Placeholder(String name) implements Part {
    }

    public static Template parse(String text) throws SyntaxError {
        return parse(text, NAMES);
    }

    /** A template over another closed set of placeholder names (e.g. a notification's text). */
    public static Template parse(String text, Set<String> names) throws SyntaxError {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("${", i)) {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw new SyntaxError(i, "unclosed placeholder: '${' without '}'");
                }
                String name = text.substring(i + 2, end);
                if (!names.contains(name)) {
                    throw new SyntaxError(i, "unknown placeholder '${" + name + "}' (known: "
                            + String.join(", ", names.stream().map(n -> "${" + n + "}").toList()) + ")");
                }
                if (literal.length() > 0) {
                    parts.add(new Literal(literal.toString()));
                    literal.setLength(0);
                }
                parts.add(new Placeholder(name));
                i = end + 1;
            } else {
                literal.append(text.charAt(i));
                i++;
            }
        }
        if (literal.length() > 0) {
            parts.add(new Literal(literal.toString()));
        }
        return new Template(text, parts);
    }

    /** A template without placeholders, for text that is fixed by construction. */
    public static Template literal(String text) {
        return new Template(text, text.isEmpty() ? List.of() : List.of(new Literal(text)));
    }

    public String render(Function<String, String> valueOf) {
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            if (p instanceof Literal l) {
                out.append(l.text());
            } else if (p instanceof Placeholder ph) {
                out.append(valueOf.apply(ph.name()));
            }
        }
        return out.toString();
    }

    public boolean uses(String name) {
        return parts.stream().anyMatch(p -> p instanceof Placeholder ph && ph.name().equals(name));
    }
}
