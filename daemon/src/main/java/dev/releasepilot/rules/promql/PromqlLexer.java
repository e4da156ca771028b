package dev.releasepilot.rules.promql;


import dev.releasepilot.rules.SyntaxError;
/**
 * Splits PromQL text into tokens on demand. The parser keeps one token of lookahead and can read raw
 * characters after it (for the duration inside {@code [1m]}); every token carries its start offset
 * so each error points at the character that caused it.
 */
final class PromqlLexer {
    enum Kind { IDENT, NUMBER, STRING, LPAREN, RPAREN, LBRACE, RBRACE, LBRACKET, RBRACKET, COMMA, COLON, AT, OP, EOF }

    /** {@code text} is the identifier, the operator, or a string's unescaped value. */
    record Token(Kind kind, int start, String text, double number) {
        boolean is(Kind k) {
            return kind == k;
        }

        boolean isOp(String op) {
            return kind == Kind.OP && text.equals(op);
        }

        boolean isIdent(String name) {
            return kind == Kind.IDENT && text.equals(name);
        }

        String describe() {
            return switch (kind) {
                case EOF -> "end of expression";
                case STRING -> "string \"" + text + "\"";
                case NUMBER -> "number " + text;
                default -> "'" + text + "'";
            };
        }
    }

    private final String in;
    private int pos;

    PromqlLexer(String in) {
        this.in = in;
    }

    /** The offset just after the last token read: where raw reading continues. */
    int position() {
        return pos;
    }

    void reset(int position) {
        pos = position;
    }

    String text() {
        return in;
    }

    Token next() throws SyntaxError {
        skipSpaceAndComments();
        if (pos >= in.length()) {
            return new Token(Kind.EOF, in.length(), "", 0);
        }
        int start = pos;
        char c = in.charAt(pos);
        if (isDigit(c) || (c == '.' && pos + 1 < in.length() && isDigit(in.charAt(pos + 1)))) {
            return number(start);
        }
        if (isIdentStart(c)) {
            while (pos < in.length() && isIdentPart(in.charAt(pos))) {
                pos++;
            }
            return new Token(Kind.IDENT, start, in.substring(start, pos), 0);
        }
        if (c == '"' || c == '\'' || c == '`') {
            return string(start, c);
        }
        pos++;
        switch (c) {
            case '(':
                return simple(Kind.LPAREN, start, "(");
            case ')':
                return simple(Kind.RPAREN, start, ")");
            case '{':
                return simple(Kind.LBRACE, start, "{");
            case '}':
                return simple(Kind.RBRACE, start, "}");
            case '[':
                return simple(Kind.LBRACKET, start, "[");
            case ']':
                return simple(Kind.RBRACKET, start, "]");
            case ',':
                return simple(Kind.COMMA, start, ",");
            case ':':
                return simple(Kind.COLON, start, ":");
            case '@':
                return simple(Kind.AT, start, "@");
            case '+': case '-': case '*': case '/': case '%': case '^':
                return simple(Kind.OP, start, String.valueOf(c));
            case '=':
                return op(start, "=", '=', "==", '~', "=~");
            case '!':
                if (pos < in.length() && (in.charAt(pos) == '=' || in.charAt(pos) == '~')) {
                    return op(start, "!", '=', "!=", '~', "!~");
                }
                throw new SyntaxError(start, "unexpected '!' (did you mean != or !~?)");
            case '>':
                return op(start, ">", '=', ">=", '\0', null);
            case '<':
                return op(start, "<", '=', "<=", '\0', null);
            default:
                throw new SyntaxError(start, "unexpected character '" + c + "'");
        }
    }

    private Token simple(Kind k, int start, String text) {
        return new Token(k, start, text, 0);
    }

    // One- or two-character operator: `single` alone, or the two-character form when followed by a or b.
    private Token op(int start, String single, char a, String withA, char b, String withB) {
        if (pos < in.length() && in.charAt(pos) == a) {
            pos++;
            return simple(Kind.OP, start, withA);
        }
        if (withB != null && pos < in.length() && in.charAt(pos) == b) {
            pos++;
            return simple(Kind.OP, start, withB);
        }
        return simple(Kind.OP, start, single);
    }

