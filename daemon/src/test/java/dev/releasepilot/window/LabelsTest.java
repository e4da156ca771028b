package dev.releasepilot.window;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A label set without its first label shares the array of the set it came from; it must behave as a copy. */
class LabelsTest {
    @Test
    void withoutTheFirstLabelBehavesAsACopy() {
        Labels full = Labels.ofSortedPairs("__name__", "http_requests_total", "code", "500", "instance", "a", "le", "0.5");
        Labels view = full.without(Labels.METRIC_NAME);
        Map<String, String> rest = new TreeMap<>(full.toMap());
        rest.remove(Labels.METRIC_NAME);
        Labels copy = Labels.of(rest);
        assertEquals(copy, view);
        assertEquals(view, copy);
        assertEquals(copy.hashCode(), view.hashCode());
        assertEquals(copy.toString(), view.toString());
        assertEquals(rest, view.toMap());
        assertEquals(3, view.size());
        assertEquals("code", view.name(0));
        assertEquals("500", view.value(0));
        assertEquals("0.5", view.get("le"));
        assertEquals("", view.get(Labels.METRIC_NAME));
        assertEquals(Labels.ofSortedPairs("le", "0.5"), view.keep(List.of("le")));
        assertEquals(view, view.keep(List.of("code", "instance", "le")));
        assertEquals(Labels.ofSortedPairs("code", "500", "le", "0.5"), view.without("instance"));
        assertEquals(Labels.ofSortedPairs("instance", "a", "le", "0.5"), view.without("code"));
        assertEquals(Labels.ofSortedPairs("le", "0.5"), view.without("code").without("instance"));
        assertNotEquals(full, view);
    }
}
