package dev.releasepilot.it;

/** Alertmanager webhook bodies shaped exactly like the captured ones in PROTOCOLS.md §1.1. */
final class Payloads {
    private Payloads() {
    }

    static String firing(String alertname, String fingerprint, String startsAt) {
        return """
                {"receiver":"release-pilot","status":"firing","alerts":[{"status":"firing",\
                "labels":{"alertname":"%s","service":"checkout","severity":"critical"},\
                "annotations":{"summary":"high errors"},"startsAt":"%s","endsAt":"0001-01-01T00:00:00Z",\
                "generatorURL":"","fingerprint":"%s"}],"groupLabels":{"alertname":"%s"},\
                "commonLabels":{"alertname":"%s"},"commonAnnotations":{},"externalURL":"http://am:9093",\
                "version":"4","groupKey":"{}:{alertname=\\"%s\\"}","truncatedAlerts":0}
                """.formatted(alertname, startsAt, fingerprint, alertname, alertname, alertname);
    }
}
