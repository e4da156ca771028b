package dev.releasepilot.act.exec;


import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.OneAtATime;
import dev.releasepilot.act.Placeholders;
import dev.releasepilot.act.ProcessRun;
import dev.releasepilot.act.ServerPlan;
import dev.releasepilot.act.Weights;
import dev.releasepilot.rules.backend.ExecBackend;
import dev.releasepilot.rules.backend.Template;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shifts traffic by running a command directly (no shell: arguments are never re-parsed, so a value
 * cannot inject anything), on a worker thread, with the weights as {@code ${...}} arguments and
 * {@code RP_*} environment variables ({@link Placeholders#environment}).
 *
 * <p>The command's contract: exit 0 means applied. If it prints a JSON object of server → weight on
 * stdout, that is its read-back and must equal the wanted weights; otherwise exit 0 is trusted. For a
 * Read ({@code RP_COMMAND=read}) it must print that object. Exit 75 (EX_TEMPFAIL) is a temporary failure
 * (retried), any other non-zero exit is REJECTED; past the timeout the process group is killed (TIMEOUT).
 * The read-back is parsed from all of stdout up to {@link ProcessRun#STDOUT_LIMIT} (1 MiB); more fails
 * PROTOCOL. Failure messages carry the first 4 KiB of stderr and of stdout.
 */
public final class ExecActuator implements Actuator {
    static final int EX_TEMPFAIL = 75;

    private final Vertx vertx;
    private final ExecBackend config;
    private final ServerPlan plan;
    private final OneAtATime lane = new OneAtATime("exec actuator", 16);

    public ExecActuator(Vertx vertx, ExecBackend config) {
        this.vertx = vertx;
        this.config = config;
        this.plan = new ServerPlan(config.stable(), config.canary());
    }

    @Override
    public Future<Weights> apply(Command command) {
        Map<String, Integer> target = command instanceof Command.Read ? null : plan.target(command);
        Placeholders values = new Placeholders(command, plan, target);
        List<String> argv = new ArrayList<>();
        argv.add(config.command());
        for (Template t : config.args()) {
            argv.add(t.render(values.raw()));
        }
        return lane.submit(() -> vertx.executeBlocking(() -> run(argv, values), false))
                .map(result -> interpret(command, target, result));
    }

    private ProcessRun.Result run(List<String> argv, Placeholders values) {
        try {
            return ProcessRun.run(argv, values.environment(), config.timeout());
        } catch (IOException e) {
            throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "cannot run " + config.command() + ": " + e.getMessage());
        }
    }

    private Weights interpret(Command command, Map<String, Integer> target, ProcessRun.Result r) {
        String what = config.command() + " (" + command.kind() + ")";
        if (r.timedOut()) {
            throw new ActuationFailure(ActuationFailure.Reason.TIMEOUT, what + " did not finish within "
                    + config.timeout().toMillis() + " ms; its process group was killed. Output: " + r.output());
        }
        if (r.exitCode() != 0) {
            throw new ActuationFailure(r.exitCode() == EX_TEMPFAIL ? ActuationFailure.Reason.SERVER_ERROR
                    : ActuationFailure.Reason.REJECTED, what + " exited with " + r.exitCode() + ": " + r.output());
        }
        if (r.stdoutCut()) {
            throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, what + " printed more than the "
                    + ProcessRun.STDOUT_LIMIT + "-byte (1 MiB) stdout limit; its read-back was not parsed. Output: " + r.output());
        }
        Map<String, Integer> printed = printedWeights(what, r.stdout());
        if (target == null) {
            if (printed == null) {
                throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, what
                        + " must print the weights as a JSON object of server to weight, printed: " + r.output());
            }
            return plan.weights(printed);
        }
        if (printed == null) {
            return plan.weights(target);
        }
        for (Map.Entry<String, Integer> e : target.entrySet()) {
            if (!e.getValue().equals(printed.get(e.getKey()))) {
                throw new ActuationFailure(ActuationFailure.Reason.VERIFY_MISMATCH, what + " reports " + e.getKey()
                        + " at " + printed.get(e.getKey()) + ", wanted " + e.getValue() + " (printed " + cut(r.stdout()) + ")");
            }
        }
        return plan.weights(printed);
    }

    /** The JSON object of server → weight the command printed, or null when it printed something else. */
    private static Map<String, Integer> printedWeights(String what, String stdout) {
        String s = stdout.strip();
        if (!s.startsWith("{")) {
            return null;
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        try {
            JsonObject o = new JsonObject(s);
            for (String server : o.fieldNames()) {
                Object w = o.getValue(server);
                if (!(w instanceof Integer || w instanceof Long)) {
                    throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, what + " printed a non-integer weight for "
                            + server + ": " + cut(s));
                }
                out.put(server, ((Number) w).intValue());
            }
        } catch (DecodeException e) {
            throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, what + " printed something that starts like JSON "
                    + "but is not: " + cut(s));
        }
        return out;
    }

    /** Only messages are cut, never what is parsed. */
    private static String cut(String s) {
        String t = s.strip();
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }
}
