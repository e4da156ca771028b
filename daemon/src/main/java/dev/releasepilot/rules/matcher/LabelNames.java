package dev.releasepilot.rules.matcher;

/**
 * Label names as Prometheus 3 and Alertmanager 0.27+ write them: a classic name
 * ({@code [a-zA-Z_][a-zA-Z0-9_]*}) stands bare, any other UTF-8 name (e.g. OpenTelemetry's
 * {@code service.name}) is double-quoted.
 */
public final class LabelNames {
    private LabelNames() {
    }

    public static boolean isClassic(String name) {
        if (name.isEmpty() || !(isLetter(name.charAt(0)) || name.charAt(0) == '_')) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(isLetter(c) || c == '_' || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /** {@code name} when classic, else the quoted form, so that the text parses back to the same name. */
    public static String format(String name) {
        return isClassic(name) ? name : quote(name);
    }

    /** Double-quoted with backslash, quote and newline escaped: the form both parsers read back unchanged. */
    public static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
