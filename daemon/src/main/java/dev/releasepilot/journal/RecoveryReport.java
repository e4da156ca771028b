package dev.releasepilot.journal;

/**
 * What opening the journal found.
 *
 * @param records          records read back intact
 * @param corruptRecords   records skipped because their checksum did not match
 * @param tornTailBytes    bytes of an incomplete last record (a write cut short by a crash), cut off
 * @param detail           a human sentence, empty when the file was clean
 */
public record RecoveryReport(long records, long corruptRecords, long tornTailBytes, String detail) {
    public boolean clean() {
        return corruptRecords == 0 && tornTailBytes == 0;
    }
}
