package dev.releasepilot.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where our receiver's time went during the timed pass, from a JFR recording of the benchmark server:
 * execution samples of threads running Java code, each put in the first category whose code is on
 * its stack (store, then decode, else HTTP and the rest), and the time the JVM spent in GC pauses.
 * Snappy runs in native code, which these samples do not see; the benchmark measures it on its own.
 */
final class JfrBreakdown {
    private JfrBreakdown() {
    }

    private static final Map<String, List<String>> CATEGORIES = new LinkedHashMap<>();

    static {
        CATEGORIES.put("store (SeriesStore)", List.of("dev.releasepilot.window.SeriesStore"));
        CATEGORIES.put("protobuf decode + labels", List.of("dev.releasepilot.ingest.remotewrite.WriteRequestDecoder"));
    }

    static String of(Path recording, Instant from, Instant to) throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        CATEGORIES.keySet().forEach(k -> counts.put(k, 0));
        counts.put("HTTP, routing, other", 0);
        Duration gc = Duration.ZERO;
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to)) {
                continue;
            }
            String type = e.getEventType().getName();
            if (type.equals("jdk.GarbageCollection")) {
                gc = gc.plus(e.getDuration("sumOfPauses"));
            } else if (type.equals("jdk.ExecutionSample") && e.getStackTrace() != null) {
                counts.merge(category(e.getStackTrace().getFrames()), 1, Integer::sum);
                total++;
            }
        }
        int n = Math.max(1, total);
        return counts.entrySet().stream().map(c -> String.format("%s %.0f%%", c.getKey(), 100.0 * c.getValue() / n))
                .collect(Collectors.joining(", ")) + String.format(" of %d Java-code samples; GC pauses %.1f%% of the pass",
                total, 100.0 * gc.toNanos() / Duration.between(from, to).toNanos());
    }

    private static String category(List<RecordedFrame> frames) {
        for (Map.Entry<String, List<String>> c : CATEGORIES.entrySet()) {
            for (RecordedFrame f : frames) {
                String type = f.getMethod().getType().getName();
                if (c.getValue().stream().anyMatch(type::startsWith)) {
                    return c.getKey();
                }
            }
        }
        return "HTTP, routing, other";
    }
}
