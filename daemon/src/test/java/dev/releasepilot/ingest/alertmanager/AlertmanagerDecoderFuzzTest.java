package dev.releasepilot.ingest.alertmanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.releasepilot.decide.AlertSignal;
import dev.releasepilot.ingest.BadInput;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the webhook decoder (Jazzer). Seeds: the payloads Alertmanager 0.25 sent here (PROTOCOLS.md
 * §1.1) in {@code AlertmanagerDecoderFuzzTestInputs/}. Without {@code JAZZER_FUZZ} it runs the seeds as
 * regression tests; the build's {@code fuzz-webhook} execution sets it and fuzzes for {@code maxDuration}.
 *
 * <p>Properties: any body ends in a decoded payload or a {@link BadInput}, never another exception;
 * how the body is cut into chunks never changes the result; every kept alert is within the limits.
 */
class AlertmanagerDecoderFuzzTest {
    /** Small limits, so that the fuzzer reaches every limit's path. */
    private static final AlertLimits SMALL = new AlertLimits(4, 64, 16, 40, 512, 2048, 8192);
    private static final Instant AT = Instant.parse("2026-11-23T15:29:00Z");

    @FuzzTest(maxDuration = "5s")
    void anyBodyCutAnywhereDecodesTheSameOrIsBadInput(FuzzedDataProvider data) {
        int cut1 = data.consumeInt(0, 4096);
        int cut2 = data.consumeInt(0, 4096);
        boolean strict = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        AlertLimits limits = strict ? SMALL : AlertLimits.DEFAULTS;

        String whole = outcome(limits, List.of(body));
        int a = Math.min(cut1, body.length);
        int b = Math.min(Math.max(a, cut2), body.length);
        List<byte[]> chunks = new ArrayList<>();
        chunks.add(java.util.Arrays.copyOfRange(body, 0, a));
        chunks.add(java.util.Arrays.copyOfRange(body, a, b));
        chunks.add(java.util.Arrays.copyOfRange(body, b, body.length));
        assertEquals(whole, outcome(limits, chunks), "the chunking changed the result");
    }

    /** A comparable summary of what the decoder made of the chunks; checks the limits on the way. */
    private static String outcome(AlertLimits limits, List<byte[]> chunks) {
        AlertmanagerDecoder d = new AlertmanagerDecoder(labels -> true, bytes -> true, limits, AT, 1L);
        try {
            for (byte[] c : chunks) {
                d.feed(Buffer.buffer(c));
            }
            AlertmanagerDecoder.Decoded out = d.finish();
            for (AlertSignal s : out.alerts()) {
                assertTrue(s.labels().size() <= limits.maxLabels(), "labels over the limit");
                int chars = s.labels().entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
                assertTrue(chars <= limits.maxLabelChars(), "label characters over the limit");
                int annotations = s.annotations().entrySet().stream()
                        .mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
                // Each cut value carries its marker (at most ~40 characters) beyond the budget.
                assertTrue(annotations <= limits.maxAnnotationsChars() + 48L * s.annotations().size(),
                        "annotation characters over the limit: " + annotations);
            }
            return "ok " + out.alerts() + " " + out.skipped() + " " + out.rejected() + " " + out.rejectedCount()
                    + " " + out.truncatedAnnotations() + " " + out.groupKey() + " " + (out.truncated() != null);
        } catch (BadInput e) {
            return "bad " + e.reason();
        }
    }
}
