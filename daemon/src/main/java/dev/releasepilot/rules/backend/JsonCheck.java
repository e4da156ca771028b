package dev.releasepilot.rules.backend;


import dev.releasepilot.rules.SyntaxError;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-back check on a JSON reply, a deliberately small JSONPath subset:
 * {@code $.pools.checkout.servers[1].weight == ${canary_weight}}. The left side is {@code $} followed
 * by {@code .key}, {@code ["key"]} and {@code [index]} steps; the operator is {@code ==} or {@code !=};
 * the right side is a {@link Template} that must give one JSON value once rendered (a number, a quoted
 * string, true/false/null, an object or an array). No wildcards, filters or slices: a check names one
 * value, so what it proves is obvious from reading it.
 */
public record JsonCheck(String text, List<Step> path, boolean equal, Template expected) {
    public JsonCheck {
        path = List.copyOf(path);
    }

    /** One step down a JSON tree. */
    public sealed interface Step permits Key, Index {
    }

    public record Key(String name) implements Step {
    }

    public record Index(int index) implements Step {
    }

    public static JsonCheck parse(String text) throws SyntaxError {
        int i = skipSpaces(text, 0);
        if (i >= text.length() || text.charAt(i) != '$') {
            throw new SyntaxError(i, "a check starts with '$' (e.g. $.servers[0].weight == 0)");
        }
        i++;
        List<Step> path = new ArrayList<>();
        while (i < text.length() && (text.charAt(i) == '.' || text.charAt(i) == '[')) {
            if (text.charAt(i) == '.') {
                int start = ++i;
                while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_'
                        || text.charAt(i) == '-')) {
                    i++;
                }
                if (i == start) {
                    throw new SyntaxError(start, "expected a key name after '.'");
                }
                path.add(new Key(text.substring(start, i)));
            } else if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                int end = text.indexOf('"', i + 2);
                if (end < 0 || end + 1 >= text.length() || text.charAt(end + 1) != ']') {
                    throw new SyntaxError(i, "expected [\"key\"]");
                }
                path.add(new Key(text.substring(i + 2, end)));
                i = end + 2;
            } else {
                int start = ++i;
                while (i < text.length() && Character.isDigit(text.charAt(i))) {
                    i++;
                }
                if (i == start || i >= text.length() || text.charAt(i) != ']') {
                    throw new SyntaxError(start, "expected an index like [0] or a key like [\"name\"]");
                }
                path.add(new Index(Integer.parseInt(text.substring(start, i))));
                i++;
            }
        }
        i = skipSpaces(text, i);
        boolean equal;
        if (text.startsWith("==", i)) {
            equal = true;
        } else if (text.startsWith("!=", i)) {
            equal = false;
        } else {
            throw new SyntaxError(i, "expected '==' or '!=' after the path (supported: $.key, [\"key\"], [index])");
        }
        i = skipSpaces(text, i + 2);
        if (i >= text.length()) {
            throw new SyntaxError(i, "expected a JSON value after the operator");
        }
        Template expected;
        try {
            expected = Template.parse(text.substring(i).strip());
        } catch (SyntaxError e) {
            throw new SyntaxError(i + e.offset(), e.getMessage());
        }
        return new JsonCheck(text, path, equal, expected);
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        return i;
    }
}
