package dev.releasepilot.decide;

import dev.releasepilot.act.Actuators;
import dev.releasepilot.journal.FileJournal;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.rules.ExprTrigger;
import dev.releasepilot.rules.RuleSet;
import dev.releasepilot.rules.ServiceRule;
import dev.releasepilot.rules.Trigger;
import dev.releasepilot.window.EvaluationGrid;
import dev.releasepilot.window.Evaluator;
import dev.releasepilot.window.HostTime;
import dev.releasepilot.window.SelectorIndex;
import dev.releasepilot.window.SeriesStore;
import dev.releasepilot.window.StoreLimits;
import dev.releasepilot.window.Labels;
import dev.releasepilot.window.Sample;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A real {@link Pilot} on a real Vert.x with a real file journal, for decide tests: every service's
 * load balancer is an exec backend running a small shell script that keeps its weights in a file
 * (prints them for a read, stores {@code RP_WEIGHTS} for a change). {@link #restart} closes everything
 * and starts again on the same journal, as the daemon does after a crash.
 */
final class PilotHarness implements AutoCloseable {
    private static final String SCRIPT = """
            #!/bin/sh
            state="%s/weights-$RP_SERVICE.json"
            if [ "$RP_COMMAND" = read ]; then
              cat "$state" 2>/dev/null || printf '{"stable":9,"canary":1}'
            else
              printf '%%s' "$RP_WEIGHTS" > "$state"
            fi
            """;

    private final Path dir;
    private final String servicesYaml;
    private final Clock clock;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Vertx vertx;
    private FileJournal journal;
    Pilot pilot;
    SeriesStore store;

    /**
     * @param servicesYaml the services' lines below {@code services:}, each service's backend given as
     *                     {@code backend: EXEC} (replaced by the exec backend)
     */
    PilotHarness(Path dir, String servicesYaml, Clock clock) {
        this.dir = dir;
        this.servicesYaml = servicesYaml;
        this.clock = clock;
        start();
    }

    private void start() {
        try {
            Path script = dir.resolve("lb.sh");
            Files.writeString(script, SCRIPT.formatted(dir));
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            String backend = "{type: exec, command: " + script + ", args: [], stable: [{server: stable, weight: 9}],"
                    + " canary: [{server: canary, weight: 1}], timeout: 10s}";
            LoadResult r = RuleLoader.parse("pilot-test.yaml", "services:\n" + servicesYaml.replace("EXEC", backend));
            if (!r.ok()) {
                throw new AssertionError("rules do not load: " + r.errors());
            }
            RuleSet rules = r.rules();
            vertx = Vertx.vertx();
            journal = FileJournal.open(dir, clock, registry);
            // Assembled as app assembles the daemon: router, window stage reporting to it, one evaluator per service.
            pilot = new Pilot(vertx, journal, clock, registry, dev.releasepilot.telemetry.Tracing.off(), b -> Actuators.create(vertx, b.backend()), 100, 0);
            SelectorIndex.Builder index = SelectorIndex.builder();
            for (ServiceRule s : rules.services()) {
                for (Trigger t : s.triggers()) {
                    if (t instanceof ExprTrigger e) {
                        index.add(TriggerKey.of(s.name(), e.name()), e.condition());
                        if (e.requires() != null) {
                            index.add(TriggerKey.of(s.name(), e.name()), e.requires());
                        }
                    }
                }
            }
            StoreLimits limits = StoreLimits.defaults();
            store = new SeriesStore(index.build(), limits, registry, pilot,
                    new HostTime(clock, HostTime.DEFAULT_MAX_SAMPLE_FUTURE));
            pilot.start(rules, () -> new Evaluator(store), new EvaluationGrid(limits.resolution().toMillis()), EventSink.NONE)
                    .await(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new AssertionError("pilot does not start: " + e, e);
        }
    }

    void restart() {
        close();
        start();
    }

    JsonObject status(String service) throws Exception {
        return pilot.status(service).await(10, TimeUnit.SECONDS);
    }

    JsonObject command(String service, OperatorCommand c) throws Exception {
        return pilot.command(service, c).await(10, TimeUnit.SECONDS);
    }

    void feed(List<Sample> batch) throws Exception {
        store.accept(batch).await(10, TimeUnit.SECONDS);
    }

    /** Labels of {@code http_requests_total{service, code}}. */
    static Labels requests(String service, String code) {
        Map<String, String> m = new TreeMap<>();
        m.put(Labels.METRIC_NAME, "http_requests_total");
        m.put("service", service);
        m.put("code", code);
        return Labels.of(m);
    }

    /** Labels of {@code http_requests_total{service, code, instance}}. */
    static Labels requests(String service, String code, String instance) {
        Map<String, String> m = new TreeMap<>(requests(service, code).toMap());
        m.put("instance", instance);
        return Labels.of(m);
    }

    /** The error-ratio trigger of a service, {@code for: 0s}. */
    static String service(String name, String extra) {
        return """
                  - name: %s
                    backend: EXEC
                    cooldown: 0s
                    triggers:
                      - name: error-ratio
                        expr: sum(rate(http_requests_total{service="%s",code="500"}[30s])) / sum(rate(http_requests_total{service="%s"}[30s])) > 0.05
                        for: 0s
                %s""".formatted(name, name, name, extra);
    }

    @Override
    public void close() {
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            journal.close();
        }
    }
}
