package dev.releasepilot.ingest.remotewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LabelInternerTest {
    private static String intern(LabelInterner in, String s) {
        // Embed the bytes at an offset, as they sit inside a decoded request.
        byte[] b = ("xx" + s + "yy").getBytes(StandardCharsets.UTF_8);
        return in.intern(b, 2, b.length - 4);
    }

    @Test
    void sameBytesGiveTheSameString() {
        LabelInterner in = new LabelInterner(64);
        String a = intern(in, "checkout");
        assertEquals("checkout", a);
        assertSame(a, intern(in, "checkout"));
        assertEquals("checkouts", intern(in, "checkouts"));
        assertEquals("", intern(in, ""));
        assertEquals("Zürich ✓", intern(in, "Zürich ✓"));
    }

    @Test
    void longStringsAreNotKept() {
        LabelInterner in = new LabelInterner(64);
        String longValue = "v".repeat(LabelInterner.MAX_LENGTH + 1);
        String a = intern(in, longValue);
        assertEquals(longValue, a);
        assertNotSame(a, intern(in, longValue));
    }

    @Test
    void aFullTableStaysCorrectAndBounded() {
        LabelInterner in = new LabelInterner(16);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 1000; i++) {
                assertEquals("pod-" + i, intern(in, "pod-" + i));
            }
        }
        String recent = intern(in, "pod-999");
        assertSame(recent, intern(in, "pod-999"), "the latest entry is still there");
    }
}
