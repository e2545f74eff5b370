package dev.relay.core.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Commits never run SQLite's checkpoint themselves; the store's checkpointer moves the WAL into the file. */
class SqliteCheckpointerTest extends StoreTestSupport {

    @Test
    void theWalIsMovedIntoTheDatabaseFileInTheBackground() throws Exception {
        Path file = file();
        long before = Files.size(file);
        for (int i = 0; i < 2000; i++) {
            store.recordMessage(message("alice", "m-" + i, "bob", null, i, Long.MAX_VALUE));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Files.size(file) <= before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(Files.size(file)).as("database file after the background checkpoint").isGreaterThan(before);
        assertThat(store.message("alice", "m-1999")).isPresent();
    }
}
