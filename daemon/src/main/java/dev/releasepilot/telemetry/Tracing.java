package dev.releasepilot.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One OpenTelemetry trace per decision, from the signal's arrival through the decision and the journal
 * write to the actuation and its read-back: a root span {@code release_pilot.decision} and one child
 * span per step, with the service, trigger, decision kind and weights as attributes. Spans are built
 * after the fact with the steps' own timestamps (epoch nanoseconds), so tracing adds no work to the
 * steps themselves; a batch processor exports them over OTLP/HTTP ({@code <endpoint>/v1/traces},
 * protobuf) from its own thread.
 *
 * <p>Off by default ({@link #off()}): then every call is a constant no-op and nothing is allocated.
 */
public final class Tracing implements AutoCloseable {
    private static final Tracing OFF = new Tracing(null, null);
    private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("release_pilot.service");
    private static final AttributeKey<String> TRIGGER = AttributeKey.stringKey("release_pilot.trigger");
    private static final AttributeKey<String> KIND = AttributeKey.stringKey("release_pilot.decision");

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider, Tracer tracer) {
        this.provider = provider;
        this.tracer = tracer;
    }

    public static Tracing off() {
        return OFF;
    }

    /**
     * Exports to an OTLP/HTTP receiver (an OpenTelemetry Collector, Jaeger, Tempo ...).
     *
     * @param endpoint the receiver's base URL, e.g. {@code http://127.0.0.1:4318}; spans go to {@code /v1/traces}
     * @throws IllegalArgumentException when it is not an absolute http(s) URL
     */
    public static Tracing otlp(String endpoint, String version) {
        String trimmed = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        URI base;
        try {
            base = new URI(trimmed);
        } catch (URISyntaxException e) {
            base = null;
        }
        if (base == null || !("http".equals(base.getScheme()) || "https".equals(base.getScheme())) || base.getHost() == null) {
            throw new IllegalArgumentException("--otlp-endpoint must be an http:// or https:// base URL, e.g. "
                    + "http://127.0.0.1:4318 (got '" + endpoint + "')");
        }
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces")
                .setTimeout(Duration.ofSeconds(10)).build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), "release-pilot",
                        AttributeKey.stringKey("service.version"), version))))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(500))
                        .setMaxQueueSize(2048).build())
                .build();
        return new Tracing(provider, provider.get("dev.releasepilot", version));
    }

    public boolean enabled() {
        return tracer != null;
    }

    /**
     * Starts a decision's trace at the signal's arrival.
     *
     * @return the trace; its {@link Trace#id()} is null when tracing is off
     */
    public Trace decision(String service, String trigger, String kind, long arrivedEpochNanos) {
        if (tracer == null) {
            return Trace.NONE;
        }
        Span root = tracer.spanBuilder("release_pilot.decision").setSpanKind(SpanKind.INTERNAL).setNoParent()
                .setStartTimestamp(arrivedEpochNanos, TimeUnit.NANOSECONDS)
                .setAllAttributes(Attributes.of(SERVICE, service, TRIGGER, trigger, KIND, kind)).startSpan();
        return new Trace(tracer, root);
    }

    /** Exports what is queued (for tests and shutdown); waits at most {@code timeout}. */
    public void flush(Duration timeout) {
        if (provider != null) {
            provider.forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }

    /** One decision's trace. Not thread-safe: the service that made the decision owns it. */
    public static final class Trace {
        /** No trace: every call does nothing. */
        public static final Trace NONE = new Trace(null, null);

        private final Tracer tracer;
        private final Span root;

        private Trace(Tracer tracer, Span root) {
            this.tracer = tracer;
            this.root = root;
        }

        /** The W3C trace id (32 hex digits), for the journal record; null when tracing is off. */
        public String id() {
            return root == null ? null : root.getSpanContext().getTraceId();
        }

        /** A finished step of this decision, e.g. {@code evaluate}, {@code journal}, {@code actuate}. */
        public void step(String name, long startEpochNanos, long endEpochNanos, Map<String, String> attributes) {
            if (root == null) {
                return;
            }
            var b = tracer.spanBuilder("release_pilot." + name).setParent(Context.root().with(root))
                    .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS);
            attributes.forEach((k, v) -> b.setAttribute("release_pilot." + k, v));
            b.startSpan().end(endEpochNanos, TimeUnit.NANOSECONDS);
        }

        /** Ends the trace; {@code ok} false marks it an error (e.g. the rollback is still pending). */
        public void end(long endEpochNanos, boolean ok, String detail) {
            if (root == null) {
                return;
            }
            if (!ok) {
                root.setStatus(StatusCode.ERROR, detail == null ? "" : detail);
            } else if (detail != null) {
                root.setAttribute("release_pilot.outcome", detail);
            }
            root.end(endEpochNanos, TimeUnit.NANOSECONDS);
        }
    }
}
