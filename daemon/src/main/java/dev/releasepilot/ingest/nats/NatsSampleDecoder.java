package dev.releasepilot.ingest.nats;


import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Turns a NATS message carrying JSON samples into {@link Sample}s. A message holds one sample object
 * or an array of them:
 *
 * <pre>{"metric": "http_requests_total", "labels": {"service": "checkout"}, "value": 1.0, "timestamp_ms": 1700000000000}</pre>
 *
 * <p>{@code labels} and {@code timestamp_ms} may be left out; a sample without a timestamp takes the
 * arrival time. {@code value} is a JSON number or one of the strings {@code "NaN"}, {@code "+Inf"},
 * {@code "-Inf"} (as Prometheus' JSON API writes them). Unknown keys are ignored. Invalid samples in
 * an array are reported one by one and the valid rest are kept.
 */
final class NatsSampleDecoder {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /**
     * @param samples   the valid samples of wanted metrics
     * @param unmatched valid samples dropped by the pre-filter
     * @param invalid   one description per rejected sample
     */
    record Decoded(List<Sample> samples, int unmatched, List<String> invalid) {
    }

    private NatsSampleDecoder() {
    }

    static Decoded decode(byte[] data, long arrivalMs, Predicate<String> wantsMetric) throws BadInput {
        Object root;
        try {
            root = Json.decodeValue(Buffer.buffer(data));
        } catch (DecodeException e) {
            throw new BadInput("malformed", "message is not valid JSON");
        }
        List<Object> items = new ArrayList<>();
        if (root instanceof JsonObject) {
            items.add(root);
        } else if (root instanceof JsonArray a) {
            a.forEach(items::add);
        } else {
            throw new BadInput("malformed", "message must be a JSON sample object or an array of them");
        }
        List<Sample> samples = new ArrayList<>(items.size());
        List<String> invalid = new ArrayList<>();
        int unmatched = 0;
        for (int i = 0; i < items.size(); i++) {
            try {
                JsonObject o = object(items.get(i));
                String metric = metric(o);
                if (!wantsMetric.test(metric)) {
                    unmatched++;
                    continue;
                }
                samples.add(new Sample(labels(o, metric), timestamp(o, arrivalMs), value(o)));
            } catch (IllegalArgumentException e) {
                invalid.add((items.size() > 1 ? "[" + i + "]: " : "") + e.getMessage());
            }
        }
        return new Decoded(samples, unmatched, invalid);
    }

    private static JsonObject object(Object item) {
        if (item instanceof JsonObject o) {
            return o;
        }
        throw new IllegalArgumentException("a sample must be a JSON object");
    }

    private static String metric(JsonObject o) {
        Object m = o.getValue("metric");
        Object fromLabels = o.getValue("labels") instanceof JsonObject l ? l.getValue(Labels.METRIC_NAME) : null;
        if (m == null) {
            m = fromLabels;
        } else if (fromLabels != null && !fromLabels.equals(m)) {
            throw new IllegalArgumentException("'metric' and labels.__name__ disagree");
        }
        if (!(m instanceof String name) || !METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'metric' must be a metric name matching " + METRIC_NAME.pattern());
        }
        return name;
    }

    private static Labels labels(JsonObject o, String metric) {
        Object raw = o.getValue("labels");
        Map<String, String> labels = new HashMap<>();
        if (raw != null) {
            if (!(raw instanceof JsonObject l)) {
                throw new IllegalArgumentException("'labels' must be an object of strings");
            }
            for (Map.Entry<String, Object> e : l) {
                if (!LABEL_NAME.matcher(e.getKey()).matches()) {
                    throw new IllegalArgumentException("label name must match " + LABEL_NAME.pattern());
                }
                if (!(e.getValue() instanceof String v)) {
                    throw new IllegalArgumentException("label values must be strings");
                }
                labels.put(e.getKey(), v);
            }
        }
        labels.put(Labels.METRIC_NAME, metric);
        return Labels.of(labels);
    }

    private static long timestamp(JsonObject o, long arrivalMs) {
        Object t = o.getValue("timestamp_ms");
        if (t == null) {
            return arrivalMs;
        }
        if (t instanceof Integer || t instanceof Long) {
            return ((Number) t).longValue();
        }
        if (t instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 9e18) {
            return n.longValue();
        }
        throw new IllegalArgumentException("'timestamp_ms' must be an integer (milliseconds since the epoch)");
    }

    private static double value(JsonObject o) {
        Object v = o.getValue("value");
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if ("NaN".equals(v)) {
            return Double.NaN;
        }
        if ("+Inf".equals(v) || "Inf".equals(v)) {
            return Double.POSITIVE_INFINITY;
        }
        if ("-Inf".equals(v)) {
            return Double.NEGATIVE_INFINITY;
        }
        throw new IllegalArgumentException("'value' must be a number or \"NaN\", \"+Inf\", \"-Inf\"");
    }
}
