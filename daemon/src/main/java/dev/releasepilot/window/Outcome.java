package dev.releasepilot.window;

/**
 * What a comparison says at one instant. NO_DATA (nothing selected, too few samples, NaN, or a
 * failed {@code requires} guard) is neither healthy nor failing: a separate answer, never a default.
 */
public enum Outcome {
    TRUE, FALSE, NO_DATA
}
