package dev.releasepilot.act;

import java.util.PriorityQueue;

/** A {@link Scheduler} on virtual time: tasks run only when the test advances the clock, in due order. */
public final class VirtualScheduler implements Scheduler {
    private record Task(long due, long id, Runnable run) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.id, b.id));
    private long now;
    private long nextId;

    @Override
    public long schedule(long delayMs, Runnable task) {
        long id = nextId++;
        tasks.add(new Task(now + Math.max(1, delayMs), id, task));
        return id;
    }

    @Override
    public void cancel(long id) {
        tasks.removeIf(t -> t.id == id);
    }

    /** Virtual milliseconds since the start. */
    public long now() {
        return now;
    }

    /** Runs every task due up to {@code now + ms} (including ones they schedule), then sets the clock there. */
    public void advance(long ms) {
        long until = now + ms;
        while (!tasks.isEmpty() && tasks.peek().due <= until) {
            Task t = tasks.poll();
            now = t.due;
            t.run.run();
        }
        now = until;
    }

    /** Runs the next task, moving the clock to its due time; false when none is scheduled. */
    public boolean runNext() {
        Task t = tasks.poll();
        if (t == null) {
            return false;
        }
        now = t.due;
        t.run.run();
        return true;
    }

    public int pending() {
        return tasks.size();
    }
}
