package dev.releasepilot.journal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

/** The journal contract on the embedded file store, with small segments so that paging and replay cross files. */
class FileJournalContractTest extends JournalContract {
    @TempDir
    Path dir;

    @Override
    protected Journal open() throws Exception {
        return FileJournal.open(dir, Clock.systemUTC(), new SimpleMeterRegistry(),
                FileJournal.Options.defaults().withSegmentBytes(2_000));
    }
}
