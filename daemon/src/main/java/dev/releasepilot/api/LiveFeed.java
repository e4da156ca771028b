package dev.releasepilot.api;

import dev.releasepilot.decide.ControlPort;
import dev.releasepilot.decide.EventSink;
import dev.releasepilot.journal.Journal;
import dev.releasepilot.journal.JournalEntry;
import dev.releasepilot.rules.AlertTrigger;
import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.JudgeTrigger;
import dev.releasepilot.rules.ProbeTrigger;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.Trigger;
import dev.releasepilot.rules.promql.NumberLiteral;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The status page's live feed: {@code GET /api/v1/live} is a server-sent-event stream. On connect it
 * sends {@code init} (each service's triggers with their thresholds, the last {@value #HISTORY_POINTS}
 * seconds of every service's state and trigger values, and the newest journal records); then a
 * {@code tick} every second with every service's state, and at once a {@code service} update and a
 * {@code record} whenever a service journals a decision, action, failure or drift — so a rollback
 * reaches an open page in milliseconds, not at the next tick.
 *
 * <p>One owner: everything here runs on this verticle's context; {@link #publish} (called on services'
 * contexts) only hands the record over. Bounded: at most {@value #MAX_CLIENTS} streams, a stream whose
 * socket cannot keep up (Vert.x's write queue full) is closed and counted, history is a fixed ring
 * per service.
 */
public final class LiveFeed extends VerticleBase implements EventSink {
    static final int HISTORY_POINTS = 300;
    static final int MAX_CLIENTS = 64;
    static final int RECENT_RECORDS = 100;
    static final long TICK_MS = 1_000;

    private final ControlPort control;
    private final Journal journal;
    private final Supplier<RuleSet> rules;
    private final Clock clock;
    private final Counter droppedClients;
    private final List<HttpServerResponse> clients = new ArrayList<>();
    private final Map<String, ArrayDeque<JsonArray>> history = new HashMap<>();
    private final ArrayDeque<JsonObject> records = new ArrayDeque<>();
    private boolean recordsLoaded;

    public LiveFeed(ControlPort control, Journal journal, Supplier<RuleSet> rules, Clock clock, MeterRegistry registry) {
        this.control = control;
        this.journal = journal;
        this.rules = rules;
        this.clock = clock;
        this.droppedClients = Counter.builder("release_pilot_live_clients_dropped_total")
                .description("Status-page streams closed because the client could not keep up").register(registry);
    }

    @Override
    public Future<?> start() {
        vertx.setPeriodic(TICK_MS, TICK_MS, t -> tick());
        return Future.succeededFuture();
    }

    /** The SSE endpoint's handler (mount it behind the read check). */
    public void stream(RoutingContext ctx) {
        context.runOnContext(v -> open(ctx));
    }

    private void open(RoutingContext ctx) {
        HttpServerResponse r = ctx.response();
        if (clients.size() >= MAX_CLIENTS) {
            r.setStatusCode(503).putHeader("Retry-After", "5").end("too many live streams\n");
            return;
        }
        r.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        clients.add(r);
        r.closeHandler(x -> context.runOnContext(y -> clients.remove(r)));
        control.statuses().onComplete(ar -> recentRecords().onComplete(rr -> {
            JsonObject init = new JsonObject().put("now", clock.millis()).put("services", meta())
                    .put("history", historyJson()).put("records", new JsonArray(new ArrayList<>(records)))
                    .put("status", ar.succeeded() ? ar.result() : new JsonArray());
            send(r, "init", init);
        }));
    }

    /** Services' triggers as the page draws them: kind, threshold and comparison, the {@code for} window. */
    private JsonObject meta() {
        JsonObject out = new JsonObject();
        for (ServiceRule s : rules.get().services()) {
            JsonArray triggers = new JsonArray();
            for (Trigger t : s.triggers()) {
                JsonObject m = new JsonObject().put("name", t.name());
                if (t instanceof ExprTrigger e) {
                    m.put("kind", "expr").put("expr", e.expr()).put("op", e.condition().op().symbol())
                            .put("for_ms", e.forDuration().toMillis());
                    if (e.condition().rhs() instanceof NumberLiteral n) {
                        m.put("threshold", n.value());
                    }
                } else if (t instanceof ProbeTrigger p) {
                    m.put("kind", "probe").put("url", p.url()).put("consecutive_failures", p.consecutiveFailures());
                } else if (t instanceof AlertTrigger) {
                    m.put("kind", "alert");
                } else if (t instanceof JudgeTrigger j) {
                    m.put("kind", "judge").put("test", j.test().label()).put("confidence", j.confidence());
                }
                triggers.add(m);
            }
            out.put(s.name(), new JsonObject().put("backend", s.backend().kind()).put("triggers", triggers));
        }
        return out;
    }

    private JsonObject historyJson() {
        JsonObject out = new JsonObject();
        history.forEach((service, points) -> out.put(service, new JsonArray(new ArrayList<>(points))));
        return out;
    }

    /** Loads the journal's newest records once (a page of history may read the disk: off the event loop). */
    private Future<?> recentRecords() {
        if (recordsLoaded) {
            return Future.succeededFuture();
        }
        return vertx.executeBlocking(() -> journal.page(null, Long.MAX_VALUE, RECENT_RECORDS).records(), false)
                .onSuccess(this::mergeRecent);
    }

    private void mergeRecent(List<JournalEntry> old) {
        if (!recordsLoaded) {
            recordsLoaded = true;
            List<JsonObject> loaded = new ArrayList<>();
            old.forEach(e -> loaded.add(e.toJson()));
            // Records announced before the first page opened are already in the journal: keep one copy.
            long newestLoaded = old.isEmpty() ? Long.MIN_VALUE : old.get(old.size() - 1).seq();
            records.removeIf(r -> r.getLong("seq", Long.MIN_VALUE) <= newestLoaded);
            ArrayDeque<JsonObject> merged = new ArrayDeque<>(loaded);
            merged.addAll(records);
            records.clear();
            records.addAll(merged);
            trimRecords();
        }
    }

    private void trimRecords() {
        while (records.size() > RECENT_RECORDS) {
            records.poll();
        }
    }

    private void tick() {
        control.statuses().onSuccess(all -> {
            long now = clock.millis();
            for (Object o : all) {
                JsonObject s = (JsonObject) o;
                ArrayDeque<JsonArray> h = history.computeIfAbsent(s.getString("name"), k -> new ArrayDeque<>());
                h.add(point(now, s));
                if (h.size() > HISTORY_POINTS) {
                    h.poll();
                }
            }
            if (!clients.isEmpty()) {
                broadcast("tick", new JsonObject().put("now", now).put("status", all));
            }
        });
    }

    /**
     * One second of a service, compact for the chart: {@code [time ms, state, {trigger: [state, value]}]}
     * where value is the trigger's first element's value (null: none).
     */
    static JsonArray point(long now, JsonObject status) {
        JsonObject triggers = new JsonObject();
        JsonObject expr = status.getJsonObject("expr_triggers", new JsonObject());
        for (Map.Entry<String, Object> e : expr) {
            JsonObject t = (JsonObject) e.getValue();
            JsonArray values = t.getJsonArray("value");
            Object v = values == null || values.isEmpty() ? null : values.getJsonObject(0).getValue("value");
            triggers.put(e.getKey(), new JsonArray().add(t.getString("state")).add(v));
        }
        return new JsonArray().add(now).add(status.getString("state")).add(triggers);
    }

    /** From a service's context: a record was journaled (or is about to be): push it and the service's view now. */
    @Override
    public void publish(String service, String type, JsonObject body) {
        if (context == null) {
            return;
        }
        JsonObject record = new JsonObject().put("at", body.getString("at")).put("service", service)
                .put("type", type).put("body", body.copy());
        context.runOnContext(v -> {
            records.add(record);
            trimRecords();
            if (clients.isEmpty()) {
                return;
            }
            broadcast("record", record);
            control.status(service).onSuccess(view -> broadcast("service", view));
        });
    }

    private void broadcast(String event, JsonObject data) {
        String frame = frame(event, data);
        for (Iterator<HttpServerResponse> it = clients.iterator(); it.hasNext(); ) {
            HttpServerResponse r = it.next();
            if (r.closed() || r.ended()) {
                it.remove();
            } else if (r.writeQueueFull()) {
                it.remove();
                droppedClients.increment();
                r.reset();
            } else {
                r.write(frame);
            }
        }
    }

    private static void send(HttpServerResponse r, String event, JsonObject data) {
        if (!r.closed() && !r.ended()) {
            r.write(frame(event, data));
        }
    }

    private static String frame(String event, JsonObject data) {
        // JSON has no raw newlines, so one data: line carries the whole object.
        return "event: " + event + "\ndata: " + data.encode() + "\n\n";
    }
}
