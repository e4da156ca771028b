package dev.releasepilot.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stream the daemon asks for, and how it reads an existing one. */
class EventStreamTest {
    @Test
    void theCreatedStreamTakesEveryServiceSubjectOnFileWithTheLimits() {
        StreamConfiguration c = new EventStream("EVENTS", Duration.ofHours(1), 4096).configuration();
        assertEquals(List.of("release-pilot.events.>"), c.getSubjects());
        assertEquals(StorageType.File, c.getStorageType());
        assertEquals(Duration.ofHours(1), c.getMaxAge());
        assertEquals(4096, c.getMaxBytes());
        assertEquals(Duration.ofMinutes(2), c.getDuplicateWindow());
        // The server refuses a de-duplication window longer than the max age.
        assertEquals(Duration.ofSeconds(30),
                new EventStream("EVENTS", Duration.ofSeconds(30), 4096).configuration().getDuplicateWindow());
    }

    @Test
    void itsOwnConfigurationHasNoDifferencesAndAnOperatorsChangesAreNamed() {
        EventStream s = EventStream.defaults();
        assertEquals(List.of(), s.differences(s.configuration()));
        StreamConfiguration theirs = StreamConfiguration.builder().name(s.name()).subjects("release-pilot.events.checkout")
                .storageType(StorageType.Memory).maxAge(Duration.ofMinutes(30)).build();
        List<String> d = s.differences(theirs);
        assertEquals(4, d.size(), d::toString);
        assertTrue(d.get(0).startsWith("subjects [release-pilot.events.checkout]"), d.get(0));
        assertTrue(d.get(1).startsWith("storage memory"), d.get(1));
        assertEquals("max age 30m (configured 168h)", d.get(2));
        assertEquals("max bytes unlimited (configured 1073741824)", d.get(3));
    }

    @Test
    void refusesNamesAndLimitsTheServerWouldRefuseOrThatKeepNothing() {
        for (String bad : new String[] {"", "a b", "a.b", "EVENTS.>", "a*", "a/b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new EventStream(bad, Duration.ofDays(1), 4096), bad);
            assertTrue(e.getMessage().contains("invalid JetStream stream name"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new EventStream("E", Duration.ZERO, 4096));
        assertThrows(IllegalArgumentException.class, () -> new EventStream("E", Duration.ofMillis(500), 4096));
        assertThrows(IllegalArgumentException.class, () -> new EventStream("E", Duration.ofDays(1), 0));
    }
}
