package dev.releasepilot.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One segment file of the journal: {@code journal-<seq of its first record, 20 digits>[-<n>].rpj}.
 * Segments are read in name order; only the newest one is appended to.
 */
record Segment(Path file, long firstSeq, long suffix) {
    private static final Pattern NAME = Pattern.compile("journal-(\\d{20})(?:-(\\d+))?\\.rpj");

    static Path name(Path dir, long firstSeq, long suffix) {
        return dir.resolve(String.format("journal-%020d%s.rpj", firstSeq, suffix == 0 ? "" : "-" + suffix));
    }

    static List<Segment> list(Path dir) throws IOException {
        List<Segment> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.add(new Segment(p, Long.parseLong(m.group(1)), m.group(2) == null ? 0 : Long.parseLong(m.group(2))));
                }
            });
        }
        out.sort(Comparator.comparingLong(Segment::firstSeq).thenComparingLong(Segment::suffix));
        return out;
    }

    /**
     * The file's bytes as a read-only buffer, up to {@code size} (the durable end; bytes beyond may be
     * a write in progress). Memory-mapped: scanning a segment costs no heap.
     */
    ByteBuffer map(long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long n = Math.min(size, ch.size());
            if (n > Integer.MAX_VALUE) {
                throw new IOException(file + " is larger than 2 GiB");
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, n);
        }
    }

    ByteBuffer map() throws IOException {
        return map(Long.MAX_VALUE);
    }
}
