package dev.releasepilot.ingest.alertmanager;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.releasepilot.decide.AlertSignal;
import dev.releasepilot.ingest.BadInput;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * Turns an Alertmanager webhook body (payload version "4", PROTOCOLS.md §1.1) into {@link AlertSignal}s
 * while it arrives, chunk by chunk: Jackson's non-blocking parser is fed each chunk, and each alert is
 * judged as soon as its object closes. One group can hold tens of thousands of alerts (PROTOCOLS.md §6),
 * so the body is never held whole: only the alerts some trigger {@code wants} are kept, the others are
 * counted and forgotten. The wire format stops here.
 *
 * <p>Alerts that are individually broken, or over the {@link AlertLimits}, are reported and the valid
 * rest are kept. Where a limit of the whole request bites (body size, one string, alerts held), the
 * reading stops there and {@link Decoded#truncated()} says why: what was read is still acted on, since
 * Alertmanager would only send the same group again.
 *
 * <p>Single owner: one instance per request, used on that request's event loop only.
 */
public final class AlertmanagerDecoder {
    private static final int MAX_HEADER_STRING = 2048; // externalURL, groupKey
    private static final int ALERT_OVERHEAD_CHARS = 256;

    /**
     * What a body held.
     *
     * @param alerts    the valid alerts that some trigger wants, in body order
     * @param skipped   valid alerts that no trigger wants (counted, not kept)
     * @param rejected  one line per alert that was refused, {@code alerts[i]: why}; the first
     *                  {@value #MAX_REJECTED_LINES} of them ({@code rejectedCount} has them all)
     * @param oversized how many of the rejected alerts were over the label limits
     * @param truncated null when the whole body was read; otherwise why reading stopped early
     * @param busy      reading stopped because the memory budget shared by all requests was spent: a
     *                  retry will be read further
     */
    public record Decoded(List<AlertSignal> alerts, int skipped, List<String> rejected, int rejectedCount,
                          int oversized, int truncatedAnnotations, String groupKey, String truncated, boolean busy) {
    }

    /** An answer lists this many refused alerts at most: a storm of broken alerts must not make a storm of text. */
    public static final int MAX_REJECTED_LINES = 100;

    private enum Mode { START, ROOT, ROOT_VALUE, ALERTS, ALERT, ALERT_VALUE, MAP, MAP_VALUE, DONE }

    /** Parser factories by longest string (thread-safe once built; one per distinct limit, in practice one). */
    private static final Map<Integer, JsonFactory> FACTORIES = new java.util.concurrent.ConcurrentHashMap<>();

    private final Predicate<Map<String, String>> wanted;
    private final LongPredicate reserve;
    private final AlertLimits limits;
    private final Instant receivedAt;
    private final long receivedNanos;
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private final Thread owner = Thread.currentThread();

    private Mode mode = Mode.START;
    private int skipDepth;
    private String field;
    private boolean mapIsLabels;
    private AlertDraft alert;
    private int index;
    private boolean alertsSeen;
    private boolean alertsNotArray;
    private Object version;
    private String sender = "";
    private String groupKey = "";
    private final List<AlertDraft> kept = new ArrayList<>();
    private long retainedChars;
    private int skipped;
    private int truncatedAnnotations;
    private final List<String> rejected = new ArrayList<>();
    private int rejectedCount;
    private int oversized;
    private long reservedBytes;
    private boolean busy;
    private long bodyBytes;
    private String truncated;

    /**
     * @param wanted  asked once per valid alert with its labels: keep it? (false: counted as skipped)
     * @param reserve asked for the bytes of each alert kept until the body ends (about 2 per character):
     *                false stops the reading, as {@link Decoded#busy()}; see {@link #reservedBytes()}
     */
    public AlertmanagerDecoder(Predicate<Map<String, String>> wanted, LongPredicate reserve, AlertLimits limits,
                               Instant receivedAt, long receivedNanos) {
        this.wanted = wanted;
        this.reserve = reserve;
        this.limits = limits;
        this.receivedAt = receivedAt;
        this.receivedNanos = receivedNanos;
        try {
            this.parser = FACTORIES.computeIfAbsent(limits.maxStringChars(), max -> JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(max).maxNestingDepth(64).build())
                    .build()).createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("Jackson cannot make a non-blocking parser", e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /** Decodes a whole body at once, keeping every valid alert (tests, the fuzz target, small callers). */
    public static Decoded decode(Buffer body, Instant receivedAt, long receivedNanos) throws BadInput {
        AlertmanagerDecoder d = new AlertmanagerDecoder(labels -> true, bytes -> true, AlertLimits.DEFAULTS, receivedAt,
                receivedNanos);
        d.feed(body);
        return d.finish();
    }

    /** What {@code reserve} granted for the alerts held: the caller gives it back once the request is answered. */
    public long reservedBytes() {
        return reservedBytes;
    }

    /** Whether a limit stopped the reading: later chunks are ignored, {@link #finish()} still answers. */
    public boolean stopped() {
        return truncated != null;
    }

    /** Parses one more chunk of the body. */
    public void feed(Buffer chunk) throws BadInput {
        checkOwner();
        if (truncated != null) {
            return;
        }
        byte[] bytes = chunk.getBytes();
        // Parse exactly the first maxBodyBytes of the body, however it is cut into chunks.
        int take = (int) Math.min(bytes.length, limits.maxBodyBytes() - bodyBytes);
        bodyBytes += bytes.length;
        if (take > 0) {
            try {
                feeder.feedInput(bytes, 0, take);
            } catch (IOException e) {
                throw malformed(e);
            }
            drain();
        }
        if (truncated == null && bodyBytes > limits.maxBodyBytes()) {
            stop("the body is larger than " + limits.maxBodyBytes() + " bytes; alerts from alerts[" + index
                    + "] on were not read");
        }
    }

    /** The body ended: checks it was one complete payload of version "4" and returns what it held. */
    public Decoded finish() throws BadInput {
        checkOwner();
        if (truncated == null) {
            feeder.endOfInput();
            drain();
            if (mode == Mode.START) {
                throw new BadInput("malformed", "the body is empty; it must be a JSON object (Alertmanager webhook payload)");
            }
            if (mode != Mode.DONE) {
                throw new BadInput("malformed", "the body is not valid JSON: it ends inside the payload");
            }
            if (!"4".equals(version)) {
                throw new BadInput("version", "unsupported payload version "
                        + (version == null ? "(missing)" : "'" + version + "'")
                        + "; this receiver speaks Alertmanager webhook version \"4\"");
            }
            if (!alertsSeen || alertsNotArray) {
                throw new BadInput("malformed", "'alerts' must be an array");
            }
        } else if (version != null && !"4".equals(version)) {
            throw new BadInput("version", "unsupported payload version '" + version + "'");
        }
        List<AlertSignal> out = new ArrayList<>(kept.size());
        for (AlertDraft a : kept) {
            out.add(a.signal(sender, receivedAt, receivedNanos));
        }
        return new Decoded(out, skipped, List.copyOf(rejected), rejectedCount, oversized, truncatedAnnotations, groupKey,
                truncated, busy);
    }

    /** Single owner: a call from another thread is a bug in the caller, made loud here. */
    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("webhook decoder used from " + Thread.currentThread().getName()
                    + ", it belongs to " + owner.getName());
        }
    }

    private void stop(String why) {
        truncated = why;
        try {
            parser.close(); // drops the parser's buffers; what was read stays in kept
        } catch (IOException ignored) {
            // closing an in-memory parser cannot fail in a way that matters here
        }
    }

    private void drain() throws BadInput {
        try {
            JsonToken t;
            while (truncated == null && (t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
                token(t);
            }
        } catch (StreamConstraintsException e) {
            stop("a JSON string or nesting in alerts[" + index + "] is over the limit ("
                    + firstLine(e.getOriginalMessage()) + "); it and later alerts were not read");
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new BadInput("malformed", "the body could not be read: " + firstLine(e.getMessage()));
        }
    }

    private static BadInput malformed(IOException e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return new BadInput("malformed", "the body is not valid JSON: " + firstLine(m));
    }

    private void token(JsonToken t) throws IOException, BadInput {
        if (skipDepth > 0) {
            if (t.isStructStart()) {
                skipDepth++;
            } else if (t.isStructEnd()) {
                skipDepth--;
            }
            return;
        }
        switch (mode) {
            case START -> {
                if (t != JsonToken.START_OBJECT) {
                    throw new BadInput("malformed", "the body must be a JSON object (Alertmanager webhook payload)");
                }
                mode = Mode.ROOT;
            }
            case ROOT -> {
                if (t == JsonToken.END_OBJECT) {
                    mode = Mode.DONE;
                } else {
                    field = parser.currentName();
                    mode = Mode.ROOT_VALUE;
                }
            }
            case ROOT_VALUE -> rootValue(t);
            case ALERTS -> {
                if (t == JsonToken.END_ARRAY) {
                    mode = Mode.ROOT;
                } else if (t == JsonToken.START_OBJECT) {
                    alert = new AlertDraft(limits);
                    mode = Mode.ALERT;
                } else {
                    reject(index++, "not an object");
                    skip(t);
                }
            }
            case ALERT -> {
                if (t == JsonToken.END_OBJECT) {
                    endAlert();
                    mode = Mode.ALERTS;
                } else {
                    field = parser.currentName();
                    mode = Mode.ALERT_VALUE;
                }
            }
            case ALERT_VALUE -> alertValue(t);
            case MAP -> {
                if (t == JsonToken.END_OBJECT) {
                    mode = Mode.ALERT;
                } else {
                    field = parser.currentName();
                    mode = Mode.MAP_VALUE;
                }
            }
            case MAP_VALUE -> {
                String what = mapIsLabels ? "labels" : "annotations";
                if (t == JsonToken.VALUE_STRING) {
                    if (mapIsLabels) {
                        alert.label(field, parser.getText());
                    } else {
                        alert.annotation(field, parser.getText());
                    }
                } else {
                    alert.error(what + "." + field + " must be a string");
                    skip(t);
                }
                mode = Mode.MAP;
            }
            case DONE -> throw new BadInput("malformed", "the body is not valid JSON: more data after the payload");
        }
    }

    private void rootValue(JsonToken t) throws IOException {
        mode = Mode.ROOT;
        switch (field) {
            case "alerts" -> {
                alertsSeen = true;
                if (t == JsonToken.START_ARRAY) {
                    mode = Mode.ALERTS;
                    return;
                }
                alertsNotArray = true;
            }
            case "version" -> version = t == JsonToken.VALUE_STRING ? parser.getText()
                    : t.isScalarValue() ? new NonString(parser.getText()) : new NonString("(" + t + ")");
            case "externalURL" -> sender = t == JsonToken.VALUE_STRING ? cut(parser.getText(), MAX_HEADER_STRING) : "";
            case "groupKey" -> groupKey = t == JsonToken.VALUE_STRING ? cut(parser.getText(), MAX_HEADER_STRING) : "";
            default -> {
                // receiver, status, groupLabels, commonLabels, commonAnnotations, truncatedAlerts: not needed
            }
        }
        skip(t);
    }

    /** A version that was not a JSON string: prints as its value, never equals "4". */
    private record NonString(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    private void alertValue(JsonToken t) throws IOException {
        mode = Mode.ALERT;
        switch (field) {
            case "labels", "annotations" -> {
                if (t == JsonToken.START_OBJECT) {
                    mapIsLabels = field.equals("labels");
                    if (mapIsLabels) {
                        alert.labelsSeen = true;
                    }
                    mode = Mode.MAP;
                    return;
                }
                if (!(t == JsonToken.VALUE_NULL && field.equals("annotations"))) {
                    alert.error(field + " must be an object of strings");
                }
            }
            case "status", "startsAt", "endsAt", "fingerprint" -> {
                if (t == JsonToken.VALUE_STRING) {
                    alert.put(field, parser.getText());
                } else if (t != JsonToken.VALUE_NULL) {
                    alert.error(field + " must be a string, got " + (t.isScalarValue() ? parser.getText() : t.toString()));
                }
            }
            default -> {
                // generatorURL and fields of later versions: not needed
            }
        }
        skip(t);
    }

    private void reject(int i, String why) {
        rejectedCount++;
        if (rejected.size() < MAX_REJECTED_LINES) {
            rejected.add("alerts[" + i + "]: " + why);
        }
    }

    private void skip(JsonToken t) {
        if (t.isStructStart()) {
            skipDepth = 1;
        }
    }

    private void endAlert() {
        int i = index++;
        AlertDraft a = alert;
        alert = null;
        String problem = a.problem();
        if (problem != null) {
            if (a.oversized) {
                oversized++;
            }
            reject(i, problem);
            return;
        }
        if (!wanted.test(a.labels)) {
            skipped++;
            return;
        }
        long chars = a.chars + ALERT_OVERHEAD_CHARS;
        if (retainedChars + chars > limits.maxRetainedChars()) {
            stop("the matching alerts of this body hold more than " + limits.maxRetainedChars()
                    + " characters; alerts from alerts[" + i + "] on were not read");
            return;
        }
        if (!reserve.test(2 * chars)) {
            busy = true;
            stop("the memory for request bodies is spent for now; alerts from alerts[" + i + "] on were not read");
            return;
        }
        reservedBytes += 2 * chars;
        retainedChars += chars;
        truncatedAnnotations += a.cutAnnotations;
        kept.add(a);
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
