package dev.releasepilot.rules;

/** A 1-based place in a rule file; parsers report offsets that the loader turns into one of these. */
public record Position(int line, int column) {
    Position plusColumns(int n) {
        return new Position(line, column + n);
    }
}
