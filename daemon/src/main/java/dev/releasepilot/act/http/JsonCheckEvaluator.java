package dev.releasepilot.act.http;

import dev.releasepilot.rules.backend.JsonCheck;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.function.Function;

/**
 * Evaluates a {@link JsonCheck} against a JSON reply. Numbers compare by value (5 == 5.0), objects and
 * arrays by content; a path that does not exist makes {@code ==} false and {@code !=} true.
 */
final class JsonCheckEvaluator {
    /** The outcome, with what was found at the path for a failure message. */
    record Outcome(boolean holds, String found, String expected) {
    }

    private JsonCheckEvaluator() {
    }

    static Outcome evaluate(JsonCheck check, Object document, Function<String, String> values) {
        String expectedText = check.expected().render(values);
        Object expected;
        try {
            expected = Json.decodeValue(expectedText);
        } catch (DecodeException e) {
            // For a Read the weights are unknown and ${canary_weight} renders empty: that state cannot hold.
            return new Outcome(false, "(not compared)", expectedText);
        }
        Object at = document;
        boolean found = true;
        for (JsonCheck.Step step : check.path()) {
            if (step instanceof JsonCheck.Key k && at instanceof JsonObject o && o.containsKey(k.name())) {
                at = o.getValue(k.name());
            } else if (step instanceof JsonCheck.Index i && at instanceof JsonArray a && i.index() < a.size()) {
                at = a.getValue(i.index());
            } else {
                found = false;
                break;
            }
        }
        boolean equal = found && same(at, expected);
        return new Outcome(check.equal() == equal, found ? Json.encode(at) : "nothing (no such path)", expectedText);
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString())) == 0;
        }
        if (a instanceof JsonObject x && b instanceof JsonObject y) {
            if (!x.fieldNames().equals(y.fieldNames())) {
                return false;
            }
            return x.fieldNames().stream().allMatch(f -> same(x.getValue(f), y.getValue(f)));
        }
        if (a instanceof JsonArray x && b instanceof JsonArray y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!same(x.getValue(i), y.getValue(i))) {
                    return false;
                }
            }
            return true;
        }
        return a == null ? b == null : a.equals(b);
    }
}
