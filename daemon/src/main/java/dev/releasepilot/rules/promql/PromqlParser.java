package dev.releasepilot.rules.promql;

import com.google.re2j.PatternSyntaxException;
import dev.releasepilot.rules.DurationParser;
import dev.releasepilot.rules.SyntaxError;
import dev.releasepilot.rules.matcher.LabelNames;
import dev.releasepilot.rules.matcher.Matcher;
import dev.releasepilot.rules.promql.PromqlLexer.Kind;
import dev.releasepilot.rules.promql.PromqlLexer.Token;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for the PromQL subset (docs/windows.md lists it). The grammar, lowest
 * precedence first:
 * <pre>
 * condition := compare ('and' [matching] compare)*   comparisons only at the top, joined by 'and'
 * compare   := sum cmp [matching] sum
 * matching  := ('on' | 'ignoring') '(' [label (',' label)*] ')'
 * sum       := product (('+' | '-') [matching] product)*
 * product   := unary (('*' | '/') [matching] unary)*
 * unary     := ('-' | '+') unary | primary
 * primary   := number | '(' sum ')' | selector | aggregation | call
 * selector  := name ['{' matchers '}'] | '{' matchers '}'    name-less: {__name__=~"x_.*"}, {"metric.name"}
 * </pre>
 * Label names may be quoted as in Prometheus 3 ({@code {"service.name"="x"}}), and a bare quoted
 * string inside the braces is the metric name. A selector without a metric name needs a matcher that
 * does not match the empty string, as in Prometheus. Expressions nest at most {@link #MAX_DEPTH}
 * levels (parentheses, operators, function and aggregation arguments), so no rule file can exhaust
 * the stack of the parser or of anything that walks the expression afterwards.
 * PromQL features outside the subset are recognised and rejected by name, so the user learns that
 * {@code offset} is unsupported rather than that a ')' was expected. Errors carry the offset of the
 * offending character; the rule loader turns it into file:line:column.
 */
public final class PromqlParser {
    private static final String SUPPORTED_FUNCTIONS = "rate, increase, avg_over_time, min_over_time, max_over_time, "
            + "sum_over_time, count_over_time, last_over_time, histogram_quantile";
    private static final String SUPPORTED_AGGREGATIONS = "sum, avg, min, max, count";
    private static final Set<String> OTHER_AGGREGATIONS = Set.of("stddev", "stdvar", "topk", "bottomk", "quantile",
            "count_values", "group", "limitk", "limit_ratio");
    private static final Set<String> OTHER_FUNCTIONS = Set.of("abs", "absent", "absent_over_time", "ceil", "changes",
            "clamp", "clamp_max", "clamp_min", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta",
            "deriv", "exp", "floor", "histogram_avg", "histogram_count", "histogram_sum", "histogram_fraction",
            "histogram_stddev", "histogram_stdvar", "holt_winters", "double_exponential_smoothing", "hour", "idelta",
            "irate", "label_join", "label_replace", "ln", "log2", "log10", "minute", "month", "predict_linear",
            "quantile_over_time", "resets", "round", "scalar", "sgn", "sort", "sort_desc", "sort_by_label",
            "sort_by_label_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "present_over_time", "time",
            "timestamp", "vector", "year", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "deg",
            "pi", "rad", "sin", "sinh", "tan", "tanh", "mad_over_time", "info", "ts_of_max_over_time",
            "ts_of_min_over_time", "ts_of_last_over_time", "first_over_time");
    /** Words that cannot stand bare as a metric name (a selector of such a metric is printed quoted). */
    static final Set<String> KEYWORDS = Set.of("by", "without", "bool", "on", "ignoring", "group_left",
            "group_right", "offset", "and", "or", "unless", "atan2");
    private static final String NAME_LABEL = "__name__";
    private static final Set<String> COMPARISONS = Set.of("==", "!=", ">", "<", ">=", "<=");

    /** Deepest nesting accepted; real rules stay below 10. */
    public static final int MAX_DEPTH = 100;

    private final PromqlLexer lexer;
    private Token tok;
    private int depth; // of the parser's recursion: parentheses, unary signs, arguments

    private PromqlParser(String text) {
        this.lexer = new PromqlLexer(text);
    }

    /**
     * Parses a whole {@code expr:} or {@code requires:}: a comparison, or comparisons joined by
     * {@code and} ({@code a > 2 * b and a > 0.005}).
     */
    public static Condition parse(String text) throws SyntaxError {
        PromqlParser p = new PromqlParser(text);
        p.advance();
        if (p.tok.is(Kind.EOF)) {
            throw new SyntaxError(0, "empty expression");
        }
        Condition first = p.comparisonAtTop();
        List<Condition.Conjunct> and = new ArrayList<>();
        while (p.tok.isIdent("and")) {
            p.advance();
            VectorMatching m = p.matching("and");
            p.rejectGrouping();
            if (p.tok.is(Kind.EOF)) {
                throw new SyntaxError(p.tok.start(), "unexpected end of expression: expected a comparison after 'and'");
            }
            and.add(new Condition.Conjunct(m, p.comparisonAtTop()));
        }
        if (!p.tok.is(Kind.EOF)) {
            throw p.unexpected("the end of the expression");
        }
        return new Condition(first.lhs(), first.op(), first.rhs(), first.matching(), and);
    }

    /**
     * Parses an expression without a comparison, such as a judge's {@code canary:} side
     * ({@code histogram_quantile(0.95, sum by (le) (rate(x_bucket[1m])))}); it must select series.
     */
    public static Expr parseExpr(String text) throws SyntaxError {
        PromqlParser p = new PromqlParser(text);
        p.advance();
        if (p.tok.is(Kind.EOF)) {
            throw new SyntaxError(0, "empty expression");
        }
        Expr e = p.sum();
        if (p.isComparison()) {
            throw new SyntaxError(p.tok.start(), "a comparison is not allowed here: this is a value, not a condition");
        }
        if (p.tok.isIdent("and")) {
            throw new SyntaxError(p.tok.start(), "'and' is not allowed here: this is a value, not a condition");
        }
        if (!p.tok.is(Kind.EOF)) {
            throw p.unexpected("an operator or the end of the expression");
        }
        if (e.isNumber()) {
            throw new SyntaxError(0, "the expression is a number: it must select series");
        }
        return e;
    }

    // One comparison at the top: sum cmp [matching] sum, followed by the end or 'and'.
    private Condition comparisonAtTop() throws SyntaxError {
        int lhsAt = tok.start();
        Expr lhs = sum();
        if (!isComparison()) {
            if (tok.is(Kind.EOF)) {
                throw new SyntaxError(tok.start(),
                        "the expression must end in a comparison such as '> 0.02' (it is a condition, not a query)");
            }
            if (tok.isIdent("and")) {
                throw new SyntaxError(tok.start(), "'and' joins whole comparisons (a > 1 and b > 2): the expression"
                        + " before it has no comparison");
            }
            throw unexpected("an operator or a comparison");
        }
        ComparisonOp op = comparison(tok.text());
        int opAt = tok.start();
        advance();
        VectorMatching m = matching("comparison");
        Expr rhs = sum();
        if (isComparison()) {
            throw new SyntaxError(tok.start(), "only one comparison is allowed per condition; join conditions with"
                    + " 'and' (a > 1 and b > 2)");
        }
        if (lhs.isNumber() && rhs.isNumber()) {
            throw new SyntaxError(lhsAt, "both sides of the comparison are numbers: one side must select series");
        }
        checkMatching(opAt, m, lhs, rhs);
        return new Condition(lhs, op, rhs, m, List.of());
    }

    private Expr sum() throws SyntaxError {
        Expr e = product();
        while (tok.isOp("+") || tok.isOp("-")) {
            ArithmeticOp op = tok.isOp("+") ? ArithmeticOp.ADD : ArithmeticOp.SUB;
            int opAt = tok.start();
            advance();
            VectorMatching m = matching("operator");
            int at = tok.start();
            e = arithmetic(at, opAt, op, m, e, product());
        }
        return e;
    }

    private Expr product() throws SyntaxError {
        Expr e = unary();
        while (true) {
            rejectUnsupportedOperator();
            if (!tok.isOp("*") && !tok.isOp("/")) {
                return e;
            }
            ArithmeticOp op = tok.isOp("*") ? ArithmeticOp.MUL : ArithmeticOp.DIV;
            int opAt = tok.start();
            advance();
            VectorMatching m = matching("operator");
            int at = tok.start();
            e = arithmetic(at, opAt, op, m, e, unary());
        }
    }

    private Expr unary() throws SyntaxError {
        if (tok.isOp("-") || tok.isOp("+")) {
            boolean negate = tok.isOp("-");
            enter(tok);
            advance();
            Expr e = unary();
            depth--;
            if (!negate) {
                return e;
            }
            // PromQL's unary minus on a vector negates each element and drops the metric name: 0 - v does both.
            return e instanceof NumberLiteral n ? new NumberLiteral(-n.value()) : new Arithmetic(ArithmeticOp.SUB,
                    new NumberLiteral(0), e); // one level deeper than e, counted by the enter() above
        }
        Expr e = primary();
        rejectSelectorModifiers(e);
        return e;
    }

    private Expr primary() throws SyntaxError {
        Token t = tok;
        switch (t.kind()) {
            case NUMBER:
                advance();
                return new NumberLiteral(t.number());
            case LPAREN: {
                enter(t);
                advance();
                Expr e = sum();
                depth--;
                if (isComparison()) {
                    throw new SyntaxError(tok.start(), "comparisons are only allowed at the top of the expression, not"
                            + " inside parentheses (write a > 1 and b > 2: 'and' binds looser than comparisons)");
                }
                if (tok.isIdent("and")) {
                    throw andNested();
                }
                expect(Kind.RPAREN, "')' to close the '(' at offset " + t.start());
                return e;
            }
            case LBRACE:
                return selector(null);
            case STRING:
                throw new SyntaxError(t.start(), "a string is not an expression; strings only appear as label values");
            case IDENT:
                return identifier(t);
            case EOF:
                throw new SyntaxError(t.start(), "unexpected end of expression: expected a metric, a number or '('");
            default:
                throw unexpected("a metric, a number or '('");
        }
    }

    private Expr identifier(Token t) throws SyntaxError {
        String name = t.text();
        if (name.equalsIgnoreCase("inf") || name.equalsIgnoreCase("nan")) {
            advance();
            return new NumberLiteral(name.equalsIgnoreCase("inf") ? Double.POSITIVE_INFINITY : Double.NaN);
        }
        if (KEYWORDS.contains(name)) {
            throw keyword(t);
        }
        advance();
        boolean grouping = tok.isIdent("by") || tok.isIdent("without");
        AggregationOp agg = AggregationOp.named(name);
        if (agg != null && (tok.is(Kind.LPAREN) || grouping)) {
            return aggregation(agg, t);
        }
        if (OTHER_AGGREGATIONS.contains(name) && (tok.is(Kind.LPAREN) || grouping)) {
            throw new SyntaxError(t.start(), "aggregation '" + name + "' is not supported (supported: "
                    + SUPPORTED_AGGREGATIONS + ")");
        }
        if (tok.is(Kind.LPAREN)) {
            return call(t);
        }
        return selector(t);
    }

    private Expr aggregation(AggregationOp op, Token at) throws SyntaxError {
        List<String> by = grouping(null);
        enter(tok);
        expect(Kind.LPAREN, "'(' after " + op.promqlName());
        Expr arg = sum();
        depth--;
        if (isComparison()) {
            throw new SyntaxError(tok.start(), "a comparison is only allowed once, at the top of the expression");
        }
        if (tok.is(Kind.COMMA)) {
            throw new SyntaxError(tok.start(), op.promqlName() + "() takes exactly one argument");
        }
        expect(Kind.RPAREN, "')' to close " + op.promqlName() + "(");
        by = grouping(by);
        if (arg.isNumber()) {
            throw new SyntaxError(at.start(), op.promqlName() + "() needs series to aggregate, not a number");
        }
        return new Aggregation(op, by == null ? List.of() : by, arg);
    }

    /** An optional {@code by (a, b)} clause; {@code earlier} is the one already read before the argument. */
    private List<String> grouping(List<String> earlier) throws SyntaxError {
        if (tok.isIdent("without")) {
            throw new SyntaxError(tok.start(), "'without' is not supported: name the labels to keep with 'by (...)'");
        }
        if (!tok.isIdent("by")) {
            return earlier;
        }
        if (earlier != null) {
            throw new SyntaxError(tok.start(), "'by' is given twice");
        }
        advance();
        expect(Kind.LPAREN, "'(' and a list of label names after 'by'");
        List<String> labels = new ArrayList<>();
        while (!tok.is(Kind.RPAREN)) {
            labels.add(labelName());
            if (tok.is(Kind.COMMA)) {
                advance();
            } else if (!tok.is(Kind.RPAREN)) {
                throw unexpected("',' or ')'");
            }
        }
        advance();
        return labels;
    }

    private Expr call(Token name) throws SyntaxError {
        String fn = name.text();
        RangeFunction range = RangeFunction.named(fn);
        if (range != null) {
            advance(); // (
            return rangeCall(range, name);
        }
        if (fn.equals("histogram_quantile")) {
            advance(); // (
            return histogramQuantile();
        }
        if (OTHER_FUNCTIONS.contains(fn)) {
            throw new SyntaxError(name.start(), "function '" + fn + "' is not supported (supported: "
                    + SUPPORTED_FUNCTIONS + ")");
        }
        throw new SyntaxError(name.start(), "unknown function '" + fn + "' (supported: " + SUPPORTED_FUNCTIONS + ")");
    }

    private Expr rangeCall(RangeFunction fn, Token name) throws SyntaxError {
        String f = fn.promqlName();
        Token metric = null;
        if (!tok.is(Kind.LBRACE)) {
            if (!tok.is(Kind.IDENT) || KEYWORDS.contains(tok.text())) {
                throw new SyntaxError(tok.start(), f + "() needs a range selector such as http_requests_total[1m]");
            }
            metric = tok;
            advance();
            if (tok.is(Kind.LPAREN)) {
                throw new SyntaxError(metric.start(), f + "() needs a range selector such as http_requests_total[1m], not"
                        + " a function call (subqueries are not supported)");
            }
        }
        VectorSelector sel = selector(metric);
        if (tok.isIdent("offset") || tok.is(Kind.AT)) {
            rejectSelectorModifiers(sel);
        }
        if (!tok.is(Kind.LBRACKET)) {
            throw new SyntaxError(tok.start(), f + "() needs a range after the selector, e.g. " + sel + "[1m]");
        }
        Duration range = rangeDuration();
        rejectSelectorModifiers(null);
        if (tok.is(Kind.COMMA)) {
            throw new SyntaxError(tok.start(), f + "() takes exactly one argument");
        }
        expect(Kind.RPAREN, "')' to close " + f + "(");
        return new RangeFunctionCall(fn, sel, range);
    }

    // Reads the raw text of "[1m]" after the '[' token: durations are not tokens of their own.
    private Duration rangeDuration() throws SyntaxError {
        String in = lexer.text();
        int at = lexer.position();
        while (at < in.length() && Character.isWhitespace(in.charAt(at))) {
            at++;
        }
        int start = at;
        while (at < in.length() && Character.isLetterOrDigit(in.charAt(at))) {
            at++;
        }
        if (start == at) {
            throw new SyntaxError(start, "expected a duration such as 1m inside [ ]");
        }
        Duration d;
        try {
            d = DurationParser.parse(in.substring(start, at));
        } catch (SyntaxError e) {
            throw new SyntaxError(start + e.offset(), "range " + e.getMessage());
        }
        if (d.isZero()) {
            throw new SyntaxError(start, "a range must be longer than zero");
        }
        while (at < in.length() && Character.isWhitespace(in.charAt(at))) {
            at++;
        }
        if (at < in.length() && in.charAt(at) == ':') {
            throw new SyntaxError(at, "subqueries ([range:step]) are not supported");
        }
        lexer.reset(at);
        advance();
        expect(Kind.RBRACKET, "']' to close the range");
        return d;
    }

    private Expr histogramQuantile() throws SyntaxError {
        Token phiAt = tok;
        boolean negative = false;
        if (tok.isOp("-")) {
            negative = true;
            advance();
        }
        if (!tok.is(Kind.NUMBER)) {
            throw new SyntaxError(phiAt.start(), "histogram_quantile's first argument must be a number such as 0.95");
        }
        double phi = negative ? -tok.number() : tok.number();
        if (!(phi >= 0 && phi <= 1)) {
            throw new SyntaxError(phiAt.start(), "the quantile must be between 0 and 1, got " + (negative ? "-" : "")
                    + tok.text());
        }
        advance();
        expect(Kind.COMMA, "',' and the bucket series after the quantile");
        Token argAt = tok;
        enter(argAt);
        Expr buckets = sum();
        depth--;
        if (isComparison()) {
            throw new SyntaxError(tok.start(), "a comparison is only allowed once, at the top of the expression");
        }
        if (tok.is(Kind.COMMA)) {
            throw new SyntaxError(tok.start(), "histogram_quantile() takes exactly two arguments");
        }
        expect(Kind.RPAREN, "')' to close histogram_quantile(");
        if (buckets.isNumber()) {
            throw new SyntaxError(argAt.start(), "histogram_quantile() needs bucket series (with an 'le' label), not a number");
        }
        return new HistogramQuantile(phi, buckets);
    }

    /** {@code metric} is the name token before the braces, or null when the selector starts at '{'. */
    private VectorSelector selector(Token metric) throws SyntaxError {
        int at = metric != null ? metric.start() : tok.start();
        String name = metric == null ? null : metric.text();
        List<Matcher> matchers = new ArrayList<>();
        if (tok.is(Kind.LBRACE)) {
            advance();
            while (!tok.is(Kind.RBRACE)) {
                Token start = tok;
                Matcher m = matcher();
                // The name is set once, whichever way and in whichever order: a bare string or __name__="x"
                // after a __name__ matcher is the same conflict as one before it (the printed form puts
                // the name first, so both orders must be refused alike).
                Matcher nameMatcher = matchers.stream().filter(x -> x.name().equals(NAME_LABEL)).findFirst().orElse(null);
                if (m == null) { // a bare quoted string: the metric name, as in {"metric.name"}
                    if (nameMatcher != null) {
                        throw twice(nameMatcher.value(), start.text(), start);
                    }
                    name = metricName(name, start.text(), start);
                } else if (m.name().equals(NAME_LABEL) && name != null) {
                    throw twice(name, m.value(), start);
                } else if (m.name().equals(NAME_LABEL) && m.op() == Matcher.Op.EQ && nameMatcher != null) {
                    throw twice(nameMatcher.value(), m.value(), start);
                } else if (m.name().equals(NAME_LABEL) && m.op() == Matcher.Op.EQ) {
                    name = m.value(); // {__name__="x"} is x, as in Prometheus
                } else {
                    matchers.add(m);
                }
                if (tok.is(Kind.COMMA)) {
                    advance();
                } else if (!tok.is(Kind.RBRACE)) {
                    throw unexpected("',' or '}'");
                }
            }
            advance();
        }
        if (name == null && matchers.stream().allMatch(Matcher::matchesEmpty)) {
            throw new SyntaxError(at, "a selector without a metric name needs at least one matcher that does not match"
                    + " the empty string, e.g. {job=\"api\"} or {__name__=~\"http_.*\"}");
        }
        if (name != null && name.isEmpty()) {
            throw new SyntaxError(at, "the metric name must not be empty");
        }
        return new VectorSelector(name, matchers);
    }

    private SyntaxError twice(String first, String second, Token at) {
        return new SyntaxError(at.start(), "the metric name is given twice (\"" + first + "\" and \"" + second
                + "\"): name it either before the braces or inside them");
    }

    private String metricName(String earlier, String name, Token at) throws SyntaxError {
        if (earlier != null) {
            throw twice(earlier, name, at);
        }
        return name;
    }

    /** One label matcher, or null for a lone quoted string (a metric name inside the braces). */
    private Matcher matcher() throws SyntaxError {
        Token label = tok;
        String name = labelName();
        if (label.is(Kind.STRING) && (tok.is(Kind.COMMA) || tok.is(Kind.RBRACE))) {
            return null;
        }
        Matcher.Op op;
        if (tok.isOp("=")) {
            op = Matcher.Op.EQ;
        } else if (tok.isOp("!=")) {
            op = Matcher.Op.NEQ;
        } else if (tok.isOp("=~")) {
            op = Matcher.Op.RE;
        } else if (tok.isOp("!~")) {
            op = Matcher.Op.NRE;
        } else {
            throw unexpected("one of =, !=, =~, !~ after label '" + name + "'");
        }
        advance();
        if (!tok.is(Kind.STRING)) {
            throw unexpected("a quoted label value");
        }
        Token value = tok;
        advance();
        try {
            return Matcher.of(name, op, value.text());
        } catch (PatternSyntaxException e) {
            throw new SyntaxError(value.start(), "invalid regex for " + LabelNames.format(name)
                    + " (RE2 syntax: no backreferences or lookaround): " + e.getDescription());
        }
    }

    /** A label name: classic ({@code job}) or quoted as in Prometheus 3 ({@code "service.name"}). */
    private String labelName() throws SyntaxError {
        Token t = tok;
        boolean classic = t.is(Kind.IDENT) && t.text().indexOf(':') < 0;
        if (!classic && !t.is(Kind.STRING)) {
            throw unexpected("a label name");
        }
        if (t.text().isEmpty()) {
            throw new SyntaxError(t.start(), "a label name must not be empty");
        }
        advance();
        return t.text();
    }

    // After a selector or a parenthesised expression: PromQL modifiers the subset leaves out.
    private void rejectSelectorModifiers(Expr e) throws SyntaxError {
        if (tok.isIdent("offset")) {
            throw new SyntaxError(tok.start(), "the 'offset' modifier is not supported: windows end at the evaluation time");
        }
        if (tok.is(Kind.AT)) {
            throw new SyntaxError(tok.start(), "the '@' modifier is not supported: windows end at the evaluation time");
        }
        if (tok.is(Kind.LBRACKET)) {
            if (e instanceof VectorSelector) {
                throw new SyntaxError(tok.start(), "a range selector such as [1m] is only allowed inside rate(), increase()"
                        + " or the *_over_time() functions");
            }
            throw new SyntaxError(tok.start(), "subqueries ([range:step]) are not supported");
        }
    }

    private void rejectUnsupportedOperator() throws SyntaxError {
        if (tok.isOp("%") || tok.isOp("^")) {
            throw new SyntaxError(tok.start(), "operator '" + tok.text() + "' is not supported (supported: + - * /)");
        }
        if (tok.isIdent("atan2")) {
            throw new SyntaxError(tok.start(), "operator 'atan2' is not supported (supported: + - * /)");
        }
        if (tok.isIdent("and") && depth > 0) {
            throw andNested();
        }
        if (tok.isIdent("or") || tok.isIdent("unless")) {
            throw new SyntaxError(tok.start(), "set operator '" + tok.text() + "' is not supported (only 'and', between"
                    + " comparisons)");
        }
    }

    private SyntaxError andNested() {
        return new SyntaxError(tok.start(), "'and' joins whole comparisons at the top of the expression (a > 1 and"
                + " b > 2), not inside parentheses or function arguments");
    }

    /**
     * Right after a binary operator: an optional {@code on (...)} or {@code ignoring (...)}; the
     * {@code bool} modifier and many-to-one matching are outside the subset.
     */
    private VectorMatching matching(String after) throws SyntaxError {
        if (tok.isIdent("bool")) {
            throw new SyntaxError(tok.start(), "the 'bool' modifier is not supported: a condition filters, it does not"
                    + " return 0 or 1");
        }
        rejectGrouping();
        if (!tok.isIdent("on") && !tok.isIdent("ignoring")) {
            return VectorMatching.DEFAULT;
        }
        boolean on = tok.isIdent("on");
        String word = tok.text();
        advance();
        expect(Kind.LPAREN, "'(' and a list of label names after '" + word + "' (after an " + after + ")");
        List<String> labels = new ArrayList<>();
        while (!tok.is(Kind.RPAREN)) {
            int at = tok.start();
            String l = labelName();
            if (labels.contains(l)) {
                throw new SyntaxError(at, "label '" + l + "' is listed twice in " + word + "()");
            }
            labels.add(l);
            if (tok.is(Kind.COMMA)) {
                advance();
            } else if (!tok.is(Kind.RPAREN)) {
                throw unexpected("',' or ')'");
            }
        }
        advance();
        rejectGrouping();
        if (tok.isIdent("on") || tok.isIdent("ignoring")) {
            throw new SyntaxError(tok.start(), "'" + tok.text() + "' is given twice for one operator");
        }
        return new VectorMatching(on, labels);
    }

    private void rejectGrouping() throws SyntaxError {
        if (tok.isIdent("group_left") || tok.isIdent("group_right")) {
            throw new SyntaxError(tok.start(), tok.text() + " is not supported: only one-to-one matching is");
        }
    }

    // PromQL allows on()/ignoring() only between two vectors.
    private static void checkMatching(int at, VectorMatching m, Expr lhs, Expr rhs) throws SyntaxError {
        if (!m.equals(VectorMatching.DEFAULT) && (lhs.isNumber() || rhs.isNumber())) {
            throw new SyntaxError(at, "vector matching (" + m.toString().strip() + ") is only allowed between two"
                    + " vectors, and one side here is a number");
        }
    }

    private SyntaxError keyword(Token t) {
        return switch (t.text()) {
            case "by" -> new SyntaxError(t.start(), "'by' must follow an aggregation such as sum");
            case "without" -> new SyntaxError(t.start(), "'without' is not supported: name the labels to keep with 'by (...)'");
            case "offset" -> new SyntaxError(t.start(), "the 'offset' modifier is not supported: windows end at the"
                    + " evaluation time");
            case "and" -> new SyntaxError(t.start(), "'and' must join two comparisons (a > 1 and b > 2)");
            case "or", "unless" -> new SyntaxError(t.start(), "set operator '" + t.text() + "' is not supported (only"
                    + " 'and', between comparisons)");
            default -> new SyntaxError(t.start(), "unexpected keyword '" + t.text() + "'");
        };
    }

    // Entering one more level of nesting at token t: parentheses, a unary sign, a function or aggregation argument.
    private void enter(Token t) throws SyntaxError {
        if (++depth > MAX_DEPTH) {
            throw tooDeep(t.start());
        }
    }

    // A binary operation, refused when the tree it makes would nest deeper than MAX_DEPTH (a long chain
    // such as 1 + 1 + ... + x nests one level per operator although the parser does not recurse).
    private Expr arithmetic(int at, int opAt, ArithmeticOp op, VectorMatching m, Expr lhs, Expr rhs) throws SyntaxError {
        checkMatching(opAt, m, lhs, rhs);
        Arithmetic a = new Arithmetic(op, lhs, rhs, m);
        if (Math.max(height(lhs), height(rhs)) + 1 + depth > MAX_DEPTH) {
            throw tooDeep(at);
        }
        return a;
    }

    // The height of an expression tree that is at most MAX_DEPTH high (so the recursion is bounded).
    private static int height(Expr e) {
        if (e instanceof HistogramQuantile h) {
            return 1 + height(h.buckets());
        }
        if (e instanceof Aggregation a) {
            return 1 + height(a.argument());
        }
        if (e instanceof Arithmetic a) {
            return 1 + Math.max(height(a.lhs()), height(a.rhs()));
        }
        return e instanceof RangeFunctionCall ? 1 : 0;
    }

    private static SyntaxError tooDeep(int at) {
        return new SyntaxError(at, "the expression nests deeper than " + MAX_DEPTH + " levels");
    }

    private boolean isComparison() {
        return tok.is(Kind.OP) && COMPARISONS.contains(tok.text());
    }

    private static ComparisonOp comparison(String symbol) {
        for (ComparisonOp op : ComparisonOp.values()) {
            if (op.symbol().equals(symbol)) {
                return op;
            }
        }
        throw new IllegalStateException(symbol);
    }

    private void expect(Kind kind, String what) throws SyntaxError {
        if (!tok.is(kind)) {
            throw unexpected(what);
        }
        advance();
    }

    private SyntaxError unexpected(String expected) {
        if (tok.is(Kind.OP) && tok.text().equals("=")) {
            return new SyntaxError(tok.start(), "unexpected '=': expected " + expected + " (use == to compare)");
        }
        return new SyntaxError(tok.start(), "unexpected " + tok.describe() + ": expected " + expected);
    }

    private void advance() throws SyntaxError {
        tok = lexer.next();
    }
}
