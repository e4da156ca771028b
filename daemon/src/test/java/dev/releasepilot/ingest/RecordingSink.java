package dev.releasepilot.ingest;

import dev.releasepilot.window.Sample;
import dev.releasepilot.window.Appender;
import dev.releasepilot.window.ListAppender;
import dev.releasepilot.window.SampleSink;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A SampleSink that keeps what it is given and can be told to refuse (as a store over its limits does). */
public final class RecordingSink implements SampleSink {
    private final Predicate<String> wanted;
    private final List<Sample> samples = new ArrayList<>();
    private final List<Sample> refused = new ArrayList<>();
    private final List<Thread> acceptThreads = new ArrayList<>();
    private volatile boolean refusing;
    private volatile boolean stalled;

    public RecordingSink(Predicate<String> wanted) {
        this.wanted = wanted;
    }

    @Override
    public Appender appender() {
        return new ListAppender(this::accept);
    }

    @Override
    public boolean wantsMetric(String metricName) {
        return wanted.test(metricName);
    }

    @Override
    public synchronized Future<Void> accept(List<Sample> batch) {
        acceptThreads.add(Thread.currentThread());
        if (refusing) {
            refused.addAll(batch);
            return Future.failedFuture("store full");
        }
        if (stalled) {
            return io.vertx.core.Promise.<Void>promise().future(); // never completes
        }
        samples.addAll(batch);
        return Future.succeededFuture();
    }

    public void refuse(boolean r) {
        refusing = r;
    }

    /** While stalled, accept() takes nothing and never answers: a sink that has stopped making progress. */
    public void stall(boolean s) {
        stalled = s;
    }

    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    public synchronized List<Sample> samples(String metric) {
        return samples.stream().filter(s -> s.labels().metricName().equals(metric)).toList();
    }

    /** Samples offered while refusing. */
    public synchronized List<Sample> refused() {
        return List.copyOf(refused);
    }

    public synchronized List<Thread> acceptThreads() {
        return List.copyOf(acceptThreads);
    }

    public synchronized void clear() {
        samples.clear();
    }
}
