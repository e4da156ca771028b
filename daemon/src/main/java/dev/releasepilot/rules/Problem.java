package dev.releasepilot.rules;

/** One thing wrong (or worth a warning) in a rule file, located as file:line:column (1-based). */
public record Problem(String file, int line, int column, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