    private Token number(int start) throws SyntaxError {
        if (in.startsWith("0x", pos) || in.startsWith("0X", pos)) {
            pos += 2;
            int digits = pos;
            while (pos < in.length() && hexValue(in.charAt(pos)) >= 0) {
                pos++;
            }
            if (digits == pos) {
                throw new SyntaxError(start, "malformed hexadecimal number");
            }
            rejectTrailingLetters(start);
            // As a float, like Go's ParseFloat: a hex literal past 2^63 is a large number, not an error.
            return new Token(Kind.NUMBER, start, in.substring(start, pos),
                    new java.math.BigInteger(in.substring(digits, pos), 16).doubleValue());
        }
        while (pos < in.length() && isDigit(in.charAt(pos))) {
            pos++;
        }
        if (pos < in.length() && in.charAt(pos) == '.') {
            pos++;
            while (pos < in.length() && isDigit(in.charAt(pos))) {
                pos++;
            }
        }
        if (pos < in.length() && (in.charAt(pos) == 'e' || in.charAt(pos) == 'E')) {
            int mark = pos++;
            if (pos < in.length() && (in.charAt(pos) == '+' || in.charAt(pos) == '-')) {
                pos++;
            }
            int digits = pos;
            while (pos < in.length() && isDigit(in.charAt(pos))) {
                pos++;
            }
            if (digits == pos) {
                pos = mark; // "2e" is not an exponent; let the trailing-letter check report it
            }
        }
        rejectTrailingLetters(start);
        String text = in.substring(start, pos);
        return new Token(Kind.NUMBER, start, text, Double.parseDouble(text));
    }

    private void rejectTrailingLetters(int start) throws SyntaxError {
        if (pos < in.length() && isIdentPart(in.charAt(pos))) {
            int end = pos;
            while (end < in.length() && isIdentPart(in.charAt(end))) {
                end++;
            }
            throw new SyntaxError(start, "'" + in.substring(start, end) + "' is not a number"
                    + " (durations such as 5m are only allowed inside a range selector [5m])");
        }
    }

    // PromQL strings: "..." and '...' with Go escapes, `...` raw. Unknown escapes are errors, as in PromQL.
    private Token string(int start, char quote) throws SyntaxError {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < in.length()) {
            char c = in.charAt(pos++);
            if (c == quote) {
                return new Token(Kind.STRING, start, sb.toString(), 0);
            }
            if (c == '\\' && quote != '`') {
                escape(sb, quote);
            } else if (c == '\n' && quote != '`') {
                break;
            } else {
                sb.append(c);
            }
        }
        throw new SyntaxError(start, "unterminated string");
    }

    private void escape(StringBuilder sb, char quote) throws SyntaxError {
        int at = pos - 1;
        if (pos >= in.length()) {
            throw new SyntaxError(at, "unterminated string");
        }
        char e = in.charAt(pos++);
        switch (e) {
            case 'a' -> sb.append('\u0007');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'v' -> sb.append('\u000b');
            case '\\' -> sb.append('\\');
            case 'x' -> sb.appendCodePoint(hex(at, 2));
            case 'u' -> sb.appendCodePoint(hex(at, 4));
            case 'U' -> sb.appendCodePoint(hex(at, 8));
            default -> {
                if (e == quote) {
                    sb.append(e);
                } else if (e >= '0' && e <= '7') {
                    pos--;
                    sb.appendCodePoint(octal(at));
                } else {
                    throw new SyntaxError(at, "unknown escape sequence '\\" + e + "' in a string: write '\\\\" + e
                            + "' for a regex escape, or use a `raw string`");
                }
            }
        }
    }

    private int hex(int at, int digits) throws SyntaxError {
        if (pos + digits > in.length()) {
            throw new SyntaxError(at, "incomplete escape sequence");
        }
        long v = 0;
        for (int i = pos; i < pos + digits; i++) {
            int d = hexValue(in.charAt(i));
            if (d < 0) {
                throw new SyntaxError(at, "malformed escape sequence");
            }
            v = v * 16 + d;
        }
        if (!Character.isValidCodePoint((int) Math.min(v, Integer.MAX_VALUE)) || (v >= 0xD800 && v <= 0xDFFF)) {
            throw new SyntaxError(at, "escape sequence is not a valid Unicode code point");
        }
        pos += digits;
        return (int) v;
    }

    private int octal(int at) throws SyntaxError {
        if (pos + 3 > in.length()) {
            throw new SyntaxError(at, "incomplete octal escape sequence");
        }
        int v = 0;
        for (int i = 0; i < 3; i++) {
            char d = in.charAt(pos++);
            if (d < '0' || d > '7') {
                throw new SyntaxError(at, "malformed octal escape sequence");
            }
            v = v * 8 + (d - '0');
        }
        if (v > 255) {
            throw new SyntaxError(at, "octal escape value above 255");
        }
        return v;
    }

    // ASCII only, as Go's lexer: Character.isDigit and Character.digit also take other scripts' digits,
    // which Double.parseDouble then refuses.
    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private void skipSpaceAndComments() {
        while (pos < in.length()) {
            char c = in.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '#') {
                while (pos < in.length() && in.charAt(pos) != '\n') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    }

    static boolean isIdentPart(char c) {
        return isIdentStart(c) || (c >= '0' && c <= '9');
    }
}
