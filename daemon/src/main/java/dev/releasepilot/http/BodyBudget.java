package dev.releasepilot.http;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One budget for the request-body bytes all connections together may hold in memory, and a deadline
 * for reading each body. Without them, ~64 connections each sending a 4 MiB body minus its last byte
 * hold a 256 MB heap. Past the budget a request is answered 503 with {@code Retry-After} before its
 * body is read: never a 4xx, which Prometheus and Alertmanager treat as final (PROTOCOLS.md §1.3, §2.3),
 * while a 5xx makes them send the same data again a moment later. A body still incomplete at the
 * deadline gets the same 503 and its connection is closed.
 *
 * <p>Shared by every event loop that serves HTTP: the count is an {@link AtomicLong}, the rest is final.
 */
public final class BodyBudget {
    private static final Logger LOG = Logger.getLogger(BodyBudget.class.getName());
    /** Seconds a sender is asked to wait before retrying; Alertmanager and Prometheus back off anyway. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final long limitBytes;
    private final long deadlineMs;
    private final AtomicLong inFlight = new AtomicLong();
    private final MeterRegistry registry;

    /**
     * @param limitBytes bytes of request bodies held at once, over all connections
     * @param deadlineMs how long a request may take to deliver its whole body, from its headers
     */
    public BodyBudget(long limitBytes, long deadlineMs, MeterRegistry registry) {
        if (limitBytes <= 0 || deadlineMs <= 0) {
            throw new IllegalArgumentException("the body budget and the body deadline must be positive");
        }
        this.limitBytes = limitBytes;
        this.deadlineMs = deadlineMs;
        this.registry = registry;
        Gauge.builder("release_pilot_http_body_bytes_in_flight", inFlight, AtomicLong::get)
                .description("Request-body bytes held in memory now, over all connections").register(registry);
    }

    public long limitBytes() {
        return limitBytes;
    }

    /**
     * A route handler placed before a body handler that buffers up to {@code maxBody} bytes: it reserves
     * the declared {@code Content-Length} (or {@code maxBody} when the body is chunked) for as long as the
     * request lives, and arms the body deadline. Refusals are counted as
     * {@code release_pilot_signals_rejected_total{source, reason="busy"|"body_timeout"|"aborted"}}. A platform
     * handler, so Vert.x Web lets it run before the body handler.
     */
    public PlatformHandler guard(String source, long maxBody) {
        return ctx -> {
            long declared = declaredLength(ctx.request());
            long want = declared < 0 || declared > maxBody ? maxBody : declared;
            if (!tryTake(want)) {
                busy(ctx, source);
                return;
            }
            ctx.addEndHandler(ar -> {
                give(want);
                if (!ctx.response().ended()) {
                    count(source, "aborted"); // the client left before it could be answered
                }
            });
            deadline(ctx, source);
            ctx.next();
        };
    }

    /**
     * Arms the body deadline for a request whose body the caller reads itself: if the body has not
     * ended by then, the request is answered 503 and its connection closed.
     */
    public void deadline(RoutingContext ctx, String source) {
        HttpServerRequest req = ctx.request();
        long timer = ctx.vertx().setTimer(deadlineMs, t -> {
            if (!req.isEnded() && !ctx.response().ended()) {
                count(source, "body_timeout");
                LOG.fine(() -> "closing " + req.remoteAddress() + ": body of " + req.method() + " " + req.path()
                        + " not complete after " + deadlineMs + " ms");
                ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS).putHeader("Connection", "close");
                HttpErrors.send(ctx, 503, "request body not received within " + deadlineMs + " ms", null);
                req.connection().close();
            }
        });
        ctx.addEndHandler(ar -> ctx.vertx().cancelTimer(timer));
    }

    /** Takes {@code n} bytes from the budget if they fit; the caller must {@link #give} them back. */
    public boolean tryTake(long n) {
        while (true) {
            long now = inFlight.get();
            if (now + n > limitBytes) {
                return false;
            }
            if (inFlight.compareAndSet(now, now + n)) {
                return true;
            }
        }
    }

    public void give(long n) {
        inFlight.addAndGet(-n);
    }

    /** Answers 503 with Retry-After: the budget is spent for now, the same request will fit later. */
    public void busy(RoutingContext ctx, String source) {
        count(source, "busy");
        ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS).putHeader("Connection", "close");
        HttpErrors.send(ctx, 503, "too many request bodies in flight (budget " + limitBytes + " bytes); retry later", null);
    }

    private void count(String source, String reason) {
        registry.counter("release_pilot_signals_rejected_total", "source", source, "reason", reason).increment();
    }

    private static long declaredLength(HttpServerRequest req) {
        String cl = req.getHeader("Content-Length");
        if (cl == null) {
            return -1;
        }
        try {
            return Long.parseLong(cl.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
