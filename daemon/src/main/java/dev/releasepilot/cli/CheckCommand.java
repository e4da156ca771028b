package dev.releasepilot.cli;

import dev.releasepilot.rules.LoadResult;
import dev.releasepilot.rules.Problem;
import dev.releasepilot.rules.RuleLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Validates a rule file with the daemon's own loader. Exit 0 ok, 1 errors. */
@Command(name = "check", description = "Validate a rule file; prints file:line:column: message for each problem.")
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "rules/example.yaml", description = "Rule file (default: ${DEFAULT-VALUE}).")
    Path config;

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
        System.out.println(config + ": ok, " + r.rules().services().size() + " service(s)");
        return 0;
    }
}
