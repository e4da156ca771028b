package dev.releasepilot.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.releasepilot.rules.AlertTrigger;
import dev.releasepilot.rules.backend.HaproxyBackend;
import dev.releasepilot.rules.matcher.MatcherParser;
import dev.releasepilot.rules.Reaction;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.SyntaxError;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-service state machine, driven with explicit {@code now} values: no clock, no Vert.x, no sleep.
 * Every input goes through {@link #feed}, which applies the emitted events exactly as the controller does
 * and records them for the replay check.
 */
class ServiceMachineTest {
    private static final Instant T0 = Instant.parse("2026-11-23T15:00:00Z");
    private static final Map<String, String> CHECKOUT_ERRORS = Map.of("alertname", "CheckoutErrors",
            "service", "checkout", "severity", "critical", "instance", "a");

    private final AlertTrigger paged = trigger("paged", "{alertname=~\"Checkout.*\", severity=\"critical\"}");
    private final List<Event> emitted = new ArrayList<>();

    // --- STEADY → ROLLING_BACK → ROLLED_BACK

    @Test
    void aMatchingFiringAlertRollsBackAndActuationCompletesIt() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(10));
        assertEquals(ServiceState.STEADY, m.state());
        AlertSignal a = firing("fp1", T0, CHECKOUT_ERRORS);
        assertTrue(paged.matchers().matches(a.labels()), "fixture: the alert matches the trigger");

        List<Event> out = feed(m, a, T0.plusSeconds(1));

        assertEquals(2, out.size(), out::toString);
        Event.AlertSeen seen = assertInstanceOf(Event.AlertSeen.class, out.get(0));
        assertTrue(seen.firing());
        assertFalse(seen.stale());
        assertEquals("fp1@" + T0, seen.episode());
        Event.Decided d = assertInstanceOf(Event.Decided.class, out.get(1));
        assertEquals(DecisionKind.ROLLBACK, d.kind());
        assertEquals("paged", d.trigger());
        assertEquals(T0.plusSeconds(1), d.at());
        assertTrue(d.reason().contains("CheckoutErrors"), d.reason());
        assertEquals("fp1", assertInstanceOf(Evidence.FiringAlert.class, d.evidence()).fingerprint());
        assertEquals("fp1", EventCodec.toJson(d).getJsonObject("evidence").getJsonArray("alerts").getJsonObject(0)
                .getString("fingerprint"), "journaled in the alerts shape");
        assertEquals(ServiceState.ROLLING_BACK, m.state());

        feed(m, actuated(T0.plusSeconds(2)));
        assertEquals(ServiceState.ROLLED_BACK, m.state());
        assertEquals(1, m.view().getJsonArray("firing_alerts").size());
    }

    @Test
    void actuationFailureKeepsTheRollbackPending() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(10));
        feed(m, firing("fp1", T0, CHECKOUT_ERRORS), T0);
        feed(m, new Event.ActuationFailed(T0.plusSeconds(1), "timeout", "no answer", 3));
        assertEquals(ServiceState.ROLLING_BACK, m.state());
        assertEquals("timeout", m.view().getJsonObject("last_failure").getString("reason"));
        feed(m, actuated(T0.plusSeconds(5)));
        assertEquals(ServiceState.ROLLED_BACK, m.state());
        assertNull(m.view().getValue("last_failure"), "a success clears the failure");
    }

    // --- dedupe, resolve, stickiness

    @Test
    void theSameEpisodeTwiceGivesNoNewEvents() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(10));
        AlertSignal a = firing("fp1", T0, CHECKOUT_ERRORS);
        assertEquals(2, feed(m, a, T0.plusSeconds(1)).size());
        JsonObject before = m.view();

        assertEquals(List.of(), feed(m, a, T0.plusSeconds(2)), "Alertmanager retry");
        assertEquals(List.of(), feed(m, withSender(a, "http://am-peer-2:9093"), T0.plusSeconds(3)), "HA peer's copy");
        assertEquals(before, m.view());
    }

    @Test
    void aNewEpisodeOfTheSameLabelsIsNotADuplicate() {
        ServiceMachine m = machine(Reaction.NOTIFY, false, Duration.ZERO);
        feed(m, firing("fp1", T0, CHECKOUT_ERRORS), T0);
        List<Event> again = feed(m, firing("fp1", T0.plusSeconds(600), CHECKOUT_ERRORS), T0.plusSeconds(601));
        assertEquals(2, again.size(), "same fingerprint, new startsAt: a re-fire");
        assertEquals(DecisionKind.NOTIFY, ((Event.Decided) again.get(1)).kind());
    }

    @Test
    void aResolvedAlertIsRecordedAndDoesNotRetrigger() {
        ServiceMachine m = machine(Reaction.NOTIFY, false, Duration.ZERO);
        AlertSignal a = firing("fp1", T0, CHECKOUT_ERRORS);
        feed(m, a, T0.plusSeconds(1));
        assertEquals(1, m.view().getJsonArray("firing_alerts").size());

        List<Event> out = feed(m, resolved(a, T0.plusSeconds(60)), T0.plusSeconds(61));
        assertEquals(1, out.size(), out::toString);
        Event.AlertSeen r = assertInstanceOf(Event.AlertSeen.class, out.get(0));
        assertFalse(r.firing());
        assertEquals("resolved", EventCodec.toJson(r).getString("status"));
        assertEquals(0, m.view().getJsonArray("firing_alerts").size());

        assertEquals(List.of(), feed(m, resolved(a, T0.plusSeconds(60)), T0.plusSeconds(62)), "resolve repeated");
        assertEquals(List.of(), feed(m, a, T0.plusSeconds(63)), "a late firing copy of the resolved episode");
        assertEquals(0, m.view().getJsonArray("firing_alerts").size());
    }

    @Test
    void aResolveForAnUnknownEpisodeChangesNothing() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(10));
        assertEquals(List.of(), feed(m, resolved(firing("fp9", T0, CHECKOUT_ERRORS), T0.plusSeconds(5)), T0.plusSeconds(6)));
        assertEquals(ServiceState.STEADY, m.state());
    }

    @Test
    void rolledBackIsStickyAcrossNewAlerts() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ZERO);
        feed(m, firing("fp1", T0, CHECKOUT_ERRORS), T0);
        feed(m, actuated(T0.plusSeconds(1)));
        assertEquals(ServiceState.ROLLED_BACK, m.state());

        Map<String, String> other = Map.of("alertname", "CheckoutLatency", "severity", "critical");
        List<Event> out = feed(m, firing("fp2", T0.plusSeconds(30), other), T0.plusSeconds(31));
        assertEquals(1, out.size(), "the alert is on record, no decision: " + out);
        assertInstanceOf(Event.AlertSeen.class, out.get(0));
        assertEquals(ServiceState.ROLLED_BACK, m.state());
        assertEquals(DecisionKind.ROLLBACK.label(), m.view().getJsonObject("last_decision").getString("kind"));
    }

    @Test
    void noSecondDecisionWhileTheRollbackIsInFlight() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ZERO);
        feed(m, firing("fp1", T0, CHECKOUT_ERRORS), T0);
        List<Event> out = feed(m, firing("fp2", T0, Map.of("alertname", "CheckoutDown", "severity", "critical")),
                T0.plusMillis(10));
        assertEquals(1, out.size(), out::toString);
        assertEquals(ServiceState.ROLLING_BACK, m.state());
    }

    // --- dry run and cooldown

    @Test
    void dryRunDecidesWouldRollbackAndLeavesTheStateAlone() {
        ServiceMachine m = machine(Reaction.ROLLBACK, true, Duration.ofMinutes(10));
        List<Event> out = feed(m, firing("fp1", T0, CHECKOUT_ERRORS), T0.plusSeconds(1));
        assertEquals(DecisionKind.WOULD_ROLLBACK, ((Event.Decided) out.get(1)).kind());
        assertEquals(ServiceState.STEADY, m.state());
        assertEquals("would_rollback", m.view().getJsonObject("last_decision").getString("kind"));
    }

    @Test
    void cooldownSuppressesNotifyWithinItAndNotifiesAgainAfter() {
        Duration cooldown = Duration.ofMinutes(10);
        ServiceMachine m = machine(Reaction.NOTIFY, false, cooldown);
        Instant first = T0.plusSeconds(1);

        assertEquals(DecisionKind.NOTIFY, decision(feed(m, firing("fp1", T0, CHECKOUT_ERRORS), first)).kind());
        assertEquals(first.plus(cooldown).toString(), m.view().getString("cooldown_until"));

        Instant within = first.plus(cooldown).minusMillis(1);
        Event.Decided suppressed = decision(feed(m, firing("fp2", within, Map.of("alertname", "CheckoutB")), within));
        assertEquals(DecisionKind.SUPPRESSED, suppressed.kind());
        assertTrue(suppressed.reason().startsWith("in cooldown until " + first.plus(cooldown)), suppressed.reason());
        assertEquals(first.plus(cooldown).toString(), m.view().getString("cooldown_until"),
                "a suppressed decision does not extend the cooldown");

        Instant after = first.plus(cooldown);
        assertEquals(DecisionKind.NOTIFY, decision(feed(m, firing("fp3", after, Map.of("alertname", "CheckoutC")), after)).kind());
        assertEquals(ServiceState.STEADY, m.state(), "notify never changes the state");
    }

    // --- operator commands and releases

    @Test
    void resumeFromRolledBackReturnsToSteadyAndTheOldEpisodeDoesNotRetrigger() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(10));
        AlertSignal a = firing("fp1", T0, CHECKOUT_ERRORS);
        feed(m, a, T0.plusSeconds(1));
        feed(m, actuated(T0.plusSeconds(2)));

        List<Event> out = feed(m, new OperatorCommand.Resume("fixed by hand"), T0.plusSeconds(300));
        assertEquals(DecisionKind.RESUME, decision(out).kind());
        assertEquals(ServiceState.STEADY, m.state());
        assertNull(m.view().getValue("cooldown_until"), "resume clears the cooldown");

        assertEquals(List.of(), feed(m, a, T0.plusSeconds(301)), "a repeat of the old episode");
        assertEquals(ServiceState.STEADY, m.state());

        // ...while a genuinely new episode does trigger again.
        feed(m, firing("fp1", T0.plusSeconds(400), CHECKOUT_ERRORS), T0.plusSeconds(401));
        assertEquals(ServiceState.ROLLING_BACK, m.state());
    }

    @Test
    void resumeInSteadyIsRefused() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(10));
        CommandRefused e = assertThrows(CommandRefused.class,
                () -> m.onCommand(new OperatorCommand.Resume("why not"), T0));
        assertTrue(e.getMessage().contains("checkout is STEADY"), e.getMessage());
        assertEquals(ServiceState.STEADY, m.state());
    }

    @Test
    void pauseAndResumeReturnToTheStateBefore() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(10));
        feed(m, new OperatorCommand.Release("v2", new JsonObject().put("weight", 5), "deploy"), T0);
        assertEquals(ServiceState.CANARY, m.state());
        feed(m, new OperatorCommand.Pause("look first"), T0.plusSeconds(1));
        assertEquals(ServiceState.PAUSED, m.state());
        assertThrows(CommandRefused.class, () -> m.onCommand(new OperatorCommand.Pause("again"), T0.plusSeconds(2)));
        feed(m, new OperatorCommand.Resume("go on"), T0.plusSeconds(3));
        assertEquals(ServiceState.CANARY, m.state());
    }

    @Test
    void anOperatorPauseDoesNotHoldBackARollback() {
        // Pausing a canary freezes its progress; if it then goes bad, the rollback must not be
        // suppressed by a cooldown that the pause started.
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(10));
        feed(m, new OperatorCommand.Release("v2", new JsonObject(), "deploy"), T0);
        feed(m, new OperatorCommand.Pause("look first"), T0.plusSeconds(10));
        List<Event> out = feed(m, firing("fp1", T0.plusSeconds(60), CHECKOUT_ERRORS), T0.plusSeconds(61));
        assertEquals(DecisionKind.ROLLBACK, decision(out).kind());
        assertEquals(ServiceState.ROLLING_BACK, m.state());
    }

    @Test
    void aPausedServiceWithNotifyStaysQuiet() {
        ServiceMachine m = machine(Reaction.NOTIFY, false, Duration.ZERO);
        feed(m, new OperatorCommand.Pause("look first"), T0);
        List<Event> out = feed(m, firing("fp1", T0.plusSeconds(60), CHECKOUT_ERRORS), T0.plusSeconds(61));
        assertEquals(1, out.size(), out::toString);
        assertEquals(ServiceState.PAUSED, m.state());
    }

    @Test
    void aReleaseMakesOlderAlertsStale() {
        ServiceMachine m = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(10));
        Instant release = T0.plusSeconds(100);
        feed(m, new OperatorCommand.Release("v2", new JsonObject(), "deploy"), release);
        assertEquals(ServiceState.CANARY, m.state());

        List<Event> old = feed(m, firing("fp1", release.minusSeconds(30), CHECKOUT_ERRORS), release.plusSeconds(5));
        assertEquals(1, old.size(), "no decision: " + old);
        Event.AlertSeen seen = assertInstanceOf(Event.AlertSeen.class, old.get(0));
        assertTrue(seen.stale());
        assertEquals(ServiceState.CANARY, m.state());
        assertEquals(0, m.view().getJsonArray("firing_alerts").size(), "a stale alert is not counted as firing");

        List<Event> fresh = feed(m, firing("fp2", release.plusSeconds(10), CHECKOUT_ERRORS), release.plusSeconds(11));
        assertEquals(DecisionKind.ROLLBACK, decision(fresh).kind());
        assertEquals(ServiceState.ROLLING_BACK, m.state());
    }

    @Test
    void aReleaseDropsAlertsThatWereFiringBeforeIt() {
        ServiceMachine m = machine(Reaction.NOTIFY, false, Duration.ZERO);
        feed(m, firing("fp1", T0, CHECKOUT_ERRORS), T0);
        assertEquals(1, m.view().getJsonArray("firing_alerts").size());
        feed(m, new OperatorCommand.Release("v2", new JsonObject(), "deploy"), T0.plusSeconds(10));
        assertEquals(0, m.view().getJsonArray("firing_alerts").size());
    }

    @Test
    void staleAlertsAreActedOnWhenTheRuleSaysSo() {
        ServiceMachine m = new ServiceMachine(rule(Reaction.ROLLBACK, false, Duration.ofMinutes(10), false));
        feed(m, new OperatorCommand.Release("v2", new JsonObject(), "deploy"), T0.plusSeconds(100));
        List<Event> out = feed(m, firing("fp1", T0, CHECKOUT_ERRORS), T0.plusSeconds(101));
        assertEquals(DecisionKind.ROLLBACK, decision(out).kind());
    }

    @Test
    void aReleaseStartsProbeRunsAndAlertEpisodesAfresh() {
        ServiceMachine m = new ServiceMachine(rule(Reaction.ROLLBACK, false, Duration.ofMinutes(10), false));
        dev.releasepilot.rules.ProbeTrigger health = new dev.releasepilot.rules.ProbeTrigger("health",
                "http://127.0.0.1:1/health", Duration.ofSeconds(1), Duration.ofSeconds(1), 3,
                dev.releasepilot.rules.ProbeTrigger.DEFAULT_EXPECT, false, dev.releasepilot.rules.ProbeTrigger.Tls.DEFAULT);
        feed(m, new OperatorCommand.Release("v1", new JsonObject(), "deploy"), T0);
        AlertSignal a = firing("fp1", T0.plusSeconds(5), CHECKOUT_ERRORS);
        assertEquals(DecisionKind.ROLLBACK, decision(feed(m, a, T0.plusSeconds(6))).kind());
        feed(m, actuated(T0.plusSeconds(7)));
        for (int i = 0; i < 2; i++) { // two failed probes of three: a run in progress
            record(m, m.onProbe(failedProbe(), health, T0.plusSeconds(8 + i)));
        }
        assertEquals(2, m.view().getJsonObject("failing_probes").getJsonObject("health").getInteger("consecutive_failures"));

        feed(m, new OperatorCommand.Release("v2", new JsonObject(), "fixed"), T0.plusSeconds(60));
        assertEquals(0, m.view().getJsonObject("failing_probes").size(), "the run belonged to v1");
        // The same episode, re-sent while still firing: it counts for v2 (this rule acts on older alerts).
        assertEquals(DecisionKind.ROLLBACK, decision(feed(m, a, T0.plusSeconds(61))).kind());
        feed(m, actuated(T0.plusSeconds(62)));

        feed(m, new OperatorCommand.Release("v3", new JsonObject(), "fixed again"), T0.plusSeconds(120));
        List<Event> probes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            probes.addAll(record(m, m.onProbe(failedProbe(), health, T0.plusSeconds(121 + i))));
        }
        assertEquals(1, probes.stream().filter(e -> e instanceof Event.Decided).count(),
                "three failures counted from the release decide: " + probes);
    }

    private static ProbeSignal failedProbe() {
        return new ProbeSignal("checkout", "health", false, 503, null, 3, T0, 0);
    }

    // --- replay

    @Test
    void replayingTheJournaledEventsRebuildsTheSameView() {
        ServiceMachine live = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(5));
        AlertSignal a = firing("fp1", T0, CHECKOUT_ERRORS);
        feed(live, new OperatorCommand.Release("v2", new JsonObject().put("weight", 5), "deploy"), T0.plusSeconds(1));
        feed(live, firing("fp0", T0, Map.of("alertname", "CheckoutOld", "severity", "critical")), T0.plusSeconds(2));
        feed(live, firing("fp1", T0.plusSeconds(10), CHECKOUT_ERRORS), T0.plusSeconds(11));
        feed(live, new Event.ActuationFailed(T0.plusSeconds(12), "timeout", "no answer", 3));
        feed(live, actuated(T0.plusSeconds(13)));
        feed(live, resolved(firing("fp1", T0.plusSeconds(10), CHECKOUT_ERRORS), T0.plusSeconds(60)), T0.plusSeconds(61));
        feed(live, new OperatorCommand.Resume("fixed"), T0.plusSeconds(120));
        feed(live, firing("fp2", T0.plusSeconds(130), Map.of("alertname", "CheckoutLatency", "severity", "critical")),
                T0.plusSeconds(131));
        feed(live, a, T0.plusSeconds(132));
        assertTrue(emitted.size() >= 9, "the scenario produced events: " + emitted);

        ServiceMachine replayed = machine(Reaction.ROLLBACK, false, Duration.ofMinutes(5));
        for (Event e : emitted) {
            // Through JSON text, as the journal stores it.
            JsonObject body = new JsonObject(EventCodec.toJson(e).encode());
            Event back = EventCodec.fromJournal(e.type(), body);
            if (e.durable()) {
                assertEquals(e, back, "typed events survive the journal's JSON unchanged");
            }
            replayed.apply(back);
        }
        assertEquals(live.state(), replayed.state());
        assertEquals(live.view().encodePrettily(), replayed.view().encodePrettily());

        // And the rebuilt machine dedupes like the live one.
        assertEquals(feedQuietly(live, a, T0.plusSeconds(200)), feedQuietly(replayed, a, T0.plusSeconds(200)));
    }

    @Test
    void anUnknownJournalTypeIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> EventCodec.fromJournal("mystery", new JsonObject().put("at", T0.toString())));
    }

    // --- helpers

    private List<Event> feed(ServiceMachine m, AlertSignal a, Instant now) {
        return record(m, m.onAlert(a, paged, now));
    }

    private List<Event> feed(ServiceMachine m, OperatorCommand c, Instant now) {
        return record(m, m.onCommand(c, now));
    }

    private void feed(ServiceMachine m, Event e) {
        record(m, List.of(e));
    }

    private List<Event> feedQuietly(ServiceMachine m, AlertSignal a, Instant now) {
        List<Event> out = m.onAlert(a, paged, now);
        out.forEach(m::apply);
        return out;
    }

    private List<Event> record(ServiceMachine m, List<Event> out) {
        for (Event e : out) {
            m.apply(e);
            emitted.add(e);
        }
        return out;
    }

    private static Event.Decided decision(List<Event> out) {
        return out.stream().filter(e -> e instanceof Event.Decided).map(e -> (Event.Decided) e).findFirst()
                .orElseThrow(() -> new AssertionError("no decision in " + out));
    }

    private static Event.Actuated actuated(Instant at) {
        return new Event.Actuated(at, new dev.releasepilot.act.Weights(Map.of("stable1", 100, "canary1", 0),
                Map.of("stable1", 100, "canary1", 1)), 12, 1);
    }

    private static AlertSignal firing(String fingerprint, Instant startsAt, Map<String, String> labels) {
        return new AlertSignal(fingerprint, true, startsAt, null, labels, Map.of("summary", "high errors"),
                "http://am:9093", startsAt.plusSeconds(1), 0);
    }

    private static AlertSignal resolved(AlertSignal a, Instant endsAt) {
        return new AlertSignal(a.fingerprint(), false, a.startsAt(), endsAt, a.labels(), a.annotations(), a.sender(),
                endsAt, 0);
    }

    private static AlertSignal withSender(AlertSignal a, String sender) {
        return new AlertSignal(a.fingerprint(), a.firing(), a.startsAt(), a.endsAt(), a.labels(), a.annotations(), sender,
                a.receivedAt(), a.receivedNanos());
    }

    private static ServiceMachine machine(Reaction reaction, boolean dryRun, Duration cooldown) {
        return new ServiceMachine(rule(reaction, dryRun, cooldown, true));
    }

    private static ServiceRule rule(Reaction reaction, boolean dryRun, Duration cooldown, boolean ignoreOld) {
        HaproxyBackend be = new HaproxyBackend("127.0.0.1:9999", "be_checkout", List.of("stable1"), List.of("canary1"),
                Duration.ofSeconds(2));
        return new ServiceRule("checkout", be, List.of(trigger("paged", "alertname=~\"Checkout.*\"")), reaction, dryRun,
                cooldown, ignoreOld, List.of());
    }

    private static AlertTrigger trigger(String name, String matchers) {
        try {
            return new AlertTrigger(name, MatcherParser.parse(matchers));
        } catch (SyntaxError e) {
            throw new AssertionError(e);
        }
    }
}
