package dev.releasepilot.rules.promql;

/**
 * {@code lhs op rhs}. Between two vectors, elements pair up one-to-one as {@code matching} says (by
 * default on their labels without the metric name, PromQL's default); with a number on one side it
 * applies to every element.
 */
public record Arithmetic(ArithmeticOp op, Expr lhs, Expr rhs, VectorMatching matching) implements Expr {
    public Arithmetic(ArithmeticOp op, Expr lhs, Expr rhs) {
        this(op, lhs, rhs, VectorMatching.DEFAULT);
    }
    @Override
    public boolean isNumber() {
        return lhs.isNumber() && rhs.isNumber();
    }

    @Override
    public String toString() {
        return operand(lhs, false) + " " + op.symbol() + matching + " " + operand(rhs, true);
    }

    // Parenthesise only where precedence or left-associativity requires it, so the output re-parses alike.
    private String operand(Expr e, boolean right) {
        if (e instanceof Arithmetic a
                && (a.op.precedence() < op.precedence() || (right && a.op.precedence() == op.precedence()))) {
            return "(" + e + ")";
        }
        return e.toString();
    }
}
