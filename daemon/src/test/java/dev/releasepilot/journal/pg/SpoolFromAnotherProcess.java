package dev.releasepilot.journal.pg;

import dev.releasepilot.journal.Draft;
import dev.releasepilot.journal.Fence;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A daemon's journal in a process of its own, to be killed: opens the PostgreSQL journal (args: URL,
 * spool dir, count), prints "open", waits for a line on stdin (the test crashes PostgreSQL meanwhile),
 * appends {@code count} groups, each waited for, and prints "appended", then waits to be killed.
 */
public final class SpoolFromAnotherProcess {
    private SpoolFromAnotherProcess() {
    }

    public static void main(String[] args) throws Exception {
        PgJournal j = PgJournal.open(PgUrl.parse(args[0], null), PgJournal.Options.of("killed", Path.of(args[1])),
                Clock.systemUTC(), new SimpleMeterRegistry());
        System.out.println("open");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        in.readLine();
        int count = Integer.parseInt(args[2]);
        for (int i = 1; i <= count; i++) {
            j.append("checkout", i % 2 == 0 ? new Fence("killed", 7) : Fence.NONE,
                            List.of(new Draft("decision", new JsonObject().put("n", i)),
                                    new Draft("action", new JsonObject().put("n", i))))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        System.out.println("appended " + j.spoolDepth());
        System.out.flush();
        in.readLine(); // killed before this returns
    }
}
