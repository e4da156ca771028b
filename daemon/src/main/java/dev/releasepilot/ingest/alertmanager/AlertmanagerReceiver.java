package dev.releasepilot.ingest.alertmanager;



import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.ingest.IngestMetrics;
import dev.releasepilot.http.HttpErrors;
import dev.releasepilot.decide.SignalPort;
import dev.releasepilot.decide.Signal;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /api/v1/alerts/alertmanager}: the Alertmanager webhook receiver.
 *
 * <p>Replies 200 once every alert that changed some service's state is journaled, whether or not it
 * matched a rule. Alertmanager re-sends on 5xx within a flush and on 4xx at the next group interval,
 * so: 503 when the journal cannot take the signal (a retry will succeed), 400/413/415 only for input
 * that can never be accepted.
 */
public final class AlertmanagerReceiver {
    public static final String PATH = "/api/v1/alerts/alertmanager";

    private final SignalPort pilot;
    private final Clock clock;
    private final IngestMetrics metrics;
    private final long bodyLimit;

    public AlertmanagerReceiver(SignalPort pilot, Clock clock, MeterRegistry registry, long bodyLimit) {
        this.pilot = pilot;
        this.clock = clock;
        this.metrics = new IngestMetrics(registry, "alertmanager");
        this.bodyLimit = bodyLimit;
    }

    public void mount(Router router) {
        // Vert.x Web runs body handlers before user handlers, so the content type is checked after.
        router.post(PATH)
                .handler(BodyHandler.create(false).setBodyLimit(bodyLimit))
                .handler(requireJson())
                .handler(this::receive);
    }

    private Handler<RoutingContext> requireJson() {
        return ctx -> {
            String ct = ctx.request().getHeader("Content-Type");
            String base = ct == null ? "" : ct.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
            if (!base.equals("application/json")) {
                metrics.rejected("content_type");
                HttpErrors.send(ctx, 415, "unsupported content type '" + (ct == null ? "" : ct)
                        + "'; Alertmanager webhooks send application/json", null);
                return;
            }
            ctx.next();
        };
    }

    private void receive(RoutingContext ctx) {
        long nanos = System.nanoTime();
        AlertmanagerDecoder.Decoded decoded;
        try {
            decoded = AlertmanagerDecoder.decode(ctx.body().buffer(), clock.instant(), nanos);
        } catch (BadInput e) {
            metrics.rejected(e.reason());
            HttpErrors.send(ctx, 400, e.getMessage(), null);
            return;
        }
        metrics.received(decoded.alerts().size());
        decoded.rejected().forEach(r -> metrics.rejected("invalid_alert"));
        List<Signal> signals = new ArrayList<>(decoded.alerts());
        pilot.accept(signals).onComplete(ar -> {
            if (ar.failed()) {
                HttpErrors.send(ctx, 503, "not recorded durably, retry: " + ar.cause().getMessage(), null);
            } else if (!decoded.rejected().isEmpty()) {
                // The valid alerts were taken; say which ones were not, in one answer.
                HttpErrors.send(ctx, 400, decoded.rejected().size() + " alert(s) rejected, "
                        + decoded.alerts().size() + " accepted", new JsonArray(decoded.rejected()));
            } else {
                ctx.response().putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("status", "success").put("accepted", decoded.alerts().size()).encode());
            }
        });
    }
}
