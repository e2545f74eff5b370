package dev.relay.store.sqlite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the WAL into the database file on a connection and thread of its own, once a second. SQLite's automatic
 * checkpoint runs inside whichever commit crosses the threshold, holding the store's write lock while it writes and
 * syncs the database file, so every decision waiting for a commit waited for it too (tens of milliseconds at the
 * tail). A passive checkpoint here never blocks writers or readers. Under a steady stream of writes a passive
 * checkpoint never catches the last frame, so SQLite never starts the WAL over and the file grows without end (2.3 GiB
 * in a 100,000-message benchmark). Once the WAL passes {@link #RESTART_BYTES}, {@code restart} runs a RESTART
 * checkpoint between two commits (under the store's write lock, since a busy writer always wins SQLite's own wait):
 * it copies what the passive ones left and the next commit starts the WAL from the beginning (journal_size_limit
 * then trims the file). Writers wait for that copy, about a second's worth of writes, once per RESTART_BYTES.
 */
final class SqliteCheckpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteCheckpointer.class);
    private static final long INTERVAL_MILLIS = 1000;
    static final long RESTART_BYTES = 64L * 1024 * 1024;

    private final String name;
    private final Path wal;
    private final long restartBytes;
    private final Runnable restart;
    private final Connection connection;
    private final ScheduledExecutorService thread;

    SqliteCheckpointer(String name, Connection connection, Runnable restart) {
        this(name, connection, restart, RESTART_BYTES, INTERVAL_MILLIS);
    }

    SqliteCheckpointer(String name, Connection connection, Runnable restart, long restartBytes, long intervalMillis) {
        this.name = name;
        this.wal = Path.of(name + "-wal");
        this.restart = restart;
        this.restartBytes = restartBytes;
        this.connection = connection;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread daemon = new Thread(runnable, "relay-store-checkpoint");
            daemon.setDaemon(true);
            return daemon;
        });
        thread.scheduleWithFixedDelay(this::checkpoint, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    private void checkpoint() {
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
            if (walBytes() > restartBytes) {
                restart.run();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Relay store {}: WAL checkpoint failed (tried again in {} ms): {}", name, INTERVAL_MILLIS,
                    e.getMessage());
        }
    }

    private long walBytes() {
        try {
            return Files.size(wal);
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("Relay store {}: closing the checkpoint connection failed", name, e);
        }
    }
}
