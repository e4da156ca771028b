package dev.releasepilot.rules.promql;

/** + - * / with PromQL's precedence: multiplication and division bind tighter. */
public enum ArithmeticOp {
    ADD("+", 1), SUB("-", 1), MUL("*", 2), DIV("/", 2);

    private final String symbol;
    private final int precedence;

    ArithmeticOp(String symbol, int precedence) {
        this.symbol = symbol;
        this.precedence = precedence;
    }

    public String symbol() {
        return symbol;
    }

    int precedence() {
        return precedence;
    }

    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }
}
