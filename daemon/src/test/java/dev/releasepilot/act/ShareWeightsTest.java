package dev.releasepilot.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.backend.WeightedServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A canary share becomes absolute weights: nearest share within HAProxy's 1..256, smallest weights on a tie. */
class ShareWeightsTest {
    @Test
    void exactSharesTakeTheSmallestWeights() {
        assertEquals(new ShareWeights(19, 1), ShareWeights.of(5, 1, 1, 256));
        assertEquals(new ShareWeights(3, 1), ShareWeights.of(25, 1, 1, 256));
        assertEquals(new ShareWeights(1, 3), ShareWeights.of(75, 1, 1, 256));
        assertEquals(new ShareWeights(19, 2), ShareWeights.of(5, 2, 1, 256), "two stable servers take 95 % between them");
    }

    @Test
    void everyWholePercentIsMetClosely() {
        for (int ns = 1; ns <= 10; ns++) {
            for (int nc = 1; nc <= 10; nc++) {
                for (int p = 1; p < 100; p++) {
                    ShareWeights w = ShareWeights.of(p, ns, nc, 256);
                    assertTrue(w.stable() >= 1 && w.stable() <= 256 && w.canary() >= 1 && w.canary() <= 256);
                    double share = ShareWeights.share(w.stable(), w.canary(), ns, nc);
                    // The reachable range: from canary 1 against stable 256 to the reverse.
                    double low = ShareWeights.share(256, 1, ns, nc);
                    double high = ShareWeights.share(1, 256, ns, nc);
                    double wanted = Math.min(high, Math.max(low, p / 100.0));
                    assertTrue(Math.abs(share - wanted) < 0.002, p + "% on " + ns + "+" + nc + ": " + w + " gives " + share);
                }
            }
        }
    }

    @Test
    void weightedBackendsScaleTheSidesAndDrainAtTheEnds() {
        ServerPlan plan = new ServerPlan(List.of(new WeightedServer("a", 5), new WeightedServer("b", 5)),
                List.of(new WeightedServer("c", 5)));
        assertEquals(Map.of("a", 19, "b", 19, "c", 2), plan.target(new Command.Shift("svc", "step", 5)));
        assertEquals(Map.of("a", 0, "b", 0, "c", 5), plan.target(new Command.Shift("svc", "switch", 100)));
        assertEquals(Map.of("a", 5, "b", 5, "c", 0), plan.target(new Command.Shift("svc", "drain", 0)));
    }
}
