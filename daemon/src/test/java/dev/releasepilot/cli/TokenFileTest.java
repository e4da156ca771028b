package dev.releasepilot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token files on a real file system: empty is an error, readable by every user a warning. */
class TokenFileTest {
    @TempDir
    Path dir;

    @Test
    void aPrivateFileGivesItsTokenWithoutWarnings() throws Exception {
        Path f = file("  s3cret\n", "rw-------");
        List<String> warnings = new ArrayList<>();
        assertEquals("s3cret", TokenFile.read("--ingest-token-file", f, warnings::add));
        assertEquals(List.of(), warnings);
        assertNull(TokenFile.read("--ingest-token-file", null, warnings::add));
    }

    @Test
    void anEmptyFileIsAnError() throws Exception {
        for (String content : List.of("", "\n", "   \n\n")) {
            Path f = file(content, "rw-------");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TokenFile.read("--read-token-file", f, w -> { }));
            assertTrue(e.getMessage().contains("--read-token-file") && e.getMessage().contains("is empty"), e.getMessage());
        }
        // the same reader takes --journal-password-file: the message must not call a password a token
        Path f = file("", "rw-------");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenFile.read("--journal-password-file", f, w -> { }));
        assertTrue(e.getMessage().endsWith("is empty; put the secret on its first line"), e.getMessage());
    }

    @Test
    void aWorldReadableFileIsAWarning() throws Exception {
        Path f = file("s3cret\n", "rw-r--r--");
        List<String> warnings = new ArrayList<>();
        assertEquals("s3cret", TokenFile.read("--admin-token-file", f, warnings::add));
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).contains("--admin-token-file") && warnings.get(0).contains("readable by every user"),
                warnings.get(0));
    }

    @Test
    void twoLinesAreAnError() throws Exception {
        Path f = file("one\ntwo\n", "rw-------");
        assertThrows(IllegalArgumentException.class, () -> TokenFile.read("--ingest-token-file", f, w -> { }));
    }

    private Path file(String content, String perms) throws Exception {
        Path f = Files.createTempFile(dir, "token", "");
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }
}
