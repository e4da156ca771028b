package dev.releasepilot.window;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * For test sinks that want samples as a list: gathers a batch's samples and hands them to
 * {@code onCommit} (which decides the commit's outcome). Every series is kept; its refs never expire.
 */
public final class ListAppender implements Appender {
    private final Function<List<Sample>, Future<Void>> onCommit;
    private final List<Sample> samples = new ArrayList<>();

    public ListAppender(Function<List<Sample>, Future<Void>> onCommit) {
        this.onCommit = onCommit;
    }

    /** A ref that only remembers its labels. */
    private static final class Ref extends SeriesRef {
        final Labels labels;

        Ref(Labels labels) {
            this.labels = labels;
        }

        @Override
        public boolean released() {
            return false;
        }
    }

    @Override
    public SeriesRef append(Labels labels, long timestampMs, double value) {
        samples.add(new Sample(labels, timestampMs, value));
        return new Ref(labels);
    }

    @Override
    public boolean append(SeriesRef ref, long timestampMs, double value) {
        samples.add(new Sample(((Ref) ref).labels, timestampMs, value));
        return true;
    }

    @Override
    public Future<Void> commit() {
        return onCommit.apply(samples);
    }
}
