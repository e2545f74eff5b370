package dev.relay.core.store.sqlite;

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
 * tail). A passive checkpoint here never blocks writers or readers.
 */
final class SqliteCheckpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteCheckpointer.class);
    private static final long INTERVAL_MILLIS = 1000;

    private final String name;
    private final Connection connection;
    private final ScheduledExecutorService thread;

    SqliteCheckpointer(String name, Connection connection) {
        this.name = name;
        this.connection = connection;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread daemon = new Thread(runnable, "relay-store-checkpoint");
            daemon.setDaemon(true);
            return daemon;
        });
        thread.scheduleWithFixedDelay(this::checkpoint, INTERVAL_MILLIS, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void checkpoint() {
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
        } catch (SQLException e) {
            LOG.warn("Relay store {}: WAL checkpoint failed (tried again in {} ms): {}", name, INTERVAL_MILLIS,
                    e.getMessage());
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
