package dev.releasepilot.ingest;

import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Decodes an uncompressed remote_write 1.0 {@code WriteRequest} (prompb, PROTOCOLS.md §2.2) into
 * {@link Sample}s, by hand rather than through generated classes: the metric name of each series is
 * found and checked against the pre-filter before its label set is built, so unwanted series cost
 * a scan of their bytes and a lookup of their (interned) metric name.
 *
 * <p>Follows protobuf's parsing rules: fields in any order, the last occurrence of a singular field
 * wins, unknown fields (and known field numbers with an unexpected wire type) are skipped by wire
 * type. Metadata (field 3), exemplars and native histograms are skipped; histogram samples are
 * counted so they can be reported as dropped.
 */
final class WriteRequestDecoder {
    // Field keys (number << 3 | wire type) of the messages we read.
    private static final int WRITE_REQUEST_TIMESERIES = 1 << 3 | ProtoReader.LENGTH_DELIMITED;
    private static final int TIMESERIES_LABEL = 1 << 3 | ProtoReader.LENGTH_DELIMITED;
    private static final int TIMESERIES_SAMPLE = 2 << 3 | ProtoReader.LENGTH_DELIMITED;
    private static final int TIMESERIES_HISTOGRAM = 4 << 3 | ProtoReader.LENGTH_DELIMITED;
    private static final int LABEL_NAME = 1 << 3 | ProtoReader.LENGTH_DELIMITED;
    private static final int LABEL_VALUE = 2 << 3 | ProtoReader.LENGTH_DELIMITED;
    private static final int SAMPLE_VALUE = 1 << 3 | ProtoReader.FIXED64;
    private static final int SAMPLE_TIMESTAMP = 2 << 3 | ProtoReader.VARINT;

    private static final byte[] NAME_LABEL = Labels.METRIC_NAME.getBytes(StandardCharsets.US_ASCII);

    /**
     * @param samples    the float samples of the wanted series, in request order
     * @param total      every float sample in the request, wanted or not
     * @param unmatched  float samples dropped by the pre-filter
     * @param histograms native histogram samples (always dropped: the windows hold floats)
     */
    record Decoded(List<Sample> samples, int total, int unmatched, int histograms) {
    }

    private final ProtoReader r;
    private final Predicate<String> wantsMetric;
    /** The pre-filter's answers for this request: asked once per metric name, not per series. */
    private final Map<String, Boolean> wanted = new HashMap<>();
    private final LabelInterner strings;
    private final List<Sample> out;
    private int total;
    private int unmatched;
    private int histograms;

    // Per series: offset and length of each label's name and value, and where each sample starts.
    private int[] labelSpans = new int[64];
    private int[] samplePositions = new int[8];

    // The label currently being read (offsets into the buffer), see readLabel.
    private int nameOff;
    private int nameLen;
    private int valueOff;
    private int valueLen;

    private WriteRequestDecoder(byte[] buf, int len, Predicate<String> wantsMetric, LabelInterner strings) {
        this.r = new ProtoReader(buf, 0, len);
        this.wantsMetric = wantsMetric;
        this.strings = strings;
        // Prometheus sends one sample per series entry; ~60 bytes per entry is a generous guess.
        this.out = new ArrayList<>(Math.min(len / 60 + 1, 10_000));
    }

    /**
     * Decodes {@code buf[0, len)}. {@code wantsMetric} is asked once per distinct metric name; label
     * Strings come from {@code strings}, which must not be used by another thread meanwhile.
     */
    static Decoded decode(byte[] buf, int len, Predicate<String> wantsMetric, LabelInterner strings) throws BadInput {
        WriteRequestDecoder d = new WriteRequestDecoder(buf, len, wantsMetric, strings);
        d.writeRequest();
        return new Decoded(d.out, d.total, d.unmatched, d.histograms);
    }

    private void writeRequest() throws BadInput {
        while (r.more()) {
            int tag = r.readTag();
            if (tag == WRITE_REQUEST_TIMESERIES) {
                int end = r.readLengthDelimitedEnd();
                int outerLimit = r.limit;
                r.limit = end;
                timeSeries(r.pos, end);
                r.pos = end;
                r.limit = outerLimit;
            } else {
                r.skip(tag); // metadata (3), reserved 2, anything newer
            }
        }
    }

