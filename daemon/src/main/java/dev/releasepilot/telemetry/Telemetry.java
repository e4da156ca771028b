package dev.releasepilot.telemetry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The process's one meter registry. Each package registers its own meters on it; this class only
 * owns the registry and the process-wide gauges.
 */
public final class Telemetry {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger lastReloadOk = new AtomicInteger(1);

    public Telemetry(String version) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Gauge.builder("release_pilot_build_info", () -> 1).tag("version", version)
                .description("Always 1; the labels say which build runs").register(registry);
        Gauge.builder("release_pilot_config_last_reload_successful", lastReloadOk, AtomicInteger::get)
                .description("1 if the last rule (re)load succeeded, 0 if the daemon kept the previous rules")
                .register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void reloadOutcome(boolean ok) {
        lastReloadOk.set(ok ? 1 : 0);
    }

    public String scrape() {
        return registry.scrape();
    }
}
