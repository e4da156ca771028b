package dev.releasepilot.rules.promql;

/**
 * {@code histogram_quantile(0.95, buckets)} over classic histogram buckets (series with an {@code le}
 * label). φ is a literal number, as it always is in practice.
 */
public record HistogramQuantile(double phi, Expr buckets) implements Expr {
    @Override
    public String toString() {
        return "histogram_quantile(" + new NumberLiteral(phi) + ", " + buckets + ")";
    }
}