    /** Reads one TimeSeries occupying {@code [start, end)}; the reader's limit is {@code end}. */
    private void timeSeries(int start, int end) throws BadInput {
        // One walk over the fields: where each label's name and value and each sample sit. Once the
        // metric name has been seen and the pre-filter has said no, the remaining labels are skipped
        // whole and the samples only counted; nothing is built for an unwanted series.
        boolean named = false;
        boolean wantedSeries = false;
        int labels = 0;
        int samples = 0;
        r.pos = start;
        while (r.more()) {
            int tag = r.readTag();
            if (tag == TIMESERIES_LABEL && named && !wantedSeries) {
                r.pos = r.readLengthDelimitedEnd();
            } else if (tag == TIMESERIES_LABEL) {
                readLabel();
                labelSpans = grow(labelSpans, labels * 4 + 4);
                labelSpans[labels * 4] = nameOff;
                labelSpans[labels * 4 + 1] = nameLen;
                labelSpans[labels * 4 + 2] = valueOff;
                labelSpans[labels * 4 + 3] = valueLen;
                labels++;
                if (!named && isNameLabel()) {
                    named = true;
                    wantedSeries = wanted.computeIfAbsent(strings.intern(r.buf, valueOff, valueLen), wantsMetric::test);
                }
            } else if (tag == TIMESERIES_SAMPLE) {
                samplePositions = grow(samplePositions, samples + 1);
                samplePositions[samples++] = r.pos;
                r.pos = r.readLengthDelimitedEnd();
            } else if (tag == TIMESERIES_HISTOGRAM) {
                r.pos = r.readLengthDelimitedEnd();
                histograms++;
            } else {
                r.skip(tag); // exemplars (3) and unknown fields
            }
        }
        total += samples;
        if (!wantedSeries) {
            unmatched += samples; // including series without a metric name
            return;
        }
        // The label set in wire order (Labels normalises if a sender did not sort), then the samples.
        String[] pairs = new String[labels * 2];
        for (int k = 0; k < labels * 2; k++) {
            pairs[k] = strings.intern(r.buf, labelSpans[k * 2], labelSpans[k * 2 + 1]);
        }
        Labels set = Labels.ofSortedPairs(pairs);
        for (int k = 0; k < samples; k++) {
            r.pos = samplePositions[k];
            out.add(readSample(set));
        }
    }

    private static int[] grow(int[] a, int needed) {
        return needed <= a.length ? a : Arrays.copyOf(a, Math.max(needed, a.length * 2));
    }

    /** Reads a Label message at the reader's position into nameOff/Len and valueOff/Len. */
    private void readLabel() throws BadInput {
        int end = r.readLengthDelimitedEnd();
        int outerLimit = r.limit;
        r.limit = end;
        nameOff = valueOff = r.pos;
        nameLen = valueLen = 0;
        while (r.more()) {
            int tag = r.readTag();
            if (tag == LABEL_NAME) {
                int e = r.readLengthDelimitedEnd();
                nameOff = r.pos;
                nameLen = e - r.pos;
                r.pos = e;
            } else if (tag == LABEL_VALUE) {
                int e = r.readLengthDelimitedEnd();
                valueOff = r.pos;
                valueLen = e - r.pos;
                r.pos = e;
            } else {
                r.skip(tag);
            }
        }
        r.limit = outerLimit;
    }

    private boolean isNameLabel() {
        if (nameLen != NAME_LABEL.length) {
            return false;
        }
        for (int k = 0; k < nameLen; k++) {
            if (r.buf[nameOff + k] != NAME_LABEL[k]) {
                return false;
            }
        }
        return true;
    }

    private Sample readSample(Labels set) throws BadInput {
        int end = r.readLengthDelimitedEnd();
        int outerLimit = r.limit;
        r.limit = end;
        double value = 0;
        long timestamp = 0;
        while (r.more()) {
            int tag = r.readTag();
            if (tag == SAMPLE_VALUE) {
                value = Double.longBitsToDouble(r.readFixed64()); // raw bits: keeps the stale-marker NaN
            } else if (tag == SAMPLE_TIMESTAMP) {
                timestamp = r.readVarint();
            } else {
                r.skip(tag);
            }
        }
        r.limit = outerLimit;
        return new Sample(set, timestamp, value);
    }
}
