package dev.releasepilot.ingest.nats;


import dev.releasepilot.ingest.BadInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NatsSampleDecoderTest {
    private static final long ARRIVAL = 1_700_000_123_456L;

    private static NatsSampleDecoder.Decoded decode(String json) throws BadInput {
        return NatsSampleDecoder.decode(json.getBytes(StandardCharsets.UTF_8), ARRIVAL, name -> !name.equals("up"));
    }

    @Test
    void decodesOneSampleObject() throws BadInput {
        NatsSampleDecoder.Decoded d = decode("""
                {"metric":"http_requests_total","labels":{"track":"canary","service":"checkout"},"value":3.5,"timestamp_ms":1700000000000}""");
        assertEquals(List.of(new Sample(Labels.ofSortedPairs("__name__", "http_requests_total", "service", "checkout",
                "track", "canary"), 1_700_000_000_000L, 3.5)), d.samples());
        assertTrue(d.invalid().isEmpty());
    }

    @Test
    void decodesAnArrayKeepingTheValidSamplesAndReportingTheRest() throws BadInput {
        NatsSampleDecoder.Decoded d = decode("""
                [{"metric":"a","value":1,"timestamp_ms":1700000000010},
                 {"metric":"up","value":1,"timestamp_ms":1700000000010},
                 {"metric":"b","value":"oops","timestamp_ms":1700000000010},
                 42,
                 {"metric":"c","value":2}]""");
        assertEquals(List.of(new Sample(Labels.ofSortedPairs("__name__", "a"), 1_700_000_000_010L, 1),
                new Sample(Labels.ofSortedPairs("__name__", "c"), ARRIVAL, 2)), d.samples());
        assertEquals(1, d.unmatched());
        assertEquals(2, d.invalid().size());
        assertTrue(d.invalid().get(0).detail().startsWith("[2]: 'value'"), d.invalid().toString());
        assertEquals(NatsSampleProblem.INVALID_VALUE, d.invalid().get(0).problem());
        assertTrue(d.invalid().get(1).detail().startsWith("[3]: a sample must be a JSON object"), d.invalid().toString());
        assertEquals(NatsSampleProblem.NOT_AN_OBJECT, d.invalid().get(1).problem());
    }

    @Test
    void theMetricMayComeAsTheNameLabel() throws BadInput {
        Sample s = decode("{\"labels\":{\"__name__\":\"m\",\"job\":\"x\"},\"value\":1}").samples().get(0);
        assertEquals(Labels.ofSortedPairs("__name__", "m", "job", "x"), s.labels());
        assertEquals(1, decode("{\"metric\":\"m\",\"labels\":{\"__name__\":\"m\"},\"value\":1}").samples().size());
    }

    @Test
    void acceptsTheSpecialFloatStrings() throws BadInput {
        List<Sample> s = decode("[{\"metric\":\"m\",\"value\":\"NaN\"},{\"metric\":\"m\",\"value\":\"+Inf\"},"
                + "{\"metric\":\"m\",\"value\":\"-Inf\"},{\"metric\":\"m\",\"value\":-0.5e3}]").samples();
        assertTrue(Double.isNaN(s.get(0).value()));
        assertEquals(Double.POSITIVE_INFINITY, s.get(1).value());
        assertEquals(Double.NEGATIVE_INFINITY, s.get(2).value());
        assertEquals(-500, s.get(3).value());
    }

    @Test
    void timestampsMayBeWrittenAsWholeFloats() throws BadInput {
        assertEquals(1_700_000_000_000L, decode("{\"metric\":\"m\",\"value\":1,\"timestamp_ms\":1.7e12}")
                .samples().get(0).timestampMs());
    }

    @Test
    void rejectsInvalidSamplesWithAReason() throws BadInput {
        String[][] cases = {
                {"{\"value\":1}", "'metric' must be a metric name"},
                {"{\"metric\":\"bad name\",\"value\":1}", "'metric' must be a metric name"},
                {"{\"metric\":\"m\",\"labels\":{\"__name__\":\"n\"},\"value\":1}", "disagree"},
                {"{\"metric\":\"m\",\"labels\":{\"a-b\":\"x\"},\"value\":1}", "label name must match"},
                {"{\"metric\":\"m\",\"labels\":{\"a\":1},\"value\":1}", "label values must be strings"},
                {"{\"metric\":\"m\",\"labels\":[\"a\"],\"value\":1}", "'labels' must be an object"},
                {"{\"metric\":\"m\"}", "'value' must be a number"},
                {"{\"metric\":\"m\",\"value\":true}", "'value' must be a number"},
                {"{\"metric\":\"m\",\"value\":1,\"timestamp_ms\":1.5}", "'timestamp_ms' must be an integer"},
                {"{\"metric\":\"m\",\"value\":1,\"timestamp_ms\":\"now\"}", "'timestamp_ms' must be an integer"},
                {"{\"metric\":\"m\",\"value\":\"1.5d\"}", "'value' must be a number"},
                {"{\"metric\":\"m\",\"value\":\"0x10\"}", "'value' must be a number"},
                {"{\"metric\":\"m\",\"value\":[1]}", "'value' must be a number"},
        };
        for (String[] c : cases) {
            NatsSampleDecoder.Decoded d = decode(c[0]);
            assertTrue(d.samples().isEmpty(), c[0]);
            assertEquals(1, d.invalid().size(), c[0]);
            assertTrue(d.invalid().get(0).detail().contains(c[1]), c[0] + " -> " + d.invalid());
        }
    }

    @Test
    void pythonsBareNaNAndInfinityAreValuesAndDoNotSpoilTheBatch() throws BadInput {
        // json.dumps([{"metric": "m", "value": float("nan")}, ...]) writes these bare tokens.
        NatsSampleDecoder.Decoded d = decode("[{\"metric\":\"m\",\"value\":NaN},{\"metric\":\"m\",\"value\":Infinity},"
                + "{\"metric\":\"m\",\"value\":-Infinity},{\"metric\":\"m\",\"value\":7}]");
        assertEquals(4, d.samples().size(), d.invalid().toString());
        assertTrue(Double.isNaN(d.samples().get(0).value()));
        assertEquals(Double.POSITIVE_INFINITY, d.samples().get(1).value());
        assertEquals(Double.NEGATIVE_INFINITY, d.samples().get(2).value());
        assertEquals(7, d.samples().get(3).value());
        assertFalse(d.truncated());
    }

    @Test
    void numericStringsAsPrometheusHttpApiWritesThem() throws BadInput {
        List<Sample> s = decode("[{\"metric\":\"m\",\"value\":\"1.5\"},{\"metric\":\"m\",\"value\":\"-2e3\"},"
                + "{\"metric\":\"m\",\"value\":\"Inf\"},{\"metric\":\"m\",\"value\":\"+Inf\"},"
                + "{\"metric\":\"m\",\"value\":\".5\"},{\"metric\":\"m\",\"value\":\"7\"}]").samples();
        assertEquals(List.of(1.5, -2000.0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0.5, 7.0),
                s.stream().map(Sample::value).toList());
    }

    @Test
    void timestampsNotInMillisecondsAreRefusedWithTheirOwnReason() throws BadInput {
        long ms = 1_700_000_000_000L;
        NatsSampleDecoder.Decoded d = decode("[{\"metric\":\"m\",\"value\":1,\"timestamp_ms\":" + ms / 1000 + "},"
                + "{\"metric\":\"m\",\"value\":1,\"timestamp_ms\":" + ms * 1000 + "},"
                + "{\"metric\":\"m\",\"value\":1,\"timestamp_ms\":" + ms * 1_000_000 + "},"
                + "{\"metric\":\"m\",\"value\":1,\"timestamp_ms\":0},"
                + "{\"metric\":\"m\",\"value\":1,\"timestamp_ms\":" + ms + "}]");
        assertEquals(List.of(ms), d.samples().stream().map(Sample::timestampMs).toList(), "only the milliseconds");
        assertEquals(4, d.invalid().size());
        assertTrue(d.invalid().stream().allMatch(i -> i.problem() == NatsSampleProblem.TIMESTAMP_UNIT), d.invalid().toString());
        assertTrue(d.invalid().get(0).detail().contains("seconds, micro- or nanoseconds"), d.invalid().get(0).detail());
    }

    @Test
    void aBatchWhoseJsonBreaksKeepsTheSamplesBeforeTheBreak() throws BadInput {
        NatsSampleDecoder.Decoded d = decode("[{\"metric\":\"m\",\"value\":1},{\"metric\":\"m\",\"value\":2},"
                + "{\"metric\":\"m\",\"value\":nan}]"); // lower-case nan is no JSON any parser takes
        assertEquals(List.of(1.0, 2.0), d.samples().stream().map(Sample::value).toList());
        assertTrue(d.truncated());
        assertTrue(decode("{\"metric\":\"m\",\"value\":1} trailing").truncated());
    }

    @Test
    void rejectsMessagesThatAreNotSamplesAtAll() {
        for (String body : new String[] {"", "not json", "{\"metric\":", "\"a string\"", "42", "null"}) {
            BadInput e = assertThrows(BadInput.class, () -> decode(body), body);
            assertEquals("malformed", e.reason());
        }
    }
}
