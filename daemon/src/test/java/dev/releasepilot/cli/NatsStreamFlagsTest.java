package dev.releasepilot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The stream flags of {@code run}: sizes as operators write them, and a clear refusal of bad values. */
class NatsStreamFlagsTest {
    @Test
    void sizesTakeDecimalAndBinaryUnits() {
        ByteSizeConverter c = new ByteSizeConverter();
        assertEquals(1073741824L, c.convert("1GiB"));
        assertEquals(512L * 1024 * 1024, c.convert("512MiB"));
        assertEquals(500_000_000L, c.convert("500MB"));
        assertEquals(4096L, c.convert("4096"));
        assertEquals(2048L, c.convert("2kib"));
        for (String bad : new String[] {"", "lots", "-1", "1.5GiB", "99999999999TiB"}) {
            assertThrows(TypeConversionException.class, () -> c.convert(bad), bad);
        }
    }

    @Test
    void aBadStreamNameOrLimitExitsTwoWithTheReasonAndNoStackTrace() {
        assertRefused("invalid JetStream stream name 'my events'", "--nats-stream", "my events");
        assertRefused("is not a size", "--nats-stream-max-bytes", "lots");
        assertRefused("is not a duration", "--nats-stream-max-age", "forever");
        assertRefused("max age must be at least 1s", "--nats-stream-max-age", "0s");
    }

    private static void assertRefused(String reason, String... flags) {
        String[] args = new String[flags.length + 3];
        args[0] = "run";
        args[1] = "--nats-url";
        args[2] = "nats://127.0.0.1:1";
        System.arraycopy(flags, 0, args, 3, flags.length);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.execute(args);
        } finally {
            System.setErr(err);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertEquals(2, exit, text);
        assertTrue(text.contains(reason), text);
        assertFalse(text.contains("\tat "), "no stack trace: " + text);
    }
}
