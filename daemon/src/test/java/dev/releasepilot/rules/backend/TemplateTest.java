package dev.releasepilot.rules.backend;


import dev.releasepilot.rules.SyntaxError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateTest {
    @Test
    void rendersPlaceholdersAndLeavesOtherDollarsAlone() throws Exception {
        Template t = Template.parse("/pools/${service}?w=${canary_weight}&cost=$5");
        assertEquals("/pools/checkout?w=0&cost=$5", t.render(Map.of("service", "checkout", "canary_weight", "0")::get));
        assertTrue(t.uses("canary_weight"));
    }

    @Test
    void unknownAndUnclosedPlaceholdersSayWhere() {
        SyntaxError unknown = assertThrows(SyntaxError.class, () -> Template.parse("abc${nope}"));
        assertEquals(3, unknown.offset());
        SyntaxError unclosed = assertThrows(SyntaxError.class, () -> Template.parse("x ${service"));
        assertEquals(2, unclosed.offset());
    }

    @Test
    void jsonCheckParsesTheSubset() throws Exception {
        JsonCheck c = JsonCheck.parse("$.pools[\"a b\"].servers[12].weight != ${canary_weight}");
        assertEquals(5, c.path().size());
        assertEquals(new JsonCheck.Key("a b"), c.path().get(1));
        assertEquals(new JsonCheck.Index(12), c.path().get(3));
        assertEquals(false, c.equal());
        SyntaxError e = assertThrows(SyntaxError.class, () -> JsonCheck.parse("$.a > 1"));
        assertEquals(4, e.offset());
    }
}
