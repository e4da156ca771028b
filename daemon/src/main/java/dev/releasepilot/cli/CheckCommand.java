package dev.releasepilot.cli;

import dev.releasepilot.act.caddy.CaddyActuator;
import dev.releasepilot.rules.backend.CaddyBackend;
import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.Problem;
import dev.releasepilot.rules.RuleLoader;
import dev.releasepilot.rules.ServiceRule;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Validates a rule file with the daemon's own loader. Exit 0 ok, 1 errors. What only the running load
 * balancer can tell (a Caddy handler whose selection policy cannot express ratio steps) is asked of it and
 * printed as a warning, never an error: the LB may be down while the rules are checked.
 */
@Command(name = "check", description = "Validate a rule file; prints file:line:column: message for each problem.")
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "rules/example.yaml", description = "Rule file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--offline", description = "Do not ask the load balancers anything (Caddy's selection policy).")
    boolean offline;

    @Override
    public Integer call() {
        LoadResult r = RuleLoader.load(config);
        for (Problem w : r.warnings()) {
            System.err.println(w + " (warning)");
        }
        for (Problem e : r.errors()) {
            System.err.println(e);
        }
        if (!r.ok()) {
            System.err.println(config + ": " + r.errors().size() + " error(s)");
            return 1;
        }
        if (!offline) {
            askLoadBalancers(r);
        }
        System.out.println(config + ": ok, " + r.rules().services().size() + " service(s)");
        return 0;
    }

    private void askLoadBalancers(LoadResult r) {
        if (r.rules().services().stream().noneMatch(s -> s.backend() instanceof CaddyBackend)) {
            return;
        }
        Vertx vertx = Vertx.vertx();
        try {
            for (ServiceRule s : r.rules().services()) {
                if (s.backend() instanceof CaddyBackend c) {
                    String where = config + ": service " + s.name() + ": ";
                    try {
                        Optional<String> w = new CaddyActuator(vertx, c).policyWarning()
                                .await(c.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                        w.ifPresent(text -> System.err.println(where + text + " (warning)"));
                    } catch (Exception e) {
                        System.err.println(where + "could not ask Caddy for its selection policy: " + e.getMessage()
                                + " (warning; --offline skips this)");
                    }
                }
            }
        } finally {
            vertx.close();
        }
    }
}
