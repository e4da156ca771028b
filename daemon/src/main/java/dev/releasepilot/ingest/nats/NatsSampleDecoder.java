package dev.releasepilot.ingest.nats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Turns a NATS message carrying JSON samples into {@link Sample}s. A message holds one sample object
 * or an array of them:
 *
 * <pre>{"metric": "http_requests_total", "labels": {"service": "checkout"}, "value": 1.0, "timestamp_ms": 1700000000000}</pre>
 *
 * <ul>
 *   <li>{@code labels} and {@code timestamp_ms} may be left out; a sample without a timestamp takes the
 *       arrival time. Unknown keys are ignored.</li>
 *   <li>{@code value} is a JSON number; the bare {@code NaN}, {@code Infinity} and {@code -Infinity} that
 *       Python's {@code json.dumps} writes; or a string as Prometheus' HTTP API writes values:
 *       {@code "1.5"}, {@code "NaN"}, {@code "+Inf"}, {@code "-Inf"} ({@code "Inf"}, any case).</li>
 *   <li>{@code timestamp_ms} must be plausibly milliseconds since the epoch, between
 *       {@link #MIN_PLAUSIBLE_MS} (1973) and {@link #MAX_PLAUSIBLE_MS} (year 5138): seconds (1.7e9
 *       today), micro- (1.7e15) and nanoseconds (1.7e18) fall outside and are refused, never stored.</li>
 * </ul>
 *
 * <p>The message is read as a stream: each invalid sample of an array is refused with its
 * {@link NatsSampleProblem} and the valid rest are kept; when the JSON itself breaks part-way, the
 * samples read before the break are kept and the message counts as {@code truncated}.
 */
final class NatsSampleDecoder {
    /** 1973-03-03 in milliseconds; the same instant in seconds is year 5138. */
    static final long MIN_PLAUSIBLE_MS = 100_000_000_000L;
    /** Year 5138 in milliseconds; 1973 in microseconds. */
    static final long MAX_PLAUSIBLE_MS = 100_000_000_000_000L;

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** A decimal float as Prometheus' API writes it (no hex, no Java suffixes such as 1.5d). */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // NaN, Infinity, -Infinity as Python writes them
            .build();

    /** One refused sample: {@code detail} says which (its index in a batch) and why. */
    record Invalid(NatsSampleProblem problem, String detail) {
    }

    /**
     * @param samples   the valid samples of wanted metrics
     * @param unmatched valid samples dropped by the pre-filter
     * @param invalid   one entry per refused sample
     * @param truncated the JSON broke after the samples above were read: the rest of the message is lost
     */
    record Decoded(List<Sample> samples, int unmatched, List<Invalid> invalid, boolean truncated) {
    }

    private NatsSampleDecoder() {
    }

