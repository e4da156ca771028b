package dev.releasepilot.rules.matcher;


import dev.releasepilot.rules.SyntaxError;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.PatternSyntaxException;

/**
 * Parses Alertmanager's matcher syntax: {@code {alertname=~"Checkout.*", severity="critical"}}.
 * Braces are optional, values may be double-quoted (with \" \\ \n escapes) or bare, and matchers are
 * separated by commas. Errors carry the character offset so the loader can point at file:line:column.
 */
public final class MatcherParser {
    private final String in;
    private int pos;

    private MatcherParser(String in) {
        this.in = in;
    }

    public static Matchers parse(String text) throws SyntaxError {
        return new MatcherParser(text).matchers();
    }

    private Matchers matchers() throws SyntaxError {
        skipSpace();
        boolean braced = peek('{');
        if (braced) {
            pos++;
        }
        List<Matcher> out = new ArrayList<>();
        skipSpace();
        while (pos < in.length() && !peek('}')) {
            out.add(matcher());
            skipSpace();
            if (peek(',')) {
                pos++;
                skipSpace();
            } else {
                break;
            }
        }
        if (braced) {
            if (!peek('}')) {
                throw new SyntaxError(pos, "expected ',' or '}'");
            }
            pos++;
        }
        skipSpace();
        if (pos < in.length()) {
            throw new SyntaxError(pos, "unexpected '" + in.charAt(pos) + "' after matchers");
        }
        if (out.isEmpty()) {
            throw new SyntaxError(0, "at least one matcher is required, e.g. {alertname=\"X\"}");
        }
        return new Matchers(out);
    }

    private Matcher matcher() throws SyntaxError {
        int start = pos;
        while (pos < in.length() && (Character.isLetterOrDigit(in.charAt(pos)) || in.charAt(pos) == '_')) {
            pos++;
        }
        if (start == pos) {
            throw new SyntaxError(pos, "expected a label name");
        }
        if (Character.isDigit(in.charAt(start))) {
            throw new SyntaxError(start, "a label name cannot start with a digit");
        }
        String name = in.substring(start, pos);
        skipSpace();
        Matcher.Op op;
        if (in.startsWith("=~", pos)) {
            op = Matcher.Op.RE;
        } else if (in.startsWith("!~", pos)) {
            op = Matcher.Op.NRE;
        } else if (in.startsWith("!=", pos)) {
            op = Matcher.Op.NEQ;
        } else if (peek('=')) {
            op = Matcher.Op.EQ;
        } else {
            throw new SyntaxError(pos, "expected one of =, !=, =~, !~ after label '" + name + "'");
        }
        pos += op.text.length();
        skipSpace();
        int valueAt = pos;
        String value = peek('"') ? quoted() : bare();
        try {
            return Matcher.of(name, op, value);
        } catch (PatternSyntaxException e) {
            throw new SyntaxError(valueAt, "invalid regex for " + name + op.text + ": " + e.getDescription());
        }
    }

    private String quoted() throws SyntaxError {
        int open = pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < in.length()) {
            char c = in.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= in.length()) {
                    break;
                }
                char e = in.charAt(pos++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case '"', '\\' -> sb.append(e);
                    default -> sb.append('\\').append(e); // keep regex escapes such as \d intact
                }
            } else {
                sb.append(c);
            }
        }
        throw new SyntaxError(open, "unterminated quoted value");
    }

    private String bare() {
        int start = pos;
        while (pos < in.length() && in.charAt(pos) != ',' && in.charAt(pos) != '}') {
            pos++;
        }
        return in.substring(start, pos).strip();
    }

    private boolean peek(char c) {
        return pos < in.length() && in.charAt(pos) == c;
    }

    private void skipSpace() {
        while (pos < in.length() && Character.isWhitespace(in.charAt(pos))) {
            pos++;
        }
    }
}
