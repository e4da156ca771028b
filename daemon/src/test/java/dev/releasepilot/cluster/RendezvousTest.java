package dev.releasepilot.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {
    private static final List<String> THREE = List.of("a", "b", "c");

    @Test
    void everyInstanceComputesTheSameOwnerWhateverTheOrder() {
        for (int i = 0; i < 200; i++) {
            String s = "service-" + i;
            assertEquals(Rendezvous.owner(s, THREE), Rendezvous.owner(s, List.of("c", "a", "b")));
        }
    }

    @Test
    void servicesSpreadOverTheInstances() {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            counts.merge(Rendezvous.owner("service-" + i, THREE), 1, Integer::sum);
        }
        for (String id : THREE) {
            int n = counts.getOrDefault(id, 0);
            assertTrue(n > 60 && n < 140, "instance " + id + " owns " + n + " of 300: " + counts);
        }
    }

    @Test
    void whenAnInstanceLeavesOnlyItsServicesMove() {
        for (int i = 0; i < 300; i++) {
            String s = "service-" + i;
            String before = Rendezvous.owner(s, THREE);
            String after = Rendezvous.owner(s, List.of("a", "c"));
            if (!before.equals("b")) {
                assertEquals(before, after, s + " moved although its owner stayed");
            }
        }
    }

    @Test
    void noInstancesNoOwner() {
        assertEquals(null, Rendezvous.owner("x", List.of()));
    }
}
