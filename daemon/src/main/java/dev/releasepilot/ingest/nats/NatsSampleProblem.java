package dev.releasepilot.ingest.nats;

import java.util.Locale;

/**
 * Why one sample of a NATS message was refused: the {@code reason} label of
 * {@code release_pilot_signals_rejected_total{source="nats"}}, except {@link #TIMESTAMP_UNIT}, which is
 * counted as {@code release_pilot_samples_dropped_total{reason="timestamp_unit"}} beside the other
 * samples refused for their time.
 */
enum NatsSampleProblem {
    /** An array element that is not a JSON object. */
    NOT_AN_OBJECT,
    /** {@code metric} missing, not a metric name, or disagreeing with {@code labels.__name__}. */
    INVALID_METRIC,
    /** {@code labels} not an object of strings keyed by label names. */
    INVALID_LABELS,
    /** {@code value} missing, or neither a number nor a string holding one. */
    INVALID_VALUE,
    /** {@code timestamp_ms} not an integer. */
    INVALID_TIMESTAMP,
    /** {@code timestamp_ms} an integer, but not plausibly milliseconds (seconds, micro- or nanoseconds). */
    TIMESTAMP_UNIT;

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