    /** @throws BadInput {@code malformed} when not one sample could be read: not JSON, or not an object or array */
    static Decoded decode(byte[] data, long arrivalMs, Predicate<String> wantsMetric) throws BadInput {
        List<Sample> samples = new ArrayList<>();
        List<Invalid> invalid = new ArrayList<>();
        int[] unmatched = {0};
        int items = 0;
        try (JsonParser p = JSON.createParser(data)) {
            JsonToken root = p.nextToken();
            if (root == JsonToken.START_OBJECT) {
                items = 1;
                item(p, -1, arrivalMs, wantsMetric, samples, invalid, unmatched);
            } else if (root == JsonToken.START_ARRAY) {
                for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                    if (t == null) {
                        throw new JsonParseException(p, "unexpected end of input inside the array");
                    }
                    item(p, items++, arrivalMs, wantsMetric, samples, invalid, unmatched);
                }
            } else {
                throw new BadInput("malformed", "message must be a JSON sample object or an array of them");
            }
            if (p.nextToken() != null) {
                return new Decoded(samples, unmatched[0], invalid, true);
            }
        } catch (IOException e) { // StreamReadException: the JSON broke
            if (items == 0 || samples.size() + invalid.size() + unmatched[0] == 0) {
                throw new BadInput("malformed", "message is not valid JSON");
            }
            return new Decoded(samples, unmatched[0], invalid, true);
        }
        return new Decoded(samples, unmatched[0], invalid, false);
    }

    // One array element (or the root object) at the parser's current token; consumes it whole.
    private static void item(JsonParser p, int index, long arrivalMs, Predicate<String> wantsMetric, List<Sample> samples,
                             List<Invalid> invalid, int[] unmatched) throws IOException {
        String at = index < 0 ? "" : "[" + index + "]: ";
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            invalid.add(new Invalid(NatsSampleProblem.NOT_AN_OBJECT, at + "a sample must be a JSON object"));
            return;
        }
        Fields f = new Fields();
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            switch (key) {
                case "metric" -> f.metric = f.string(p, v);
                case "labels" -> f.labels(p, v);
                case "value" -> f.value(p, v);
                case "timestamp_ms" -> f.timestamp(p, v);
                default -> p.skipChildren();
            }
        }
        try {
            String metric = f.metric();
            if (!wantsMetric.test(metric)) {
                unmatched[0]++;
                return;
            }
            Map<String, String> labels = f.labels();
            labels.put(Labels.METRIC_NAME, metric);
            samples.add(new Sample(Labels.of(labels), f.timestamp(arrivalMs), f.value()));
        } catch (Refused r) {
            invalid.add(new Invalid(r.problem, at + r.getMessage()));
        }
    }

    /** The fields of one sample object as read, judged in a fixed order once the object has ended. */
    private static final class Fields {
        String metric; // "" when present but not a string (an empty name is refused alike)
        Map<String, String> labels;
        String labelsProblem;
        String nameLabel; // labels.__name__, "" when not a string
        double value;
        String valueProblem = "'value' must be a number or a string holding one (\"1.5\", \"NaN\", \"+Inf\","
                + " \"-Inf\"); it is missing";
        long timestamp = Long.MIN_VALUE;
        Refused timestampProblem;

        void labels(JsonParser p, JsonToken v) throws IOException {
            if (v != JsonToken.START_OBJECT) {
                p.skipChildren();
                labelsProblem = "'labels' must be an object of strings";
                return;
            }
            labels = new HashMap<>();
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken lv = p.nextToken();
                if (name.equals(Labels.METRIC_NAME)) {
                    nameLabel = string(p, lv);
                    continue;
                }
                if (labelsProblem == null && !LABEL_NAME.matcher(name).matches()) {
                    labelsProblem = "label name must match " + LABEL_NAME.pattern();
                } else if (labelsProblem == null && lv != JsonToken.VALUE_STRING) {
                    labelsProblem = "label values must be strings";
                } else if (lv == JsonToken.VALUE_STRING) {
                    labels.put(name, p.getText());
                }
                p.skipChildren();
            }
        }

        void value(JsonParser p, JsonToken v) throws IOException {
            valueProblem = null;
            if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
                value = p.getDoubleValue(); // NaN and ±Infinity arrive here too (ALLOW_NON_NUMERIC_NUMBERS)
                return;
            }
            if (v == JsonToken.VALUE_STRING) {
                String s = p.getText().strip();
                Double d = numberString(s);
                if (d != null) {
                    value = d;
                    return;
                }
            }
            p.skipChildren();
            valueProblem = "'value' must be a number or a string holding one (\"1.5\", \"NaN\", \"+Inf\", \"-Inf\")";
        }

        void timestamp(JsonParser p, JsonToken v) throws IOException {
            long t;
            if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                t = p.getLongValue();
            } else if (v == JsonToken.VALUE_NUMBER_FLOAT && p.getDoubleValue() == Math.rint(p.getDoubleValue())
                    && Math.abs(p.getDoubleValue()) < 9e18) {
                t = (long) p.getDoubleValue();
            } else {
                p.skipChildren();
                timestampProblem = new Refused(NatsSampleProblem.INVALID_TIMESTAMP,
                        "'timestamp_ms' must be an integer (milliseconds since the epoch)");
                return;
            }
            if (t < MIN_PLAUSIBLE_MS || t >= MAX_PLAUSIBLE_MS) {
                timestampProblem = new Refused(NatsSampleProblem.TIMESTAMP_UNIT, "'timestamp_ms' " + t + " is not"
                        + " milliseconds since the epoch (seconds, micro- or nanoseconds?): it must lie between "
                        + MIN_PLAUSIBLE_MS + " (1973) and " + MAX_PLAUSIBLE_MS + " (year 5138)");
                return;
            }
            timestamp = t;
        }

        // A string value, or "" (consuming the value) when it is anything else.
        String string(JsonParser p, JsonToken v) throws IOException {
            if (v == JsonToken.VALUE_STRING) {
                return p.getText();
            }
            p.skipChildren();
            return "";
        }

        String metric() throws Refused {
            String m = metric;
            if (m == null) {
                m = nameLabel;
            } else if (nameLabel != null && !nameLabel.equals(m)) {
                throw new Refused(NatsSampleProblem.INVALID_METRIC, "'metric' and labels.__name__ disagree");
            }
            if (m == null || !METRIC_NAME.matcher(m).matches()) {
                throw new Refused(NatsSampleProblem.INVALID_METRIC, "'metric' must be a metric name matching "
                        + METRIC_NAME.pattern());
            }
            return m;
        }

        Map<String, String> labels() throws Refused {
            if (labelsProblem != null) {
                throw new Refused(NatsSampleProblem.INVALID_LABELS, labelsProblem);
            }
            return labels == null ? new HashMap<>() : labels;
        }

        long timestamp(long arrivalMs) throws Refused {
            if (timestampProblem != null) {
                throw timestampProblem;
            }
            return timestamp == Long.MIN_VALUE ? arrivalMs : timestamp;
        }

        double value() throws Refused {
            if (valueProblem != null) {
                throw new Refused(NatsSampleProblem.INVALID_VALUE, valueProblem);
            }
            return value;
        }
    }

    /** A number written as a string, as Prometheus' HTTP API writes sample values; null when it is not one. */
    static Double numberString(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "nan":
                return Double.NaN;
            case "inf", "+inf", "infinity", "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                return DECIMAL.matcher(s).matches() ? Double.parseDouble(s) : null;
        }
    }

    private static final class Refused extends Exception {
        final NatsSampleProblem problem;

        Refused(NatsSampleProblem problem, String message) {
            super(message, null, false, false);
            this.problem = problem;
        }
    }
}
