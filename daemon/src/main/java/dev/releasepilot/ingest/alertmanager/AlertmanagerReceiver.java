package dev.releasepilot.ingest.alertmanager;

import dev.releasepilot.decide.Signal;
import dev.releasepilot.decide.SignalPort;
import dev.releasepilot.http.BodyBudget;
import dev.releasepilot.http.HttpErrors;
import dev.releasepilot.ingest.BadInput;
import dev.releasepilot.ingest.IngestMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * {@code POST /api/v1/alerts/alertmanager}: the Alertmanager webhook receiver.
 *
 * <p>Replies 200 once every alert that changed some service's state is journaled, whether or not it
 * matched a rule. Alertmanager re-sends on 5xx within a flush and on 4xx only at the next group interval
 * (PROTOCOLS.md §1.3, §6), so: 503 when the journal cannot take the signal or the memory budget is spent
 * (a retry will succeed), 400/415 only for input that can never be accepted, and never a 4xx for a
 * valid payload, however large: the body is parsed as it arrives ({@link AlertmanagerDecoder}), and where
 * a limit bites, what was read is acted on, the rest is counted ({@code reason="too_large"}) and the
 * answer is still 200.
 */
public final class AlertmanagerReceiver {
    public static final String PATH = "/api/v1/alerts/alertmanager";
    private static final Logger LOG = Logger.getLogger(AlertmanagerReceiver.class.getName());
    private static final String SOURCE = "alertmanager";

    private final SignalPort pilot;
    private final Clock clock;
    private final IngestMetrics metrics;
    private final AlertLimits limits;
    private final BodyBudget budget;

    public AlertmanagerReceiver(SignalPort pilot, Clock clock, MeterRegistry registry, AlertLimits limits, BodyBudget budget) {
        this.pilot = pilot;
        this.clock = clock;
        this.metrics = new IngestMetrics(registry, SOURCE);
        this.limits = limits;
        this.budget = budget;
    }

    public void mount(Router router, PlatformHandler auth) {
        router.post(PATH).handler(auth).handler(requireJson()).handler(this::receive);
    }

    private Handler<RoutingContext> requireJson() {
        return ctx -> {
            String ct = ctx.request().getHeader("Content-Type");
            String base = ct == null ? "" : ct.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!base.equals("application/json")) {
                metrics.rejected("content_type");
                HttpErrors.send(ctx, 415, "unsupported content type '" + (ct == null ? "" : ct)
                        + "'; Alertmanager webhooks send application/json", null);
                return;
            }
            ctx.next();
        };
    }

    /** Reads the body chunk by chunk into the decoder; answers once it has ended. */
    private void receive(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        AlertmanagerDecoder decoder = new AlertmanagerDecoder(pilot::admit, budget::tryTake, limits, clock.instant(),
                System.nanoTime());
        // The parser buffers at most the unfinished alert, but one string of it may be up to
        // maxStringChars: the bytes received count against the shared budget up to that worst case.
        long parserWorstCase = 4L * limits.maxStringChars();
        long[] received = {0, 0}; // bytes received, bytes of them reserved
        ctx.addEndHandler(ar -> budget.give(decoder.reservedBytes() + received[1]));
        budget.deadline(ctx, SOURCE);
        BadInput[] bad = {null};
        req.handler(chunk -> {
            if (ctx.response().ended()) {
                return;
            }
            received[0] += chunk.length();
            long want = Math.min(received[0], parserWorstCase) - received[1];
            if (want > 0) {
                if (!budget.tryTake(want)) {
                    budget.busy(ctx, SOURCE); // answered before the body ends: the sender sends it all again
                    return;
                }
                received[1] += want;
            }
            if (bad[0] == null) { // after a parse error the rest is read and discarded, then answered once
                try {
                    decoder.feed(chunk);
                } catch (BadInput e) {
                    bad[0] = e;
                }
            }
        });
        req.exceptionHandler(e -> {
            // The client went away mid-body (or the deadline closed it): nothing to answer, one line at most.
            metrics.rejected("aborted");
            LOG.fine(() -> "webhook body from " + req.remoteAddress() + " not completed: " + e);
        });
        req.endHandler(v -> {
            if (ctx.response().ended()) {
                return; // the body deadline answered already
            }
            AlertmanagerDecoder.Decoded decoded;
            try {
                if (bad[0] != null) {
                    throw bad[0];
                }
                decoded = decoder.finish();
            } catch (BadInput e) {
                metrics.rejected(e.reason());
                HttpErrors.send(ctx, 400, e.getMessage(), null);
                return;
            }
            answer(ctx, decoded);
        });
        req.resume();
    }

    private void answer(RoutingContext ctx, AlertmanagerDecoder.Decoded d) {
        metrics.received(d.alerts().size() + d.skipped());
        metrics.rejected("invalid_alert", d.rejectedCount() - d.oversized());
        metrics.rejected("too_large", d.oversized());
        metrics.truncated("annotations", d.truncatedAnnotations());
        if (d.truncated() != null) {
            metrics.rejected(d.busy() ? "busy" : "too_large");
            LOG.warning("webhook from " + ctx.request().remoteAddress() + " (group " + d.groupKey() + ") read in part: "
                    + d.truncated() + "; acting on the " + d.alerts().size() + " matching alerts read");
        }
        if (d.rejectedCount() > 0) {
            LOG.info(() -> "webhook (group " + d.groupKey() + "): " + d.rejectedCount() + " alert(s) rejected, first: "
                    + d.rejected().get(0));
        }
        List<Signal> signals = new ArrayList<>(d.alerts());
        pilot.accept(signals).onComplete(ar -> {
            if (ar.failed()) {
                HttpErrors.send(ctx, 503, "not recorded durably, retry: " + ar.cause().getMessage(), null);
            } else if (d.busy()) {
                // What was read is recorded; the sender retries the whole group and the rest is read then.
                budget.busy(ctx, SOURCE);
            } else if (d.rejectedCount() > 0) {
                // The valid alerts were taken; say which ones were not, in one answer.
                JsonArray detail = new JsonArray(new ArrayList<>(d.rejected()));
                if (d.rejectedCount() > d.rejected().size()) {
                    detail.add("… and " + (d.rejectedCount() - d.rejected().size()) + " more");
                }
                HttpErrors.send(ctx, 400, d.rejectedCount() + " alert(s) rejected, "
                        + (d.alerts().size() + d.skipped()) + " accepted", detail);
            } else {
                JsonObject ok = new JsonObject().put("status", "success").put("accepted", d.alerts().size() + d.skipped());
                if (d.truncatedAnnotations() > 0) {
                    ok.put("annotations_truncated", d.truncatedAnnotations());
                }
                if (d.truncated() != null) {
                    ok.put("truncated", d.truncated());
                }
                ctx.response().putHeader("Content-Type", "application/json").end(ok.encode());
            }
        });
    }
}
