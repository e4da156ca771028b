package dev.releasepilot.ingest.alertmanager;

import dev.releasepilot.decide.AlertSignal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One webhook alert while {@link AlertmanagerDecoder} reads it, field by field. It is checked against
 * the {@link AlertLimits} as it grows, so an alert with 100,000 labels costs the labels up to the
 * limit and no more; annotations are cut as they come. Single owner: its decoder.
 */
final class AlertDraft {
    private static final Instant YEAR_ONE = Instant.parse("0001-01-01T00:00:00Z");
    private static final int MAX_FINGERPRINT = 64; // Alertmanager sends 16 hex digits
    private static final int MAX_ANNOTATION_NAME = 256;

    private final AlertLimits limits;

    final Map<String, String> labels = new HashMap<>();
    final Map<String, String> annotations = new TreeMap<>();
    boolean labelsSeen;
    String status;
    String startsAt;
    String endsAt;
    String fingerprint;
    String error;
    int labelCount;
    long labelChars;
    long annotationChars;
    long chars;
    int cutAnnotations;
    boolean oversized;

    AlertDraft(AlertLimits limits) {
        this.limits = limits;
    }

    void error(String e) {
        if (error == null) {
            error = e;
        }
    }

    void put(String name, String value) {
        switch (name) {
            case "status" -> status = value;
            case "startsAt" -> startsAt = value;
            case "endsAt" -> endsAt = value;
            default -> fingerprint = value;
        }
    }

    void label(String name, String value) {
        labelCount++;
        labelChars += name.length() + value.length();
        if (error == null && labelCount > limits.maxLabels()) {
            error("more than " + limits.maxLabels() + " labels");
            oversized = true;
        } else if (error == null && labelChars > limits.maxLabelChars()) {
            error("labels longer than " + limits.maxLabelChars() + " characters together");
            oversized = true;
        }
        if (error == null) {
            labels.put(name, value);
            chars += name.length() + value.length();
        }
    }

    void annotation(String name, String value) {
        if (error != null) {
            return;
        }
        String n = cut(name, MAX_ANNOTATION_NAME);
        long room = Math.max(0, limits.maxAnnotationsChars() - annotationChars - n.length());
        int keep = (int) Math.min(Math.min(value.length(), limits.maxAnnotationChars()), room);
        String v = value;
        if (keep < value.length() || n.length() < name.length()) {
            v = value.substring(0, keep) + AlertLimits.cutMarker(value.length() - keep);
            cutAnnotations++;
        }
        annotationChars += n.length() + v.length();
        annotations.put(n, v);
        chars += n.length() + v.length();
    }

    String problem() {
        if (error != null) {
            return error;
        }
        if (!"firing".equals(status) && !"resolved".equals(status)) {
            return "status must be \"firing\" or \"resolved\", got " + (status == null ? null : cut(status, 100));
        }
        if (!labelsSeen || labels.isEmpty()) {
            return "labels must be a non-empty object";
        }
        if (startsAt == null) {
            return "startsAt is missing";
        }
        if (fingerprint != null && fingerprint.length() > MAX_FINGERPRINT) {
            return "fingerprint longer than " + MAX_FINGERPRINT + " characters";
        }
        try {
            Instant.parse(startsAt);
            if (endsAt != null) {
                Instant.parse(endsAt);
            }
        } catch (DateTimeParseException e) {
            return cut(e.getMessage(), 200);
        }
        return null;
    }

    AlertSignal signal(String sender, Instant receivedAt, long receivedNanos) {
        Instant ends = endsAt == null ? null : Instant.parse(endsAt);
        if (ends != null && !ends.isAfter(YEAR_ONE)) {
            ends = null; // Alertmanager's "unset"
        }
        String fp = fingerprint == null || fingerprint.isEmpty() ? Fingerprint.of(labels) : fingerprint;
        return new AlertSignal(fp, "firing".equals(status), Instant.parse(startsAt), ends, labels, annotations,
                sender, receivedAt, receivedNanos);
    }

    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
