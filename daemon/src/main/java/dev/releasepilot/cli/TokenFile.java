package dev.releasepilot.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads a secret from a token file (one line; surrounding whitespace and the final newline dropped).
 * An empty file is an error: it would otherwise turn a protected endpoint into an open one without a
 * word. A file other users can read is a warning: the secret is only as safe as the file.
 */
final class TokenFile {
    private TokenFile() {
    }

    /**
     * @param flag    the flag that named the file, for messages
     * @param warning receives one line per warning
     * @return the token, or null when {@code file} is null
     * @throws IOException              the file cannot be read
     * @throws IllegalArgumentException the file holds no token
     */
    static String read(String flag, Path file, Consumer<String> warning) throws IOException {
        if (file == null) {
            return null;
        }
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException(flag + " " + file + " is empty; put the secret on its first line");
        }
        if (token.contains("\n")) {
            throw new IllegalArgumentException(flag + " " + file + " holds more than one line; put only the token in it");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                warning.accept("warning: " + flag + " " + file + " is readable by every user; chmod 600 (or 640) it");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
        return token;
    }
}
