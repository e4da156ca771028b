package dev.releasepilot.ingest.alertmanager;

/**
 * What one Alertmanager alert may carry into the journal, and what one webhook request may hold in
 * memory. An alert's labels and annotations end up in journal records (the alert record and the
 * decision's evidence, whose reason also names the alert), and the journal refuses records over 1 MiB
 * ({@code FileJournal.MAX_RECORD}): with these defaults the largest alert is 32 Ki characters of labels
 * plus 32 Ki of annotations, at most 6 bytes a character once JSON-escaped (control characters become
 * {@code \u0001}), so the largest record it can cause (labels twice, annotations once) stays under
 * 0.6 MiB ({@code AlertRecordBoundTest} builds it).
 *
 * <p>Labels identify an alert (the fingerprint is their hash), so they are never cut: an alert over
 * {@link #maxLabels} or {@link #maxLabelChars} is rejected alone, as Prometheus' {@code label_limit}
 * rejects a series. Annotations are prose: values are cut at {@link #maxAnnotationChars} with a
 * marker saying how much was dropped, and annotations past {@link #maxAnnotationsChars} in total are
 * cut to the marker alone.
 *
 * @param maxLabels            labels per alert (Mimir's {@code max_label_names_per_series} is 30; alerts
 *                             add a few of their own)
 * @param maxLabelChars        characters of all label names and values of one alert together
 * @param maxAnnotationChars   characters kept of one annotation value
 * @param maxAnnotationsChars  characters kept of all annotations of one alert together
 * @param maxStringChars       longest single JSON string (a value or a name) the parser buffers; a
 *                             longer one ends the reading of that body ({@code reason="too_large"})
 * @param maxRetainedChars     characters of matching alerts one request may hold until its body has been
 *                             read (Alertmanager sends {@code externalURL} and {@code version} after the
 *                             alerts); past it, later matching alerts are not read ({@code reason="too_large"})
 * @param maxBodyBytes         bytes of one webhook body that are parsed; the rest is read and discarded
 *                             ({@code reason="too_large"}), and the answer is still 200 for what was read
 */
public record AlertLimits(int maxLabels, int maxLabelChars, int maxAnnotationChars, int maxAnnotationsChars,
                          int maxStringChars, long maxRetainedChars, long maxBodyBytes) {
    public static final AlertLimits DEFAULTS = new AlertLimits(128, 32 * 1024, 16 * 1024, 32 * 1024,
            4 * 1024 * 1024, 8L * 1024 * 1024, 64L * 1024 * 1024);

    /** The marker that replaces the dropped end of an annotation value. */
    static String cutMarker(int droppedChars) {
        return "…[truncated " + droppedChars + " characters]";
    }
}
