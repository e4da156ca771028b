package dev.releasepilot.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real file system behind {@link SegmentIo}, with one fault placed at an exact byte, so crash and
 * full-disk tests need no timing:
 * <ul>
 *   <li>{@link #crashAfter}: the first {@code n} bytes are written, then the process is "gone": the write
 *       that crosses byte {@code n} stops there (mid-frame, or exactly between frames) and nothing after it
 *       reaches the disk (no truncate, no fsync, no index), as with kill -9 or a power cut;</li>
 *   <li>{@link #fullAfter}: the disk fills at byte {@code n}: that write stops there and fails (ENOSPC), as
 *       does every later write and probe until {@link #free()}; truncating (which frees space) works.</li>
 * </ul>
 * Bytes count across every file written through it (segments, torn-tail copies, the index).
 */
public final class FaultyIo implements SegmentIo {
    private enum Fault { CRASH, FULL, NONE }

    private final Fault fault;
    private long budget;
    private long written;
    private boolean tripped;

    private FaultyIo(Fault fault, long budget) {
        this.fault = fault;
        this.budget = budget;
    }

    public static FaultyIo crashAfter(long bytes) {
        return new FaultyIo(Fault.CRASH, bytes);
    }

    public static FaultyIo fullAfter(long bytes) {
        return new FaultyIo(Fault.FULL, bytes);
    }

    /** No fault: counts the bytes a scenario writes, to place faults in a second run. */
    public static FaultyIo counting() {
        return new FaultyIo(Fault.NONE, Long.MAX_VALUE);
    }

    public synchronized long written() {
        return written;
    }

    /** Whether the fault happened (the crash, or the disk filled). */
    public synchronized boolean tripped() {
        return tripped;
    }

    /** The full disk has space again. */
    public synchronized void free() {
        budget = Long.MAX_VALUE;
        tripped = false;
    }

    private synchronized void refuseIfCrashed() throws IOException {
        if (fault == Fault.CRASH && tripped) {
            throw new IOException("crashed (simulated): nothing reaches the disk any more");
        }
    }

    /** How many of {@code want} bytes may still be written; trips the fault when that is fewer. */
    private synchronized long allow(long want) {
        long n = Math.min(want, budget - written);
        if (n < want) {
            tripped = true;
        }
        written += n;
        return n;
    }

    @Override
    public Output open(Path file) throws IOException {
        refuseIfCrashed();
        Output real = SegmentIo.FILES.open(file);
        return new Output() {
            @Override
            public long size() throws IOException {
                return real.size();
            }

            @Override
            public void write(ByteBuffer[] frames) throws IOException {
                refuseIfCrashed();
                long want = 0;
                for (ByteBuffer b : frames) {
                    want += b.remaining();
                }
                long n = allow(want);
                if (n == want) {
                    real.write(frames);
                    return;
                }
                List<ByteBuffer> prefix = new ArrayList<>();
                for (ByteBuffer b : frames) {
                    int take = (int) Math.min(b.remaining(), n);
                    if (take > 0) {
                        prefix.add(b.slice(b.position(), take));
                        n -= take;
                    }
                }
                if (!prefix.isEmpty()) {
                    real.write(prefix.toArray(ByteBuffer[]::new));
                }
                throw new IOException(fault == Fault.CRASH ? "crashed (simulated) mid-write"
                        : "No space left on device (simulated)");
            }

            @Override
            public void force() throws IOException {
                refuseIfCrashed();
                real.force();
            }

            @Override
            public void truncate(long size) throws IOException {
                refuseIfCrashed();
                real.truncate(size);
            }

            @Override
            public void close() throws IOException {
                real.close(); // the process's file descriptors go away with it either way
            }
        };
    }

    @Override
    public void probe(Path dir) throws IOException {
        refuseIfCrashed();
        synchronized (this) {
            if (fault == Fault.FULL && tripped) {
                throw new IOException("No space left on device (simulated)");
            }
        }
    }
}
