package dev.releasepilot.ingest.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NatsSettingsTest {
    @Test
    void acceptsSubjectsWithWildcards() {
        assertEquals(List.of("metrics.>", "samples.*.canary"),
                NatsSettings.defaults("nats://127.0.0.1:4222", List.of("metrics.>", "samples.*.canary")).subjects());
    }

    @Test
    void rejectsInvalidSubjectsAtConfigTime() {
        for (String bad : new String[] {"", "metrics.", ".metrics", "a..b", "has space"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NatsSettings.defaults("nats://127.0.0.1:4222", List.of(bad)), bad);
            assertTrue(e.getMessage().contains("invalid NATS subject"), e.getMessage());
        }
    }

    @Test
    void rejectsImpossibleLimits() {
        assertThrows(IllegalArgumentException.class, () -> NatsSettings.defaults("nats://x", List.of())
                .withReconnectWait(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
