package dev.releasepilot.ingest.alertmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prometheus model's LabelSet.Fingerprint, the value Alertmanager puts in {@code alerts[].fingerprint}. */
class FingerprintTest {
    @Test
    void reproducesTheValueCapturedFromARealAlertmanager() {
        // PROTOCOLS.md §1.1: captured from Alertmanager 0.25 on this machine.
        assertEquals("07b7d17d274ba13e", Fingerprint.of(Map.of("alertname", "CheckoutErrors", "instance", "a",
                "service", "checkout", "severity", "critical")));
        assertEquals("66858eabc703e644", Fingerprint.of(Map.of("alertname", "PromStyle", "service", "checkout")));
    }

    @Test
    void dependsOnTheLabelSetNotOnInsertionOrder() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("severity", "critical");
        a.put("alertname", "CheckoutErrors");
        Map<String, String> b = new LinkedHashMap<>();
        b.put("alertname", "CheckoutErrors");
        b.put("severity", "critical");
        assertEquals(Fingerprint.of(a), Fingerprint.of(b));
        assertNotEquals(Fingerprint.of(a), Fingerprint.of(Map.of("alertname", "CheckoutErrors", "severity", "warning")));
    }

    @Test
    void separatorsKeepNameAndValueBoundaries() {
        assertNotEquals(Fingerprint.of(Map.of("ab", "c")), Fingerprint.of(Map.of("a", "bc")));
    }

    @Test
    void emptyLabelSetIsTheFnvOffsetBasis() {
        assertEquals("cbf29ce484222325", Fingerprint.of(Map.of()));
    }

    @Test
    void namesSortByByteOrderAsInGo() {
        // Go sorts label names as UTF-8 bytes (= code points); Java's String order (UTF-16 units) puts
        // U+1F600 before U+FB01. Expected value computed with the Go algorithm (sorted by code point).
        assertEquals("58613b8de1093bf3", Fingerprint.of(Map.of("\uFB01", "a", "\uD83D\uDE00", "b")));
    }
}
