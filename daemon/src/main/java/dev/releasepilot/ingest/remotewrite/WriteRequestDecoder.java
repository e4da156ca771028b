package dev.releasepilot.ingest.remotewrite;


import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.window.Appender;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.SeriesRef;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Decodes an uncompressed remote_write 1.0 {@code WriteRequest} (prompb, PROTOCOLS.md §2.2) into an
 * {@link Appender}, by hand rather than through generated classes, in two passes:
 *
 * <ol>
 *   <li>Parse and check the whole request. The metric name of each series is checked against the
 *   pre-filter as soon as it is seen, and an unwanted series costs only a scan of its bytes. For each
 *   wanted series the pass notes where it and its encoded labels lie, and its samples. Nothing is
 *   appended yet, so a malformed request changes nothing.</li>
 *   <li>Append. A series whose encoded labels the {@link SeriesCache} knows goes straight to its
 *   {@link SeriesRef}; only the others have their labels interned and built, and are cached.</li>
 * </ol>
 *
 * <p>Follows protobuf's parsing rules: fields in any order, the last occurrence of a singular field
 * wins, unknown fields (and known field numbers with an unexpected wire type) are skipped by wire
 * type. Metadata (field 3), exemplars and native histograms are skipped; histogram samples are
 * counted so they can be reported as dropped. Reused request after request by one thread.
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
     * @param total      every float sample in the request, wanted or not
     * @param unmatched  float samples dropped by the pre-filter
     * @param histograms native histogram samples (always dropped: the windows hold floats)
     * @param appended   float samples handed to the appender (the sink may still drop some)
     * @param cached     series found in the cache by their encoded labels (no labels built)
     */
    record Counts(int total, int unmatched, int histograms, int appended, int cached) {
    }

    private final LabelInterner strings;
    private final SeriesCache cache;
    /** The pre-filter's answers for the current request: asked once per metric name, not per series. */
    private final Map<String, Boolean> wanted = new HashMap<>();
    private ProtoReader r;
    private Predicate<String> wantsMetric;
    private int total;
    private int unmatched;
    private int histograms;
    private int cached;
    // The last metric name asked about, in this request's buffer, and the answer (see wantedName).
    private byte[] lastNameBuffer;
    private int lastNameOffset;
    private int lastNameLength = -1;
    private boolean lastNameWanted;

    // Per wanted series of the current request: its TimeSeries message [start, end), its encoded label
    // fields [keyStart, keyStart + keyLength) (keyLength -1 when other fields sit between the labels),
    // and the end of its samples in the sample arrays.
    private int series;
    private int[] seriesStart = new int[64];
    private int[] seriesEnd = new int[64];
    private int[] keyStart = new int[64];
    private int[] keyLength = new int[64];
    private int[] samplesEnd = new int[64];
    // The key's hash, and (pass 2) the series: its cached ref, else its labels.
    private long[] hashes = new long[64];
    private SeriesRef[] refs = new SeriesRef[64];
    private Labels[] labelSets = new Labels[64];
    private int[] slots = new int[64]; // scratch for SeriesCache.getAll
    private int samples;
    private long[] timestamps = new long[512];
    private double[] values = new double[512];

    // Where each label of the series being read sits, while its labels are built (slow path).
    private int[] labelSpans = new int[64];

    // The label currently being read (offsets into the buffer), see readLabel.
    private int nameOff;
    private int nameLen;
    private int valueOff;
    private int valueLen;

    WriteRequestDecoder(LabelInterner strings, SeriesCache cache) {
        this.strings = strings;
        this.cache = cache;
    }

    /**
     * Decodes {@code buf[0, len)} and appends the wanted series' samples to {@code appender} (nothing
     * when the request is malformed). {@code wantsMetric} is asked once per distinct metric name.
     */
    Counts decode(byte[] buf, int len, Predicate<String> wantsMetric, Appender appender) throws BadInput {
        this.r = new ProtoReader(buf, 0, len);
        this.wantsMetric = wantsMetric;
        wanted.clear();
        total = unmatched = histograms = series = samples = cached = 0;
        lastNameBuffer = null; // a reused buffer holds other bytes now
        lastNameLength = -1;
        try {
            writeRequest();
            appendAll(buf, appender);
        } finally {
            this.r = null;
            this.wantsMetric = null;
            this.lastNameBuffer = null;
            Arrays.fill(refs, 0, series, null); // hold no series or labels between requests
            Arrays.fill(labelSets, 0, series, null);
        }
        return new Counts(total, unmatched, histograms, samples, cached);
    }

    private void writeRequest() throws BadInput {
        while (r.more()) {
            int tag = r.readTag();
            if (tag == WRITE_REQUEST_TIMESERIES) {
                int end = r.readLengthDelimitedEnd();
                int start = r.pos;
                int outerLimit = r.limit;
                if (!prometheusSeries(r.buf, start, end)) {
                    r.limit = end;
                    timeSeries(start, end);
                }
                r.pos = end;
                r.limit = outerLimit;
            } else {
                r.skip(tag); // metadata (3), reserved 2, anything newer
            }
        }
    }

    /** Pass 1 over one TimeSeries occupying {@code [start, end)}; the reader's limit is {@code end}. */
    private void timeSeries(int start, int end) throws BadInput {
        // Once the metric name has been seen and the pre-filter has said no, the remaining labels are
        // skipped whole and the samples only counted; nothing is kept for an unwanted series.
        boolean named = false;
        boolean wantedSeries = false;
        int firstLabel = -1;
        int labelsEnd = -1;
        boolean contiguous = true;
        int firstSample = samples;
        int seriesSamples = 0;
        r.pos = start;
        while (r.more()) {
            int fieldStart = r.pos;
            int tag = r.readTag();
            if (tag == TIMESERIES_LABEL && named && !wantedSeries) {
                r.pos = r.readLengthDelimitedEnd();
            } else if (tag == TIMESERIES_LABEL) {
                if (firstLabel < 0) {
                    firstLabel = fieldStart;
                } else if (fieldStart != labelsEnd) {
                    contiguous = false;
                }
                if (named) {
                    // A wanted series' other labels: their insides are checked in pass 2, before anything
                    // is appended, unless the cache knows these exact bytes (checked when they were cached).
                    r.pos = r.readLengthDelimitedEnd();
                } else {
                    readLabel();
                    if (isNameLabel()) {
                        named = true;
                        wantedSeries = wantedName(r.buf, valueOff, valueLen);
                    }
                }
                labelsEnd = r.pos;
            } else if (tag == TIMESERIES_SAMPLE && named && !wantedSeries) {
                r.pos = r.readLengthDelimitedEnd();
                seriesSamples++;
            } else if (tag == TIMESERIES_SAMPLE) {
                readSample();
                seriesSamples++;
            } else if (tag == TIMESERIES_HISTOGRAM) {
                r.pos = r.readLengthDelimitedEnd();
                histograms++;
            } else {
                r.skip(tag); // exemplars (3) and unknown fields
            }
        }
        total += seriesSamples;
        if (!wantedSeries) {
            unmatched += seriesSamples; // including series without a metric name
            samples = firstSample;
            return;
        }
        int keyLen = contiguous ? labelsEnd - firstLabel : -1;
        addSeries(start, end, firstLabel, keyLen, keyLen < 0 ? 0 : SeriesCache.hash(r.buf, firstLabel, keyLen));
    }

    /**
     * Whether the pre-filter wants the metric named by {@code b[off, off + len)}. Prometheus sends a
     * target's series in scrape order, so a run of series often shares its name: the last answer is
     * reused when the bytes are the same, else the name is interned and looked up (the pre-filter is
     * asked once per name and request).
     */
    private boolean wantedName(byte[] b, int off, int len) {
        if (lastNameLength == len && lastNameBuffer == b && Arrays.equals(b, lastNameOffset, lastNameOffset + len, b, off, off + len)) {
            return lastNameWanted;
        }
        String name = strings.intern(b, off, len);
        Boolean w = wanted.get(name);
        if (w == null) {
            w = wantsMetric.test(name);
            wanted.put(name, w);
        }
        lastNameBuffer = b;
        lastNameOffset = off;
        lastNameLength = len;
        lastNameWanted = w;
        return w;
    }

    /** Notes a wanted series whose samples are the ones read since the previous series. */
    private void addSeries(int start, int end, int key, int keyLen, long hash) {
        if (series == seriesStart.length) {
            int n = series * 2;
            seriesStart = Arrays.copyOf(seriesStart, n);
            seriesEnd = Arrays.copyOf(seriesEnd, n);
            keyStart = Arrays.copyOf(keyStart, n);
            keyLength = Arrays.copyOf(keyLength, n);
            samplesEnd = Arrays.copyOf(samplesEnd, n);
            hashes = Arrays.copyOf(hashes, n);
            refs = Arrays.copyOf(refs, n);
            labelSets = Arrays.copyOf(labelSets, n);
        }
        seriesStart[series] = start;
        seriesEnd[series] = end;
        keyStart[series] = key;
        keyLength[series] = keyLen;
        samplesEnd[series] = samples;
        hashes[series] = hash;
        series++;
    }

    /**
     * The fast path of pass 1, for a series sent the way Prometheus sends it: the metric name as the
     * first label, then the other label fields, then sample fields, every tag and length one byte. An
     * unwanted series is only counted. For a wanted one the label fields are hashed as one byte range
     * (pass 2 looks them up in the cache, all series in one go so the memory reads overlap) and the
     * samples are read. False, with nothing read, sends the series down the general path.
     */
    private boolean prometheusSeries(byte[] b, int start, int end) throws BadInput {
        if (end - start < 14 || b[start] != TIMESERIES_LABEL || b[start + 1] < 12) {
            return false;
        }
        int nameEnd = start + 2 + b[start + 1];
        int valueLen = b[start + 13];
        if (nameEnd > end || b[start + 2] != LABEL_NAME || b[start + 3] != NAME_LABEL.length
                || !ByteHash.same(NAME_LABEL, b, start + 4, NAME_LABEL.length) || b[start + 12] != LABEL_VALUE
                || valueLen < 0 || start + 14 + valueLen != nameEnd) {
            return false;
        }
        boolean wantedSeries = wantedName(b, start + 14, valueLen);
        int p = nameEnd;
        while (p + 1 < end && b[p] == TIMESERIES_LABEL && b[p + 1] >= 0) {
            p += 2 + b[p + 1];
        }
        if (p > end) {
            return false;
        }
        int keyLen = p - start;
        int first = samples;
        int n = 0;
        while (p < end) {
            int len = p + 1 < end ? b[p + 1] : -1;
            if (b[p] != TIMESERIES_SAMPLE || len < 0 || p + 2 + len > end) {
                samples = first; // exemplars, histograms, long fields, or malformed: the general path decides
                return false;
            }
            if (wantedSeries) {
                r.pos = p + 1;
                r.limit = end;
                readSample();
                p = r.pos;
            } else {
                p += 2 + len;
            }
            n++;
        }
        total += n;
        if (!wantedSeries) {
            unmatched += n;
        } else if (n > 0) {
            addSeries(start, end, start, keyLen, SeriesCache.hash(b, start, keyLen));
        }
        return true;
    }

    /**
     * Pass 2: find every wanted series, through the cache where it can, else by building its labels
     * (which checks them: a malformed label still fails the request before anything is appended); then
     * append every sample.
     */
    private void appendAll(byte[] buf, Appender appender) throws BadInput {
        // Lookups first, all of them at once (see SeriesCache.getAll).
        if (slots.length < series) {
            slots = new int[refs.length];
        }
        cache.getAll(series, hashes, buf, keyStart, keyLength, refs, slots);
        for (int s = 0; s < series; s++) {
            if (refs[s] != null) {
                cached++;
            }
        }
        for (int s = 0; s < series; s++) {
            if (refs[s] == null) {
                labelSets[s] = labels(seriesStart[s], seriesEnd[s]);
            }
        }
        int sample = 0;
        for (int s = 0; s < series; s++) {
            SeriesRef ref = refs[s];
            Labels labels = labelSets[s];
            for (int end = samplesEnd[s]; sample < end; sample++) {
                if (ref != null && appender.append(ref, timestamps[sample], values[sample])) {
                    continue;
                }
                if (labels == null) { // the cached series was evicted since: find or create it again
                    labels = labels(seriesStart[s], seriesEnd[s]);
                }
                ref = appender.append(labels, timestamps[sample], values[sample]);
                if (ref != null && keyLength[s] >= 0) {
                    cache.put(hashes[s], buf, keyStart[s], keyLength[s], ref);
                }
            }
        }
    }

    /** The label set of the TimeSeries at {@code [start, end)}, already checked by pass 1. */
    private Labels labels(int start, int end) throws BadInput {
        r.pos = start;
        r.limit = end;
        int n = 0;
        while (r.more()) {
            int tag = r.readTag();
            if (tag == TIMESERIES_LABEL) {
                readLabel();
                if (labelSpans.length < n * 4 + 4) {
                    labelSpans = Arrays.copyOf(labelSpans, labelSpans.length * 2);
                }
                labelSpans[n * 4] = nameOff;
                labelSpans[n * 4 + 1] = nameLen;
                labelSpans[n * 4 + 2] = valueOff;
                labelSpans[n * 4 + 3] = valueLen;
                n++;
            } else {
                r.skip(tag);
            }
        }
        // In wire order; Labels normalises if a sender did not sort.
        String[] pairs = new String[n * 2];
        for (int k = 0; k < n * 2; k++) {
            pairs[k] = strings.intern(r.buf, labelSpans[k * 2], labelSpans[k * 2 + 1]);
        }
        return Labels.ofSortedPairs(pairs);
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

    /** Reads a Sample message at the reader's position into the sample arrays. */
    private void readSample() throws BadInput {
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
        if (samples == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, samples * 2);
            values = Arrays.copyOf(values, samples * 2);
        }
        timestamps[samples] = timestamp;
        values[samples] = value;
        samples++;
    }
}
