package dev.releasepilot.window;

import java.util.List;

/** What an expression evaluates to: a plain number, or an instant vector (empty means no data). */
public sealed interface Value permits Value.Scalar, Value.InstantVector {

    /** True when nothing can be said: an empty vector, or a NaN number. */
    boolean isNoData();

    record Scalar(double value) implements Value {
        @Override
        public boolean isNoData() {
            return Double.isNaN(value);
        }
    }

    /** One element per series or per {@code by} group; a single element with no labels for plain sum(...). */
    record InstantVector(List<Element> elements) implements Value {
        public InstantVector {
            elements = List.copyOf(elements);
        }

        @Override
        public boolean isNoData() {
            return elements.stream().allMatch(e -> Double.isNaN(e.value()));
        }
    }
}
