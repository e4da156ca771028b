package dev.releasepilot.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How the file journal writes: the one seam between it and the file system, so that tests can make a
 * write stop after any byte (a crash) or fail (a full disk) without timing. Reads go to the files
 * directly: what a crash leaves is whatever was written.
 */
public interface SegmentIo {
    /** The real file system. */
    SegmentIo FILES = new SegmentIo() {
        @Override
        public Output open(Path file) throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            ch.position(ch.size());
            return new Output() {
                @Override
                public long size() throws IOException {
                    return ch.size();
                }

                @Override
                public void write(ByteBuffer[] frames) throws IOException {
                    while (frames[frames.length - 1].hasRemaining()) {
                        ch.write(frames);
                    }
                }

                @Override
                public void force() throws IOException {
                    ch.force(false);
                }

                @Override
                public void truncate(long size) throws IOException {
                    ch.truncate(size);
                    ch.position(size);
                }

                @Override
                public void close() throws IOException {
                    ch.close();
                }
            };
        }

        @Override
        public void probe(Path dir) throws IOException {
            Path p = dir.resolve("write-probe");
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.allocate(4096));
                ch.force(false);
            } finally {
                Files.deleteIfExists(p);
            }
        }
    };

    /** Opens {@code file} for appending, creating it if missing. */
    Output open(Path file) throws IOException;

    /** Succeeds only if the directory can take a small write and its fsync now (a full disk fails). */
    void probe(Path dir) throws IOException;

    /** One segment file, appended to by the journal's single writer thread. */
    interface Output extends Closeable {
        long size() throws IOException;

        /** Appends every byte of {@code frames} or throws. */
        void write(ByteBuffer[] frames) throws IOException;

        void force() throws IOException;

        void truncate(long size) throws IOException;
    }
}
