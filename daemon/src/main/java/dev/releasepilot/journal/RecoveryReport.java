package dev.releasepilot.journal;

/**
 * What recovery found. Damage never costs more than the bytes it hit: the scan re-synchronises on the
 * next intact frame, and no byte is deleted that was not first copied aside.
 *
 * @param records        records replayed (snapshots included)
 * @param damagedRegions stretches of bytes inside a segment that held no intact frame (each costs the
 *                       records that were in it, usually one frame)
 * @param damagedBytes   their total size
 * @param tornTailBytes  bytes of an incomplete last frame (a write cut short by a crash)
 * @param detail         human sentences naming files and offsets, empty when clean
 */
public record RecoveryReport(long records, long damagedRegions, long damagedBytes, long tornTailBytes,
                             String detail) {
    public boolean clean() {
        return damagedRegions == 0 && tornTailBytes == 0;
    }
}
