package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.decide.judge.JudgeVerdict;
import dev.releasepilot.decide.judge.LookSpending;
import dev.releasepilot.rules.JudgeTrigger;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Outcome;
import dev.releasepilot.window.Sample;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import dev.releasepilot.window.TouchListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A judge over a real series store, on event time alone: blocks taken at the boundaries samples have
 * passed, looks on its interval and on demand, each look at its share of alpha, a release starting
 * afresh, and the evidence as the journal keeps it.
 */
class JudgeRunTest {
    private static final long T0 = 1_700_000_000_000L;

    private static JudgeTrigger judge(String interval) {
        LoadResult r = RuleLoader.parse("r.yaml", """
                services:
                  - name: checkout
                    backend: {type: haproxy, address: 127.0.0.1:9999, backend: be, stable: [s1], canary: [c1]}
                    triggers:
                      - name: latency
                        judge: {test: mann_whitney, confidence: 0.98, window: 10s, sample_every: 1s, min_samples: 8,
                                interval: %s, canary: 'rt{server="c1"}', stable: 'rt{server="s1"}'}
                """.formatted(interval));
        assertTrue(r.ok(), r.errors()::toString);
        return (JudgeTrigger) r.rules().services().get(0).triggers().get(0);
    }

    /** A store fed with one canary and one stable gauge sample every 250 ms. */
    private static final class Feed {
        final JudgeTrigger trigger;
        final SeriesStore store;
        final Evaluator ev;
        final JudgeRun run;
        long t = T0;

        Feed(JudgeTrigger trigger) {
            this.trigger = trigger;
            store = new SeriesStore(SelectorIndex.builder()
                    .add("checkout/latency", ((JudgeTrigger.Values) trigger.canary()).values())
                    .add("checkout/latency", ((JudgeTrigger.Values) trigger.stable()).values()).build(),
                    new StoreLimits(100_000, java.time.Duration.ofMinutes(5), java.time.Duration.ofMillis(250),
                            java.time.Duration.ofSeconds(30), 1024), // the resolution of a 250 ms stats poll
                    new SimpleMeterRegistry(), TouchListener.NONE);
            ev = new Evaluator(store);
            run = new JudgeRun(trigger);
        }

        /** Feeds {@code seconds} of samples, the canary at {@code canary}, stable at 0.1, with a small wobble; returns the firings. */
        List<JudgeVerdict> feed(int seconds, double canary) {
            List<JudgeVerdict> fired = new ArrayList<>();
            for (int i = 0; i < seconds * 4; i++) {
                t += 250;
                double wobble = ((t / 250) % 7) * 0.001;
                store.accept(List.of(new Sample(Labels.of(Map.of("__name__", "rt", "server", "c1")), t, canary + wobble),
                        new Sample(Labels.of(Map.of("__name__", "rt", "server", "s1")), t, 0.1 + ((t / 250 + 3) % 7) * 0.001)));
                JudgeVerdict v = run.touched(ev, t, 0, t);
                if (v != null) {
                    fired.add(v);
                }
            }
            return fired;
        }
    }

    @Test
    void aSlowerCanaryFiresOnceAtALookWithItsShareOfAlpha() {
        Feed f = new Feed(judge("5s"));
        assertEquals(List.of(), f.feed(12, 0.1), "a canary like stable");
        JsonObject healthy = f.run.view();
        assertEquals("OK", healthy.getString("state"), healthy.encodePrettily());
        int tested = healthy.getInteger("tests");
        assertTrue(tested >= 1 && healthy.getInteger("looks") > tested, "NO_DATA looks spend nothing: " + healthy.encode());
        assertEquals(10, healthy.getInteger("blocks"), "a window of 10 s holds 10 blocks of 1 s");

        List<JudgeVerdict> fired = f.feed(12, 0.3);
        assertEquals(1, fired.size(), "one firing episode, not one per look");
        JudgeVerdict v = fired.get(0);
        assertEquals(Outcome.TRUE, v.outcome());
        assertEquals(LookSpending.alpha(0.02, v.look()), v.alpha(), 1e-15);
        assertTrue(v.look() > tested, "looks count on through the release");
        assertEquals("FIRING", f.run.view().getString("state"));
    }

    @Test
    void aLookOnDemandTakesTheCompletedBlocksAndCountsAsALook() {
        Feed f = new Feed(judge("1h"));
        f.feed(3, 0.3);
        JudgeVerdict early = f.run.lookNow(f.ev, f.t, v -> { });
        assertEquals(Outcome.NO_DATA, early.outcome(), early.detail());
        f.feed(9, 0.3);
        List<JudgeVerdict> fired = new ArrayList<>();
        JudgeVerdict v = f.run.lookNow(f.ev, f.t, fired::add);
        assertEquals(Outcome.TRUE, v.outcome(), v.detail());
        assertEquals(List.of(v), fired, "a worse canary found on demand fires through the same path");
        assertEquals(1, v.look(), "the NO_DATA look spent nothing");
        assertEquals(v, f.run.lookNow(f.ev, f.t, fired::add), "no new block: the same verdict");
        assertEquals(1, fired.size(), "and no second firing");
        assertEquals(1, f.run.view().getInteger("tests"));
        assertNotNull(f.run.evidence(v));
    }

    @Test
    void aReleaseStartsTheBlocksAndTheLooksAfresh() {
        Feed f = new Feed(judge("5s"));
        assertEquals(1, f.feed(12, 0.3).size());
        f.run.startRelease(f.t);
        JsonObject after = f.run.view();
        assertEquals("NO_DATA", after.getString("state"));
        assertEquals(0, after.getInteger("blocks"));
        List<JudgeVerdict> fired = f.feed(12, 0.3);
        assertEquals(1, fired.size(), "the new release's canary is judged on its own samples");
        assertEquals(1, fired.get(0).look());
    }

    /** A daemon restarted 20 s (four intervals) into a release does not start the release's looks over. */
    @Test
    void aRestartMidReleaseKeepsSpendingFromTheLooksTheReleaseHasHad() {
        Feed f = new Feed(judge("5s"));
        f.run.startRelease(f.t - 20_000); // replayed: the release began 20 s of event time ago
        JudgeVerdict v = f.feed(12, 0.3).get(0);
        long intervals = (f.t - (T0 - 20_000)) / 5_000;
        assertTrue(v.look() >= 5 && v.look() <= intervals, "look " + v.look() + " of at most " + intervals);
        assertEquals(LookSpending.alpha(0.02, v.look()), v.alpha(), 1e-15);
    }

    @Test
    void silenceEmptiesTheWindowIntoNoData() {
        Feed f = new Feed(judge("5s"));
        f.feed(12, 0.1);
        assertNull(f.run.silent(f.ev, 30_000_000_000L, 1_000_000_000L, f.t + 30_000));
        assertEquals("NO_DATA", f.run.view().getString("state"), f.run.view().encodePrettily());
    }

    @Test
    void theEvidenceSurvivesTheJournal() {
        Feed f = new Feed(judge("5s"));
        JudgeVerdict v = f.feed(12, 0.3).get(0);
        Evidence e = f.run.evidence(v);
        assertEquals(e, EventCodec.evidence(EventCodec.toJson(e)));
        JsonObject json = EventCodec.toJson(e).getJsonObject("judge");
        assertEquals("mann_whitney", json.getString("test"));
        assertEquals(v.pValue(), json.getDouble("p_value"));
    }
}
