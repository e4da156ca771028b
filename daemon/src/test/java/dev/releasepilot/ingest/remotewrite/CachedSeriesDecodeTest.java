package dev.releasepilot.ingest.remotewrite;


import dev.releasepilot.ingest.BadInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.releasepilot.rules.promql.PromqlParser;
import dev.releasepilot.window.Appender;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import dev.releasepilot.window.TouchListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decoder's fast path, against the real store: a series seen before is found by its encoded
 * labels ({@code Counts.cached}), and everything the slow path guarantees still holds.
 */
class CachedSeriesDecodeTest {
    private static final long T = 1_700_000_000_000L;

    private SimpleMeterRegistry registry;
    private SeriesStore store;
    private WriteRequestDecoder decoder;

    @BeforeEach
    void setUp() throws Exception {
        registry = new SimpleMeterRegistry();
        SelectorIndex index = SelectorIndex.builder()
                .add("svc/errors", PromqlParser.parse("rate(rp_requests_total{code=~\"5..\"}[1m]) > 0")).build();
        store = new SeriesStore(index, new StoreLimits(1000, Duration.ofMinutes(5), Duration.ofSeconds(1),
                Duration.ofSeconds(30), 1024), registry, TouchListener.NONE);
        decoder = new WriteRequestDecoder(new LabelInterner(64), new SeriesCache(1000));
    }

    private WriteRequestDecoder.Counts send(byte[] body) throws BadInput {
        Appender batch = store.appender();
        WriteRequestDecoder.Counts c = decoder.decode(body, body.length, store::wantsMetric, batch);
        batch.commit();
        return c;
    }

    private static byte[] requests(long t, String code) {
        return new WriteRequestBuilder().sample(t, 1, "__name__", "rp_requests_total", "code", code, "job", "app").build();
    }

    private double dropped(String reason) {
        return registry.get("release_pilot_samples_dropped_total").tag("reason", reason).counter().count();
    }

    @Test
    void aSeriesSeenBeforeIsFoundByItsBytesAndItsSamplesAreKept() throws BadInput {
        assertEquals(0, send(requests(T, "500")).cached());

        WriteRequestDecoder.Counts c = send(requests(T + 1000, "500"));

        assertEquals(1, c.cached(), "found in the cache: no labels built");
        assertEquals(1, c.appended());
        assertEquals(1, store.activeSeries());
        assertEquals(T + 1000, store.eventTime());
        assertEquals(0, dropped("duplicate") + dropped("out_of_order") + dropped("unmatched"));

        send(requests(T + 1000, "500")); // the same sample again: the store still drops duplicates
        assertEquals(1, dropped("duplicate"));
    }

    @Test
    void aMalformedRequestChangesNothingEvenWhenItsFirstSeriesAreCached() throws BadInput {
        send(requests(T, "500"));
        byte[] good = requests(T + 1000, "500");
        byte[] truncated = new WriteRequestBuilder().sample(T + 1000, 1, "__name__", "rp_requests_total", "code", "503")
                .build();
        byte[] body = new byte[good.length + truncated.length - 3];
        System.arraycopy(good, 0, body, 0, good.length);
        System.arraycopy(truncated, 0, body, good.length, truncated.length - 3);

        assertThrows(BadInput.class, () -> send(body));

        assertEquals(T, store.eventTime(), "the cached series' sample was not appended");
        assertEquals(1, store.activeSeries());
    }

    @Test
    void anEvictedSeriesIsCreatedAgainAndCachedAgain() throws BadInput {
        send(requests(T, "500"));
        // another series ten minutes later: the first one is silent past the 5 min staleness and evicted
        send(requests(T + 600_000, "502"));
        store.evictStale();
        assertEquals(1, store.activeSeries());

        assertEquals(0, send(requests(T + 601_000, "500")).cached(), "the cached ref was released");
        assertEquals(2, store.activeSeries(), "created again");

        assertEquals(1, send(requests(T + 602_000, "500")).cached(), "and cached again");
        assertEquals(2, store.activeSeries());
        assertEquals(0, dropped("duplicate") + dropped("out_of_order"));
    }

    @Test
    void anotherEncodingOfTheSameLabelsReachesTheSameSeries() throws BadInput {
        send(requests(T, "500"));
        // the same label set, unsorted on the wire: other bytes, same series
        byte[] unsorted = unsorted(T + 1000);

        assertEquals(0, send(unsorted).cached());
        assertEquals(0, send(unsorted(T + 2000)).cached(), "the other encoding is not cached");
        assertEquals(1, send(requests(T + 3000, "500")).cached(), "the first one still is");

        assertEquals(1, store.activeSeries());
        assertEquals(T + 3000, store.eventTime());
        assertEquals(0, dropped("duplicate") + dropped("out_of_order"));
    }

    private static byte[] unsorted(long t) {
        return new WriteRequestBuilder().series(new ProtoWriter()
                .message(1, WriteRequestBuilder.label("job", "app"))
                .message(1, WriteRequestBuilder.label("__name__", "rp_requests_total"))
                .message(1, WriteRequestBuilder.label("code", "500"))
                .message(2, WriteRequestBuilder.sample(2, t))).build();
    }

    @Test
    void labelsSplitBySamplesAreDecodedTheSlowWayEveryTime() throws BadInput {
        for (int i = 0; i < 3; i++) {
            byte[] split = new WriteRequestBuilder().series(new ProtoWriter()
                    .message(1, WriteRequestBuilder.label("__name__", "rp_requests_total"))
                    .message(2, WriteRequestBuilder.sample(1, T + i * 1000L))
                    .message(1, WriteRequestBuilder.label("code", "500"))).build();
            assertEquals(0, send(split).cached());
        }
        assertEquals(1, store.activeSeries());
        assertEquals(T + 2000, store.eventTime());
    }

    @Test
    void aReloadThatDeselectsACachedSeriesReleasesItAndThePreFilterDropsItsSamples() throws Exception {
        send(requests(T, "500"));
        store.reload(SelectorIndex.builder().add("svc/other", PromqlParser.parse("up == 0")).build());

        WriteRequestDecoder.Counts c = send(requests(T + 1000, "500"));

        assertEquals(1, c.unmatched(), "the pre-filter drops it before any lookup");
        assertEquals(0, c.cached());
        assertEquals(0, c.appended());
        assertEquals(0, store.activeSeries());
    }
}
