package dev.releasepilot.act.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.backend.JsonCheck;
import io.vertx.core.json.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonCheckEvaluatorTest {
    private static final Object DOC = Json.decodeValue("""
            {"pools": {"checkout": {"servers": [{"name": "a", "weight": 3}, {"name": "b", "weight": 0.0}]}},
             "weights": {"a": 3, "b": 0}, "state": "up", "key with space": true}""");

    private static JsonCheckEvaluator.Outcome eval(String check, Map<String, String> values) throws Exception {
        return JsonCheckEvaluator.evaluate(JsonCheck.parse(check), DOC, values::get);
    }

    @Test
    void pathsIndexesAndNumbersCompareByValue() throws Exception {
        assertTrue(eval("$.pools.checkout.servers[1].weight == ${canary_weight}", Map.of("canary_weight", "0")).holds());
        assertTrue(eval("$.pools.checkout.servers[0].weight == 3", Map.of()).holds());
        assertTrue(eval("$[\"key with space\"] == true", Map.of()).holds());
        assertTrue(eval("$.state == \"up\"", Map.of()).holds());
        assertTrue(eval("$.state != \"down\"", Map.of()).holds());
    }

    @Test
    void objectsCompareByContent() throws Exception {
        assertTrue(eval("$.weights == ${weights}", Map.of("weights", "{\"b\":0,\"a\":3}")).holds());
        assertFalse(eval("$.weights == ${weights}", Map.of("weights", "{\"a\":3,\"b\":1}")).holds());
    }

    @Test
    void aMissingPathNeverEqualsAndSaysSo() throws Exception {
        JsonCheckEvaluator.Outcome o = eval("$.pools.cart.servers[0].weight == 0", Map.of());
        assertFalse(o.holds());
        assertEquals("nothing (no such path)", o.found());
        assertTrue(eval("$.pools.checkout.servers[5] != 0", Map.of()).holds());
    }
}
