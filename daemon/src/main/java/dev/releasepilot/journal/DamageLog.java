package dev.releasepilot.journal;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * What recovery found, collected while segments are read (at open, and again by replay): each damaged
 * stretch is counted once however often it is read. Thread-safe: the writer and readers may both report.
 */
final class DamageLog {
    private final Set<String> seen = new HashSet<>();
    private final StringBuilder detail = new StringBuilder();
    private long regions;
    private long bytes;
    private long tornTail;
    private long records;

    synchronized void damaged(Path file, long offset, long length, boolean tail) {
        if (!seen.add(file.getFileName() + "@" + offset)) {
            return;
        }
        if (tail) {
            tornTail += length;
            detail.append("torn tail: ").append(length).append(" bytes at offset ").append(offset).append(" of ")
                    .append(file.getFileName()).append(". ");
        } else {
            regions++;
            bytes += length;
            detail.append("damaged: ").append(length).append(" bytes at offset ").append(offset).append(" of ")
                    .append(file.getFileName()).append(" held no intact frame, skipped. ");
        }
    }

    synchronized void note(String sentence) {
        detail.append(sentence).append(' ');
    }

    synchronized void replayed(long n) {
        records = n;
    }

    synchronized long damagedAndTorn() {
        return regions + (tornTail > 0 ? 1 : 0);
    }

    synchronized RecoveryReport report() {
        return new RecoveryReport(records, regions, bytes, tornTail, detail.toString().strip());
    }
}
