package dev.releasepilot.ingest.remotewrite;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.window.ListAppender;
import io.vertx.core.Future;

/**
 * Fuzzes the remote_write decoder with uncompressed WriteRequest bytes (snappy is a library's job):
 * whatever the bytes, it decodes them or refuses them with {@link BadInput}, and its counts add up.
 * Seeds: WriteRequestDecoderFuzzTestInputs/ (payloads shaped as Prometheus sends them). Each run of the
 * normal suite replays the seeds and every past finding; {@code mvn verify} also fuzzes for a few
 * seconds (see the fuzz executions in daemon/pom.xml).
 */
class WriteRequestDecoderFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void decodesOrRefuses(byte[] body) {
        int[] handed = {0};
        ListAppender appender = new ListAppender(batch -> {
            handed[0] += batch.size();
            return Future.succeededFuture();
        });
        WriteRequestDecoder.Counts c;
        try {
            c = new WriteRequestDecoder(new LabelInterner(64), new SeriesCache(64))
                    .decode(body, body.length, name -> !name.startsWith("u"), appender);
        } catch (BadInput refused) {
            return;
        }
        appender.commit();
        assertTrue(c.appended() + c.unmatched() <= c.total() && c.histograms() >= 0, c.toString());
        assertTrue(handed[0] == c.appended(), "handed " + handed[0] + ", counted " + c);
    }
}
