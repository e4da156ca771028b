package dev.releasepilot.notify;

import dev.releasepilot.decide.EventSink;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.notify.NotifyTarget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Tells people about decisions and actions: each service's {@code notify:} targets (Slack-compatible
 * chat, generic JSON webhooks, an incident hook) get the journal records they listen to, as HTTP POSTs.
 *
 * <p>Never in a rollback's way: {@link #publish} copies the record and hands it to this verticle's own
 * context, so the service's event loop only pays for the copy; delivery happens here. Each target has
 * its own lane: its messages go one at a time, in the order they were decided, so a receiver sees the
 * decision before the action, and a slow or dead receiver holds up only itself. A delivery has a
 * request timeout and is retried with doubling delays on connection errors, 5xx, 408 and 429 (as
 * Alertmanager's notifiers retry); a lane holds at most {@value #MAX_PENDING} messages — past that a
 * record is dropped. Every outcome is counted in
 * {@code release_pilot_notifications_total{kind,result}} (result delivered, failed, dropped) and every
 * retry in {@code release_pilot_notification_retries_total{kind}}.
 */
public final class Notifier extends VerticleBase implements EventSink {
    private static final Logger LOG = Logger.getLogger(Notifier.class.getName());
    static final int MAX_PENDING = 100;
    static final int MAX_ATTEMPTS = 5;
    static final long FIRST_RETRY_MS = 1_000;
    static final long TIMEOUT_MS = 5_000;

    private final MeterRegistry registry;
    private volatile Map<String, List<NotifyTarget>> targets;
    // Owned by this verticle's context: the rollback decision an incident is opened for.
    private final Map<String, JsonObject> lastRollback = new HashMap<>();
    private final Map<String, Counter> counters = new HashMap<>();
    private final Map<LaneKey, Lane> lanes = new HashMap<>();
    private HttpClient client;

    private record LaneKey(String service, NotifyTarget target) {
    }

    /** One service's target's messages, oldest first; the head is being delivered (or waits for its retry). */
    private static final class Lane {
        final ArrayDeque<Buffer> queue = new ArrayDeque<>();
        final String service;

        Lane(String service) {
            this.service = service;
        }
    }

    public Notifier(RuleSet rules, MeterRegistry registry) {
        this.registry = registry;
        this.targets = targets(rules);
        for (String kind : List.of("slack", "webhook", "incident")) {
            for (String result : List.of("delivered", "failed", "dropped")) {
                counters.put(kind + "/" + result, Counter.builder("release_pilot_notifications_total")
                        .tag("kind", kind).tag("result", result)
                        .description("Notifications by receiver kind and outcome").register(registry));
            }
            counters.put(kind + "/retry", Counter.builder("release_pilot_notification_retries_total").tag("kind", kind)
                    .description("Notification deliveries tried again").register(registry));
        }
    }

    private static Map<String, List<NotifyTarget>> targets(RuleSet rules) {
        Map<String, List<NotifyTarget>> m = new LinkedHashMap<>();
        for (ServiceRule s : rules.services()) {
            if (!s.notifications().isEmpty()) {
                m.put(s.name(), s.notifications());
            }
        }
        return Map.copyOf(m);
    }

    /** Whether any service has notify targets (otherwise the daemon need not deploy this). */
    public static boolean needed(RuleSet rules) {
        return rules.services().stream().anyMatch(s -> !s.notifications().isEmpty());
    }

    /** Takes the reloaded rules' targets; deliveries under way finish as they were. */
    public void reload(RuleSet rules) {
        targets = targets(rules);
    }

    @Override
    public Future<?> start() {
        client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) TIMEOUT_MS)
                .setIdleTimeout(30).setKeepAlive(true));
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        return client == null ? Future.succeededFuture() : client.close();
    }

    /** From any service's context: never blocks, never fails. */
    @Override
    public void publish(String service, String type, JsonObject body) {
        List<NotifyTarget> ts = targets.get(service);
        if (ts == null || context == null) {
            return;
        }
        JsonObject record = body.copy();
        context.runOnContext(v -> dispatch(service, type, record, ts));
    }

    private void dispatch(String service, String type, JsonObject record, List<NotifyTarget> ts) {
        if (type.equals("decision") && "rollback".equals(record.getString("kind"))) {
            lastRollback.put(service, record);
        }
        for (NotifyTarget t : ts) {
            if (!t.events().contains(type)) {
                continue;
            }
            JsonObject payload;
            if (t instanceof NotifyTarget.Slack s) {
                payload = Messages.slack(s, service, type, record);
            } else if (t instanceof NotifyTarget.Webhook) {
                payload = Messages.webhook(service, type, record);
            } else if (t instanceof NotifyTarget.Incident i) {
                if (!"ok".equals(record.getString("result"))) {
                    continue; // only a verified rollback opens an incident
                }
                payload = Messages.incident(i, service, record, lastRollback.get(service));
            } else {
                throw new IllegalStateException("unhandled notify target " + t);
            }
            Lane lane = lanes.computeIfAbsent(new LaneKey(service, t), k -> new Lane(service));
            if (lane.queue.size() >= MAX_PENDING) {
                count(t, "dropped");
                continue;
            }
            lane.queue.add(payload.toBuffer());
            if (lane.queue.size() == 1) {
                deliver(t, lane, 1);
            }
        }
    }

    /** Delivers the lane's head; when it is done (delivered or given up), the next one. */
    private void deliver(NotifyTarget t, Lane lane, int attempt) {
        Buffer payload = lane.queue.peek();
        String service = lane.service;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(t.url().toString())
                .setTimeout(TIMEOUT_MS).putHeader("Content-Type", "application/json")
                .putHeader("User-Agent", "release-pilot");
        client.request(options)
                .compose(req -> req.send(payload))
                .compose(resp -> {
                    resp.handler(b -> { }); // the answer's body is not needed; read and drop it
                    return resp.end().map(v -> resp.statusCode());
                })
                .onComplete(ar -> {
                    int status = ar.succeeded() ? ar.result() : 0;
                    if (status / 100 == 2) {
                        count(t, "delivered");
                        next(t, lane);
                        return;
                    }
                    boolean retryable = status == 0 || status >= 500 || status == 408 || status == 429;
                    String why = ar.succeeded() ? "HTTP " + status : String.valueOf(ar.cause().getMessage());
                    if (retryable && attempt < MAX_ATTEMPTS) {
                        count(t, "retry");
                        vertx.setTimer(FIRST_RETRY_MS << (attempt - 1), x -> deliver(t, lane, attempt + 1));
                        return;
                    }
                    count(t, "failed");
                    LOG.warning("service " + service + ": " + t.kind() + " notification to " + t.url().getHost()
                            + " failed after " + attempt + " attempt(s): " + why);
                    next(t, lane);
                });
    }

    private void next(NotifyTarget t, Lane lane) {
        lane.queue.poll();
        if (!lane.queue.isEmpty()) {
            deliver(t, lane, 1);
        }
    }

    private void count(NotifyTarget t, String result) {
        counters.get(t.kind().toLowerCase(Locale.ROOT) + "/" + result).increment();
    }
}
