package dev.releasepilot.act.nginx;



import dev.releasepilot.act.ActuationFailure;
import dev.releasepilot.act.ProcessRun;
import dev.releasepilot.act.Actuator;
import dev.releasepilot.act.Command;
import dev.releasepilot.act.HttpCall;
import dev.releasepilot.act.OneAtATime;
import dev.releasepilot.act.ServerPlan;
import dev.releasepilot.act.Weights;
import dev.releasepilot.rules.backend.NginxBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shifts traffic on open-source NGINX, which has no runtime upstream API, by rewriting an include and
 * reloading (PROTOCOLS.md §5.3):
 * <ol>
 * <li>keep a {@code .last-good} copy of both includes, then replace them atomically;</li>
 * <li>{@code nginx -t}; on failure put the last-good files back (or the next unrelated reload would load
 * the broken ones) and fail REJECTED with NGINX's {@code [emerg]} line;</li>
 * <li>{@code nginx -s reload};</li>
 * <li>poll the generation URL until it answers the new generation. {@code -s reload} exiting 0 only
 * means the signal was sent: the master can still refuse the config (a port in use) and keep the old
 * one, so only seeing the new generation proves the new upstream is live;</li>
 * <li>wait until the previous generation's workers stopped accepting: the master lets both generations
 * accept for at least 100 ms ({@link NginxWorkers}).</li>
 * </ol>
 * File writes and process runs happen on worker threads; the read-back is non-blocking. A shift to the
 * weights already on disk and live is answered from the read-back alone, without a reload.
 */
public final class NginxActuator implements Actuator {
    private static final long POLL_MS = 10;

    private final Vertx vertx;
    private final NginxBackend config;
    private final ServerPlan plan;
    private final HttpCall generationClient;
    private final OneAtATime lane = new OneAtATime("NGINX actuator", 16);
    private final String generationPath;
    private final String bootId = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    private final AtomicLong counter = new AtomicLong();

    public NginxActuator(Vertx vertx, NginxBackend config) {
        this.vertx = vertx;
        this.config = config;
        this.plan = new ServerPlan(config.stable(), config.canary());
        this.generationClient = new HttpCall(vertx, "NGINX generation endpoint", config.timeout(), false);
        this.generationPath = URI.create(config.generationUrl()).getRawPath();
    }

    @Override
    public Future<Weights> apply(Command command) {
        return lane.submit(() -> command instanceof Command.Read ? read() : shift(command));
    }

    private Future<Weights> shift(Command command) {
        Map<String, Integer> target = plan.target(command);
        return vertx.executeBlocking(this::readDisk, false).compose(disk -> {
            String upstream = NginxIncludes.upstream(command.service(), config.upstreamFile(), disk.upstream(), target);
            if (!upstream.equals(disk.upstream()) || disk.generation() == null) {
                return reload(command.service(), upstream, target);
            }
            // Same weights on disk: if NGINX already runs this generation there is nothing to do.
            return liveGeneration(config.timeout()).transform(live ->
                    live.succeeded() && live.result().generation().equals(disk.generation())
                            ? Future.succeededFuture(plan.weights(target))
                            : reload(command.service(), upstream, target));
        });
    }

    private Future<Weights> reload(String service, String upstream, Map<String, Integer> target) {
        String generation = bootId + "-" + counter.incrementAndGet();
        String genText = NginxIncludes.generation(service, generationPath, generation);
        long deadline = System.nanoTime() + config.verifyTimeout().toNanos();
        // A worker pid from the running generation leads to the workers that must stop accepting.
        return liveGeneration(config.timeout()).transform(live -> vertx.executeBlocking(() -> {
            List<Long> previous = live.succeeded() && live.result().workerPid() > 0
                    ? NginxWorkers.acceptingSiblings(live.result().workerPid()) : List.of();
            writeTestReload(upstream, genText);
            return previous;
        }, false)).compose(previous -> awaitGeneration(generation, deadline)
                .compose(live -> previous.isEmpty() && live.workerPid() > 0
                        ? vertx.executeBlocking(() -> NginxWorkers.acceptingOlderSiblings(live.workerPid()), false)
                        : Future.succeededFuture(previous))
                .compose(old -> awaitRetired(old, deadline))).map(v -> plan.weights(target));
    }

