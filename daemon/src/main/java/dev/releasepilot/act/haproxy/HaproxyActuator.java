package dev.releasepilot.act.haproxy;

import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.ShareWeights;
import dev.releasepilot.act.StableGuard;
import dev.releasepilot.act.Weights;
import dev.releasepilot.rules.backend.HaproxyBackend;
import dev.releasepilot.rules.WhenStableUnavailable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shifts traffic with HAProxy's runtime API; every read-back is {@code show servers state <backend>},
 * which gives each server's current and configured weight and its operational and admin state
 * ({@link HaproxyServersState}).
 *
 * <p>A rollback is two round trips. First it reads the servers. Then it writes absolute weights that
 * serve for the stable servers — the weight each had before (a {@code set weight be/srv 100%} is a
 * percentage of the configured weight, and deploy tools that start servers at {@code weight 0} and
 * set real weights at runtime would be left at 0) — and 0% for the canary, stable first, with the
 * read-back on the same line. Between the two it checks that at least one stable server can serve
 * afterwards (up, not MAINT/DRAIN/DOWN, health check not failing, weight above 0); if none can, a
 * {@link WhenStableUnavailable#HOLD} rollback changes nothing and fails with {@code STABLE_UNAVAILABLE}
 * carrying what was read, a {@link WhenStableUnavailable#DRAIN} one goes ahead. A restore gives every
 * server its weight from before the rollback again.
 *
 * <p>"The weight before" is, per server: its current weight when above 0; else the last weight above 0
 * this actuator read for it (a reload of HAProxy resets runtime weights to the configured ones); else
 * the rule's {@code weights:} for it; else its configured weight when above 0; else 1 (the only serving
 * choice left: HAProxy's default weight).
 * The memory is a concurrent map because the reconcile loop's reads and a rollback may interleave.
 */
public final class HaproxyActuator implements Actuator {
    private final HaproxyBackend config;
    private final HaproxyRuntimeClient client;
    private final List<String> servers;
    private final Map<String, Integer> lastServing = new ConcurrentHashMap<>();

    public HaproxyActuator(Vertx vertx, HaproxyBackend config) {
        this.config = config;
        this.client = new HaproxyRuntimeClient(vertx, config.socketPath(), config.isUnixSocket(), config.timeout());
        List<String> all = new ArrayList<>(config.stable());
        all.addAll(config.canary());
        this.servers = List.copyOf(all);
    }

    @Override
    public Future<Weights> apply(Command command) {
        if (command instanceof Command.Read) {
            return read();
        }
        if (command instanceof Command.Restore) {
            return read().compose(before -> write(targets(before, servers), before));
        }
        if (command instanceof Command.Shift shift) {
            return read().compose(before -> shift(shift.canaryPercent(), before));
        }
        Command.Rollback rollback = (Command.Rollback) command;
        return read().compose(before -> {
            Map<String, Integer> targets = targets(before, config.stable());
            config.canary().forEach(c -> targets.put(c, 0));
            if (!StableGuard.canServe(before.health(), targets, config.stable())
                    && rollback.whenStableUnavailable() == WhenStableUnavailable.HOLD) {
                return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.STABLE_UNAVAILABLE,
                        "HAProxy backend " + config.backend() + ": no stable server can serve ("
                                + StableGuard.describe(before, config.stable()) + "); the canary keeps its traffic", before));
            }
            return write(targets, before);
        });
    }

    /**
     * A rollout step. 0 and 100 drain one side and give the other the weight that serves (written as
     * 0% and 100% where that is exact, which backends with static algorithms accept too); a share in
     * between writes absolute weights ({@link ShareWeights}), which a static algorithm refuses: that
     * refusal is reported as what it means, not retried.
     */
    private Future<Weights> shift(int percent, Weights before) {
        Map<String, Integer> targets;
        if (percent == 0 || percent == 100) {
            List<String> serving = percent == 0 ? config.stable() : config.canary();
            List<String> drained = percent == 0 ? config.canary() : config.stable();
            targets = targets(before, serving);
            drained.forEach(s -> targets.put(s, 0));
            if (!StableGuard.canServe(before.health(), targets, serving)) {
                return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.STABLE_UNAVAILABLE,
                        "HAProxy backend " + config.backend() + ": no " + (percent == 0 ? "stable" : "canary")
                                + " server can serve (" + StableGuard.describe(before, serving)
                                + "); the weights stay as they are", before));
            }
        } else {
            ShareWeights w = ShareWeights.of(percent, config.stable().size(), config.canary().size(), ShareWeights.HAPROXY_MAX);
            targets = new LinkedHashMap<>();
            config.stable().forEach(s -> targets.put(s, w.stable()));
            config.canary().forEach(s -> targets.put(s, w.canary()));
        }
        return write(targets, before).recover(e -> {
            if (e instanceof ActuationFailure f && f.getMessage().contains("static")) {
                return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.REJECTED, "HAProxy backend "
                        + config.backend() + " uses a static balance algorithm (static-rr, or a hash without "
                        + "'hash-type consistent'), which takes only 0% and 100%: a step of " + percent
                        + "% cannot be applied; use a dynamic algorithm (roundrobin, leastconn) or a blue_green rollout ("
                        + f.getMessage() + ")", f.observed()));
            }
            return Future.failedFuture(e);
        });
    }

    private Future<Weights> read() {
        return client.execute(List.of(show())).map(reply -> parse(reply, false));
    }

    /** Stable servers first, so at no point in the line is every server at 0. */
    private Future<Weights> write(Map<String, Integer> targets, Weights before) {
        List<String> line = new ArrayList<>();
        List<String> order = new ArrayList<>(config.stable());
        order.addAll(config.canary());
        for (String s : order) {
            Integer w = targets.get(s);
            if (w != null) {
                // Percentages are what backends with static algorithms accept (only 0% and 100%); write
                // one whenever it means exactly the wanted weight.
                String value = w == 0 ? "0%" : w.equals(before.initial().get(s)) ? "100%" : String.valueOf(w);
                line.add("set weight " + config.backend() + "/" + s + " " + value);
            }
        }
        line.add(show());
        return client.execute(line).map(reply -> {
            Weights after = parse(reply, true);
            targets.forEach((s, w) -> {
                if (after.current().get(s).intValue() != w) {
                    throw new ActuationFailure(ActuationFailure.Reason.VERIFY_MISMATCH, "HAProxy backend "
                            + config.backend() + ": read-back shows " + s + " has weight " + after.current().get(s)
                            + ", wanted " + w, after);
                }
            });
            return after;
        });
    }

    private Map<String, Integer> targets(Weights before, List<String> which) {
        Map<String, Integer> t = new LinkedHashMap<>();
        for (String s : which) {
            int current = before.current().get(s);
            int initial = before.initial().get(s);
            t.put(s, current > 0 ? current : lastServing.getOrDefault(s,
                    config.weights().getOrDefault(s, initial > 0 ? initial : 1)));
        }
        return t;
    }

    private String show() {
        return "show servers state " + config.backend();
    }

    private Weights parse(String reply, boolean afterWrite) {
        HaproxyServersState.Reply r = HaproxyServersState.parse(reply);
        if (r == null) {
            throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "HAProxy backend " + config.backend()
                    + ": " + (reply.isBlank() ? "empty reply" : reply.strip()));
        }
        List<String> missing = servers.stream().filter(s -> !r.servers().containsKey(s)).toList();
        if (!missing.isEmpty()) {
            throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "HAProxy backend " + config.backend()
                    + " has no server " + String.join(", ", missing));
        }
        Weights w = r.weights(servers);
        w.current().forEach((s, v) -> {
            if (v > 0) {
                lastServing.put(s, v);
            }
        });
        if (afterWrite && !r.complaint().isEmpty()) {
            throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "HAProxy backend " + config.backend()
                    + ": " + r.complaint(), w);
        }
        return w;
    }
}
