package dev.releasepilot.journal;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads format 1 ({@code journal.rpj} of releases before segments): frames
 * {@code [u32 length][u32 crc32c(payload)][payload = one record as JSON]}, with no sync marker. Used
 * once, to migrate a data dir; the old file is then kept beside the segments, never deleted.
 */
final class LegacyFormat {
    static final String FILE = "journal.rpj";
    private static final int MAX_RECORD = 1 << 20;

    private LegacyFormat() {
    }

    /** Whether {@code first} (a file's first byte) starts format 1: its length is below 2^24, format 2 starts 0xFF. */
    static boolean isLegacy(byte first) {
        return !Frame.isMarkerStart(first);
    }

    /**
     * The readable records, and where reading stopped. Format 1 has no marker to re-synchronise on, so
     * an unreadable length ends the scan; what follows stays in the kept file.
     */
    record Read(List<JournalEntry> entries, long goodEnd, long skipped, String detail) {
    }

    static Read read(ByteBuffer b) throws IOException {
        List<JournalEntry> out = new ArrayList<>();
        StringBuilder detail = new StringBuilder();
        long skipped = 0;
        int pos = 0;
        int size = b.limit();
        while (size - pos >= 8) {
            int len = b.getInt(pos);
            int crc = b.getInt(pos + 4);
            if (len <= 0 || len > MAX_RECORD || size - pos - 8 < len) {
                break;
            }
            byte[] payload = new byte[len];
            b.get(pos + 8, payload);
            CRC32C c = new CRC32C();
            c.update(payload);
            if ((int) c.getValue() == crc) {
                try {
                    out.add(JournalEntry.fromJson(new JsonObject(new String(payload, StandardCharsets.UTF_8))));
                } catch (RuntimeException e) {
                    skipped++;
                    detail.append("undecodable format-1 record at offset ").append(pos).append(". ");
                }
            } else {
                skipped++;
                detail.append("checksum mismatch in format-1 record at offset ").append(pos).append(". ");
            }
            pos += 8 + len;
        }
        if (pos < size) {
            detail.append("format-1 file unreadable from offset ").append(pos).append(" (")
                    .append(size - pos).append(" bytes, kept in the old file). ");
        }
        return new Read(out, pos, skipped, detail.toString());
    }
}