    private Future<Weights> read() {
        return vertx.executeBlocking(this::readDisk, false).compose(disk -> {
            if (disk.upstream() == null) {
                return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.REJECTED,
                        "NGINX upstream_file " + config.upstreamFile() + " does not exist"));
            }
            if (disk.generation() == null) {
                return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.REJECTED,
                        "NGINX generation_file " + config.generationFile() + " is missing or holds no 'return 200 \"...\"'"));
            }
            return liveGeneration(config.timeout()).map(live -> {
                if (!live.generation().equals(disk.generation())) {
                    throw new ActuationFailure(ActuationFailure.Reason.VERIFY_MISMATCH, "NGINX runs generation '" + live.generation()
                            + "' but the include files hold '" + disk.generation()
                            + "': a reload failed or is pending (see NGINX's error.log)");
                }
                // Only the rule's servers: other lines of the include (a backup server) are not ours to report.
                Map<String, Integer> all = NginxIncludes.parseUpstream(disk.upstream());
                Map<String, Integer> ours = new java.util.LinkedHashMap<>();
                plan.configured().keySet().forEach(server -> {
                    if (all.containsKey(server)) {
                        ours.put(server, all.get(server));
                    }
                });
                return plan.weights(ours);
            });
        });
    }

    /** The includes as they are on disk. */
    private record Disk(String upstream, String generation) {
    }

    private Disk readDisk() {
        byte[] up;
        byte[] gen;
        try {
            up = AtomicFile.read(config.upstreamFile());
            gen = AtomicFile.read(config.generationFile());
        } catch (IOException e) {
            throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "cannot read NGINX includes: " + e);
        }
        return new Disk(up == null ? null : new String(up, StandardCharsets.UTF_8),
                gen == null ? null : NginxIncludes.parseGeneration(new String(gen, StandardCharsets.UTF_8)));
    }

    /** Worker thread: steps 1–3. Throws an ActuationFailure saying what went wrong and what was undone. */
    private void writeTestReload(String upstream, String generation) {
        Path up = config.upstreamFile();
        Path gen = config.generationFile();
        try {
            keepLastGood(up);
            keepLastGood(gen);
            AtomicFile.write(up, upstream.getBytes(StandardCharsets.UTF_8));
            AtomicFile.write(gen, generation.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            restoreQuietly();
            throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "cannot write NGINX includes: " + e);
        }
        ProcessRun.Result test = nginx("-t");
        if (test.timedOut() || test.exitCode() != 0) {
            String restored = restoreQuietly();
            throw new ActuationFailure(test.timedOut() ? ActuationFailure.Reason.TIMEOUT : ActuationFailure.Reason.REJECTED,
                    (test.timedOut() ? "nginx -t did not finish within " + config.timeout().toMillis() + " ms"
                            : "nginx -t rejected the new upstream: " + complaint(test)) + "; " + restored);
        }
        ProcessRun.Result reload = nginx("-s", "reload");
        if (reload.timedOut()) {
            throw new ActuationFailure(ActuationFailure.Reason.TIMEOUT,
                    "nginx -s reload did not finish within " + config.timeout().toMillis() + " ms");
        }
        if (reload.exitCode() != 0) {
            if (reload.output().contains("[emerg]")) {
                String restored = restoreQuietly();
                throw new ActuationFailure(ActuationFailure.Reason.REJECTED,
                        "nginx -s reload rejected the config: " + complaint(reload) + "; " + restored);
            }
            // Typically no master to signal (no pid file, stale pid). The files stay: they passed -t and
            // hold the wanted weights, which NGINX loads when it starts.
            throw new ActuationFailure(ActuationFailure.Reason.CONNECT,
                    "nginx -s reload failed, is NGINX running? " + complaint(reload));
        }
    }

    private ProcessRun.Result nginx(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(config.nginx());
        config.prefix().ifPresent(p -> {
            cmd.add("-p");
            cmd.add(p);
        });
        config.config().ifPresent(c -> {
            cmd.add("-c");
            cmd.add(c);
        });
        cmd.addAll(List.of(args));
        try {
            return ProcessRun.run(cmd, Map.of(), config.timeout());
        } catch (IOException e) {
            String restored = restoreQuietly();
            throw new ActuationFailure(ActuationFailure.Reason.REJECTED, "cannot run " + config.nginx() + ": " + e.getMessage()
                    + "; " + restored);
        }
    }

    /** NGINX's own complaint: the first [emerg] line (it names file:line), else all it said. */
    private static String complaint(ProcessRun.Result r) {
        for (String line : (r.stderr() + "\n" + r.stdout()).split("\n")) {
            if (line.contains("[emerg]")) {
                return line.strip();
            }
        }
        return r.output();
    }

    private static Path lastGood(Path file) {
        return file.resolveSibling(file.getFileName() + ".last-good");
    }

    private static void keepLastGood(Path file) throws IOException {
        byte[] current = AtomicFile.read(file);
        Path copy = lastGood(file);
        if (current == null) {
            Files.deleteIfExists(copy);
        } else if (!java.util.Arrays.equals(current, AtomicFile.read(copy))) {
            AtomicFile.write(copy, current);
        }
    }

    /** Puts the last-good includes back (or removes the new ones if there were none); says what it did. */
    private String restoreQuietly() {
        StringBuilder problems = new StringBuilder();
        for (Path file : List.of(config.upstreamFile(), config.generationFile())) {
            try {
                byte[] good = AtomicFile.read(lastGood(file));
                if (good == null) {
                    Files.deleteIfExists(file);
                } else {
                    AtomicFile.write(file, good);
                }
            } catch (IOException e) {
                problems.append(" cannot restore ").append(file).append(": ").append(e.getMessage()).append(';');
            }
        }
        return problems.length() == 0 ? "the last good includes are back in place, NGINX keeps serving the old config"
                : "restoring failed:" + problems;
    }

    /** What the generation endpoint answered: the generation, and the pid of the worker that answered (-1 if absent). */
    private record Live(String generation, long workerPid) {
    }

    private Future<Live> liveGeneration(Duration within) {
        return generationClient.send("GET", config.generationUrl(), Map.of(), null, within).map(reply -> {
            if (!reply.ok()) {
                throw new ActuationFailure(ActuationFailure.Reason.PROTOCOL, "NGINX generation endpoint "
                        + config.generationUrl() + " answered " + reply.status() + " " + reply.snippet());
            }
            String[] words = reply.body().strip().split("\\s+");
            long pid = -1;
            if (words.length > 1 && words[1].matches("\\d{1,10}")) {
                pid = Long.parseLong(words[1]);
            }
            return new Live(words[0], pid);
        });
    }

    /**
     * Step 5: waits until the workers that ran the previous generation stopped accepting (see
     * {@link NginxWorkers}); until then a new connection can still land on the old upstream weights.
     */
    private Future<Void> awaitRetired(List<Long> previous, long deadline) {
        if (previous.isEmpty()) {
            return Future.succeededFuture();
        }
        return vertx.executeBlocking(() -> previous.stream().filter(NginxWorkers::accepting).toList(), false)
                .compose(still -> {
                    if (still.isEmpty()) {
                        return Future.succeededFuture();
                    }
                    if (System.nanoTime() >= deadline) {
                        return Future.failedFuture(new ActuationFailure(ActuationFailure.Reason.TIMEOUT, "NGINX loaded the new "
                                + "generation, but workers " + still + " of the previous one still accept connections after "
                                + config.verifyTimeout().toMillis() + " ms"));
                    }
                    Promise<Void> later = Promise.promise();
                    vertx.setTimer(POLL_MS, t -> awaitRetired(still, deadline).onComplete(later));
                    return later.future();
                });
    }

    /** Step 4: polls until NGINX answers {@code generation}, or fails at the deadline with what it last saw. */
    private Future<Live> awaitGeneration(String generation, long deadline) {
        Promise<Live> done = Promise.promise();
        poll(generation, deadline, done, null);
        return done.future();
    }

    private void poll(String generation, long deadline, Promise<Live> done, Object lastSeen) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            ActuationFailure.Reason reason = lastSeen instanceof ActuationFailure f && f.reason() == ActuationFailure.Reason.CONNECT
                    ? ActuationFailure.Reason.CONNECT : ActuationFailure.Reason.TIMEOUT;
            done.fail(new ActuationFailure(reason, "NGINX did not load generation '" + generation + "' within "
                    + config.verifyTimeout().toMillis() + " ms (last seen: "
                    + (lastSeen instanceof Throwable t ? t.getMessage() : "'" + lastSeen + "'")
                    + "); the master may have refused the config, see NGINX's error.log"));
            return;
        }
        Duration within = Duration.ofNanos(Math.min(left, config.timeout().toNanos()));
        liveGeneration(within).onComplete(ar -> {
            if (ar.succeeded() && ar.result().generation().equals(generation)) {
                done.complete(ar.result());
                return;
            }
            Object seen = ar.succeeded() ? ar.result().generation() : ar.cause();
            vertx.setTimer(POLL_MS, t -> poll(generation, deadline, done, seen));
        });
    }
}
