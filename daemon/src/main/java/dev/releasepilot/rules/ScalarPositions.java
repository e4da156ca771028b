package dev.releasepilot.rules;


import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Maps a character offset inside a scalar's value back to its line and column in the file.
 * SnakeYAML folds multi-line scalars (a line break becomes one space, blank lines become newlines,
 * indentation is dropped, quotes and escapes are removed), so the value's offsets and the file's
 * columns drift apart. This re-reads the original lines, rebuilds the value while remembering where
 * each character came from, and only trusts the result when the rebuilt value equals SnakeYAML's;
 * otherwise the caller falls back to the scalar's start.
 */
final class ScalarPositions {
    private final StringBuilder value = new StringBuilder();
    private final List<int[]> origin = new ArrayList<>(); // per value char: {line, column}, 0-based

    private ScalarPositions() {
    }

    /** The position of value character {@code offset}, or null when the value cannot be rebuilt. */
    static Position locate(List<String> lines, ScalarNode n, int offset) {
        ScalarPositions p = new ScalarPositions();
        ScalarStyle style = n.getScalarStyle();
        boolean built = switch (style) {
            case PLAIN -> p.flow(lines, n, '\0');
            case SINGLE_QUOTED -> p.flow(lines, n, '\'');
            case DOUBLE_QUOTED -> p.flow(lines, n, '"');
            case LITERAL, FOLDED -> p.block(lines, n, style == ScalarStyle.FOLDED);
            default -> false;
        };
        if (!built || p.origin.isEmpty() || !p.matches(n.getValue(), style)) {
            return null;
        }
        int[] at;
        if (offset < p.origin.size()) {
            at = p.origin.get(Math.max(0, offset));
        } else {
            int[] last = p.origin.get(p.origin.size() - 1);
            at = new int[] {last[0], last[1] + 1}; // just past the end: "expected ... at end of expression"
        }
        return new Position(at[0] + 1, at[1] + 1);
    }

    private boolean matches(String actual, ScalarStyle style) {
        String rebuilt = value.toString();
        if (style == ScalarStyle.LITERAL || style == ScalarStyle.FOLDED) {
            return stripTrailingNewlines(rebuilt).equals(stripTrailingNewlines(actual)); // chomping indicators differ
        }
        return rebuilt.equals(actual);
    }

    // Plain and quoted scalars: the first line from the start mark, then each further line trimmed of
    // surrounding blanks; one line break between non-empty lines folds to a space, n blank lines to n newlines.
    private boolean flow(List<String> lines, ScalarNode n, char quote) {
        int firstLine = n.getStartMark().getLine();
        int lastLine = n.getEndMark().getLine();
        int firstCol = n.getStartMark().getColumn() + (quote == '\0' ? 0 : 1);
        int endCol = n.getEndMark().getColumn() - (quote == '\0' ? 0 : 1);
        if (lastLine >= lines.size()) {
            return false;
        }
        int blankLines = 0;
        boolean started = false;
        for (int l = firstLine; l <= lastLine; l++) {
            String s = lines.get(l);
            int from = l == firstLine ? firstCol : firstNonBlank(s);
            int to = l == lastLine ? Math.min(endCol, s.length()) : lastNonBlankEnd(s);
            if (from > s.length() || to < 0) {
                return false;
            }
            if (from >= to && l != firstLine && l != lastLine) {
                blankLines++;
                continue;
            }
            if (started) {
                String sep = blankLines == 0 ? " " : "\n".repeat(blankLines);
                for (int i = 0; i < sep.length(); i++) {
                    add(sep.charAt(i), l, from);
                }
            }
            blankLines = 0;
            started = true;
            if (!segment(s, l, from, Math.max(from, to), quote)) {
                return false;
            }
        }
        return true;
    }

    private boolean segment(String s, int line, int from, int to, char quote) {
        for (int c = from; c < to; c++) {
            char ch = s.charAt(c);
            if (quote == '\'' && ch == '\'' && c + 1 < to && s.charAt(c + 1) == '\'') {
                add('\'', line, c);
                c++;
            } else if (quote == '"' && ch == '\\') {
                if (c + 1 >= to) {
                    return false; // escaped line break: rare, not rebuilt
                }
                int used = escape(s, c, line);
                if (used < 0) {
                    return false;
                }
                c += used;
            } else {
                add(ch, line, c);
            }
        }
        return true;
    }

    // A YAML double-quoted escape at s[c] == '\\'; returns the extra characters consumed, -1 if unknown.
    private int escape(String s, int c, int line) {
        char e = s.charAt(c + 1);
        String simple = switch (e) {
            case '0' -> "\0";
            case 'a' -> "\u0007";
            case 'b' -> "\b";
            case 't', '\t' -> "\t";
            case 'n' -> "\n";
            case 'v' -> "\u000b";
            case 'f' -> "\f";
            case 'r' -> "\r";
            case 'e' -> "\u001b";
            case ' ' -> " ";
            case '"' -> "\"";
            case '/' -> "/";
            case '\\' -> "\\";
            case 'N' -> "\u0085";
            case '_' -> "\u00a0";
            case 'L' -> "\u2028";
            case 'P' -> "\u2029";
            default -> null;
        };
        if (simple != null) {
            add(simple.charAt(0), line, c);
            return 1;
        }
        int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : -1;
        if (digits < 0 || c + 2 + digits > s.length()) {
            return -1;
        }
        try {
            int cp = Integer.parseInt(s.substring(c + 2, c + 2 + digits), 16);
            for (char ch : Character.toChars(cp)) {
                add(ch, line, c);
            }
            return 1 + digits;
        } catch (IllegalArgumentException ex) {
            return -1;
        }
    }

    // Block scalars (| and >): content starts on the line after the indicator, indented by the first
    // non-blank line's indentation. Literal keeps line breaks; folded joins lines with spaces.
    private boolean block(List<String> lines, ScalarNode n, boolean folded) {
        int first = n.getStartMark().getLine() + 1;
        int last = n.getEndMark().getColumn() == 0 ? n.getEndMark().getLine() - 1 : n.getEndMark().getLine();
        last = Math.min(last, lines.size() - 1);
        int indent = -1;
        for (int l = first; l <= last && indent < 0; l++) {
            if (firstNonBlank(lines.get(l)) < lines.get(l).length()) {
                indent = firstNonBlank(lines.get(l));
            }
        }
        if (indent < 0) {
            return false;
        }
        int blankLines = 0;
        boolean started = false;
        for (int l = first; l <= last; l++) {
            String s = lines.get(l);
            if (s.isBlank()) {
                blankLines++;
                continue;
            }
            if (started) {
                String sep = folded ? (blankLines == 0 ? " " : "\n".repeat(blankLines)) : "\n".repeat(blankLines + 1);
                for (int i = 0; i < sep.length(); i++) {
                    add(sep.charAt(i), l, Math.min(indent, s.length()));
                }
            }
            blankLines = 0;
            started = true;
            for (int c = Math.min(indent, s.length()); c < s.length(); c++) {
                add(s.charAt(c), l, c);
            }
        }
        return true;
    }

    private void add(char c, int line, int column) {
        value.append(c);
        origin.add(new int[] {line, column});
    }

    private static int firstNonBlank(String s) {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int lastNonBlankEnd(String s) {
        int i = s.length();
        while (i > 0 && (s.charAt(i - 1) == ' ' || s.charAt(i - 1) == '\t')) {
            i--;
        }
        return i;
    }

    private static String stripTrailingNewlines(String s) {
        int i = s.length();
        while (i > 0 && s.charAt(i - 1) == '\n') {
            i--;
        }
        return s.substring(0, i);
    }
}
