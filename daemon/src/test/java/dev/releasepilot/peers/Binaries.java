package dev.releasepilot.peers;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the real peer binaries. A missing binary fails the test loudly with the Debian package to
 * install; it never skips. {@code infra/test.sh} installs all of them.
 */
public final class Binaries {
    private Binaries() {
    }

    public static Path require(String binary, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, binary);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/sbin", "/usr/local/bin", "/usr/local/sbin"}) {
            Path p = Path.of(dir, binary);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError("required peer binary '" + binary + "' is not installed: run infra/test.sh, "
                + "or apt-get install " + debianPackage);
    }

    /**
     * Runs a tool to completion (a checker such as promtool or systemd-analyze) and returns what it
     * printed, stdout and stderr together; a non-zero exit fails the test with that output.
     */
    public static String runOk(String... cmd) throws java.io.IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int exit = p.waitFor();
        if (exit != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + exit + ":\n" + out);
        }
        return out;
    }
}
