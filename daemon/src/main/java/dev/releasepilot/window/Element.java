package dev.releasepilot.window;

/** One element of an instant vector: a label set and its value at the evaluation time. */
public record Element(Labels labels, double value) {
}
