package dev.releasepilot.act.haproxy;



import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.Weights;
import dev.releasepilot.rules.backend.HaproxyBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shifts traffic with HAProxy's runtime API. A rollback is one round trip:
 * {@code set weight be/canary 0%; set weight be/stable 100%; get weight ...} — percentages are of the
 * configured (initial) weight, so "100%" restores stable exactly and the same line also works on
 * backends with static algorithms, which accept only 0% and 100%. The trailing {@code get weight}s are
 * the read-back: the command succeeds only if they show what was asked for. A restore sets every server
 * to 100% of its configured weight.
 */
public final class HaproxyActuator implements Actuator {
    private static final Pattern WEIGHT = Pattern.compile("^(\\d+) \\(initial (\\d+)\\)$", Pattern.MULTILINE);

    private final HaproxyBackend config;
    private final HaproxyRuntimeClient client;

    public HaproxyActuator(Vertx vertx, HaproxyBackend config) {
        this.config = config;
        this.client = new HaproxyRuntimeClient(vertx, config.socketPath(), config.isUnixSocket(), config.timeout());
    }

    @Override
    public Future<Weights> apply(Command command) {
        List<String> servers = new ArrayList<>(config.stable());
        servers.addAll(config.canary());
        List<String> line = new ArrayList<>();
        if (command instanceof Command.Rollback) {
            config.canary().forEach(s -> line.add("set weight " + path(s) + " 0%"));
            config.stable().forEach(s -> line.add("set weight " + path(s) + " 100%"));
        } else if (command instanceof Command.Restore) {
            servers.forEach(s -> line.add("set weight " + path(s) + " 100%"));
        }
        servers.forEach(s -> line.add("get weight " + path(s)));
        return client.execute(line).map(reply -> verify(command, servers, reply));
    }

    private Weights verify(Command command, List<String> servers, String reply) {
        Matcher m = WEIGHT.matcher(reply);
        List<int[]> weights = new ArrayList<>();
        int firstWeightAt = -1;
        while (m.find()) {
            if (firstWeightAt < 0) {
                firstWeightAt = m.start();
            }
            weights.add(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
        }
        // Set commands answer an empty line on success and a text on failure; whatever text precedes
        // the read-back is HAProxy's complaint.
        String complaint = (firstWeightAt < 0 ? reply : reply.substring(0, firstWeightAt)).strip();
        if (weights.size() != servers.size()) {
            throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "HAProxy backend " + config.backend()
                    + ": " + (complaint.isEmpty() ? "unexpected reply '" + reply.strip() + "'" : complaint));
        }
        Map<String, Integer> current = new HashMap<>();
        Map<String, Integer> initial = new HashMap<>();
        for (int i = 0; i < servers.size(); i++) {
            current.put(servers.get(i), weights.get(i)[0]);
            initial.put(servers.get(i), weights.get(i)[1]);
        }
        Weights read = new Weights(current, initial);
        if (command instanceof Command.Restore) {
            for (String s : servers) {
                if (!current.get(s).equals(initial.get(s))) {
                    throw mismatch(complaint, s + " has weight " + current.get(s) + ", wanted " + initial.get(s));
                }
            }
        }
        if (command instanceof Command.Rollback) {
            for (String c : config.canary()) {
                if (current.get(c) != 0) {
                    throw mismatch(complaint, c + " has weight " + current.get(c) + ", wanted 0");
                }
            }
            for (String s : config.stable()) {
                if (!current.get(s).equals(initial.get(s))) {
                    throw mismatch(complaint, s + " has weight " + current.get(s) + ", wanted " + initial.get(s));
                }
            }
        }
        return read;
    }

    private ActuationFailure mismatch(String complaint, String what) {
        boolean rejected = !complaint.isEmpty();
        return new ActuationFailure(rejected ? ActuationFailure.Reason.REJECTED : ActuationFailure.Reason.VERIFY_MISMATCH,
                "HAProxy backend " + config.backend() + ": read-back shows " + what
                        + (rejected ? " (HAProxy said: " + complaint + ")" : ""));
    }

    private String path(String server) {
        return config.backend() + "/" + server;
    }
}
