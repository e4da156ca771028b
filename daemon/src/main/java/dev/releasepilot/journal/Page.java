package dev.releasepilot.journal;

import java.util.List;

/**
 * One page of history.
 *
 * @param records oldest first
 * @param next    the {@code beforeSeq} of the next (older) page, or 0 when there is none
 */
public record Page(List<JournalEntry> records, long next) {
}
