package dev.releasepilot.window;

/** Neumaier-compensated summation, as Prometheus' kahanSumInc does for sum, avg and *_over_time. */
final class KahanSum {
    private double sum;
    private double compensation;

    void add(double inc) {
        double t = sum + inc;
        if (Double.isInfinite(t)) {
            compensation = 0;
        } else if (Math.abs(sum) >= Math.abs(inc)) {
            compensation += (sum - t) + inc;
        } else {
            compensation += (inc - t) + sum;
        }
        sum = t;
    }

    double value() {
        return sum + compensation;
    }
}
