package dev.releasepilot.rules.matcher;

import com.google.re2j.PatternSyntaxException;
import dev.releasepilot.rules.SyntaxError;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses Alertmanager's matcher syntax, {@code {alertname=~"Checkout.*", severity="critical"}}, in
 * both of its generations, as Alertmanager 0.27+ does by default (UTF-8 parser, classic as fallback):
 * <ul>
 *   <li>braces are optional, matchers are separated by commas, a trailing comma is allowed;</li>
 *   <li>a label name is a bare literal ({@code severity}, {@code service.name}, {@code Προμηθεύς}:
 *       anything but whitespace and <code>{ } ! = ~ , " ' `</code>) or a double-quoted string
 *       ({@code "service.name"}, Go escapes);</li>
 *   <li>a value is double-quoted (Go escapes; an escape Go does not know, such as {@code \d}, keeps its
 *       backslash, as the classic parser did, so regexes written for it still work) or bare (up to the
 *       next {@code ,} or {@code }}, trimmed);</li>
 *   <li>=~ and !~ take RE2 syntax, anchored at both ends.</li>
 * </ul>
 * At least one matcher is required (an empty set would match every alert). Errors carry the
 * character offset so the loader can point at file:line:column.
 */
public final class MatcherParser {
    /** More matchers than any real route needs; bounds the work one rule line can ask for. */
    static final int MAX_MATCHERS = 1_000;

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
            if (out.size() == MAX_MATCHERS) {
                throw new SyntaxError(pos, "more than " + MAX_MATCHERS + " matchers");
            }
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
        int nameAt = pos;
        String name = peek('"') ? quoted(true) : bareName();
        if (name.isEmpty()) {
            throw new SyntaxError(nameAt, "expected a label name");
        }
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
        String value = peek('"') ? quoted(false) : bareValue();
        try {
            return Matcher.of(name, op, value);
        } catch (PatternSyntaxException e) {
            throw new SyntaxError(valueAt, "invalid regex for " + LabelNames.format(name) + op.text
                    + " (RE2 syntax: no backreferences or lookaround): " + e.getDescription());
        }
    }

    /**
     * A double-quoted string with Go's escapes ({@code \xHH} and {@code \ooo} are bytes of the UTF-8
     * text, so {@code "\xf0\x9f\x99\x82"} is one emoji, as in Go). {@code strict} (label names) refuses
     * other escapes, as Alertmanager's parser does; otherwise (values) they keep their backslash for the
     * regex engine.
     */
    private String quoted(boolean strict) throws SyntaxError {
        int open = pos++;
        ByteArrayOutputStream utf8 = new ByteArrayOutputStream();
        while (pos < in.length()) {
            int c = in.codePointAt(pos);
            pos += Character.charCount(c);
            if (c == '"') {
                return utf8.toString(StandardCharsets.UTF_8);
            }
            if (c != '\\') {
                append(utf8, c);
                continue;
            }
            if (pos >= in.length()) {
                break;
            }
            int at = pos - 1;
            char e = in.charAt(pos++);
            int simple = switch (e) {
                case 'a' -> 0x07;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'v' -> 0x0b;
                case '"', '\\' -> e;
                default -> -1;
            };
            if (simple >= 0) {
                utf8.write(simple);
                continue;
            }
            boolean octal = e >= '0' && e <= '7';
            int digits = octal ? 3 : e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
            if (octal) {
                pos--; // the first digit is one of the three
            }
            long v = digits == 0 ? -1 : number(octal ? 8 : 16, digits);
            boolean isByte = octal || e == 'x';
            if (v >= 0 && (isByte ? v <= 0xFF : v <= Character.MAX_CODE_POINT && (v < 0xD800 || v > 0xDFFF))) {
                pos += digits;
                if (isByte) {
                    utf8.write((int) v);
                } else {
                    append(utf8, (int) v);
                }
            } else if (strict) {
                throw new SyntaxError(at, (digits == 0 ? "unknown" : "malformed") + " escape sequence '\\" + e
                        + "' in a quoted label name");
            } else {
                append(utf8, '\\'); // kept as written, e.g. \d for the regex engine
                if (!octal) {
                    append(utf8, e);
                }
            }
        }
        throw new SyntaxError(open, "unterminated quoted " + (strict ? "label name" : "value"));
    }

    // The value of `digits` digits at pos, or -1 when they are not all digits of that radix.
    private long number(int radix, int digits) {
        if (pos + digits > in.length()) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(in.charAt(pos + i), radix);
            if (d < 0) {
                return -1;
            }
            v = v * radix + d;
        }
        return v;
    }

    private static void append(ByteArrayOutputStream utf8, int codePoint) {
        if (codePoint < 0x80) {
            utf8.write(codePoint);
            return;
        }
        utf8.writeBytes(new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8));
    }

    // Alertmanager's unquoted literal: everything up to whitespace or one of { } ! = ~ , " ' `
    private String bareName() {
        int start = pos;
        while (pos < in.length() && !isReserved(in.charAt(pos))) {
            pos++;
        }
        return in.substring(start, pos);
    }

    // The classic parser's bare value: up to the next ',' or '}', trimmed (so "a b" is one value).
    private String bareValue() {
        int start = pos;
        while (pos < in.length() && in.charAt(pos) != ',' && in.charAt(pos) != '}') {
            pos++;
        }
        return in.substring(start, pos).strip();
    }

    private static boolean isReserved(char c) {
        return Character.isWhitespace(c) || "{}!=~,\"'`".indexOf(c) >= 0;
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
