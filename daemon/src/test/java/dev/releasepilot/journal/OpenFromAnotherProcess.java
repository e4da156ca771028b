package dev.releasepilot.journal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tries to open a data dir from a separate JVM, as a second daemon would, and prints "opened" or
 * "refused: why". The data-dir lock is an OS-level lock, so only another process can tell whether it
 * is really held.
 */
public final class OpenFromAnotherProcess {
    private OpenFromAnotherProcess() {
    }

    public static void main(String[] args) {
        try (FileJournal j = FileJournal.open(Path.of(args[0]), Clock.systemUTC(), new SimpleMeterRegistry())) {
            System.out.print("opened");
        } catch (IOException e) {
            System.out.print("refused: " + e.getMessage());
        }
    }

    /** Runs {@link #main} in a child JVM on this test's class path and returns what it printed. */
    static String run(Path dataDir) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path stderr = Files.createTempFile("open-from-another-process", ".err");
        try {
            Process p = new ProcessBuilder(List.of(java, "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), OpenFromAnotherProcess.class.getName(), dataDir.toString()))
                    .redirectError(stderr.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the child JVM did not finish");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            // Keep the child's stderr (e.g. a class-path problem) next to an unexpected answer.
            return out.startsWith("opened") || out.startsWith("refused:") ? out
                    : out + " / exit " + p.exitValue() + " / stderr: " + Files.readString(stderr);
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
