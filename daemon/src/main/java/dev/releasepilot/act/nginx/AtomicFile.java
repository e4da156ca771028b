package dev.releasepilot.act.nginx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file so that a reader (NGINX parsing its config) sees the old bytes or the new ones, never
 * half a file: write a temp file in the same directory, fsync it, rename it over the target, fsync the
 * directory so the rename itself survives a crash. Blocking: call it from a worker thread only.
 */
final class AtomicFile {
    private AtomicFile() {
    }

    static void write(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".rp-tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** The file's bytes, or null when it does not exist. */
    static byte[] read(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllBytes(file) : null;
    }
}
