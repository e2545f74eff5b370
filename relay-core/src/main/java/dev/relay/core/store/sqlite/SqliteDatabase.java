package dev.relay.core.store.sqlite;

import dev.relay.core.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
  * One SQLite connection behind a lock, with a prepared-statement cache and SQLException-to-StoreException wrapping.
  * SQLite has a single writer anyway, so one connection costs little and keeps transactions simple.
  */
final class SqliteDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteDatabase.class);

    /** Work run while holding the lock. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws SQLException;
    }

    private final String name;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private boolean closed;

    SqliteDatabase(String name, Connection connection) {
        this.name = name;
        this.connection = connection;
    }

    /** Runs single-statement work in autocommit mode. */
    <T> T call(String operation, Work<T> work) {
        lock.lock();
        try {
            ensureOpen(operation);
            return work.run();
        } catch (SQLException e) {
            throw failure(operation, e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs multi-statement work in one transaction: all or nothing. */
    <T> T inTransaction(String operation, Work<T> work) {
        lock.lock();
        try {
            ensureOpen(operation);
            connection.setAutoCommit(false);
            try {
                T result = work.run();
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(e);
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(operation, e);
        } finally {
            lock.unlock();
        }
    }

    /** A cached prepared statement; only valid inside {@link #call} or {@link #inTransaction}. */
    PreparedStatement statement(String sql) throws SQLException {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("statement used outside the store lock");
        }
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        } else {
            statement.clearParameters();
        }
        return statement;
    }

    StoreException failure(String operation, SQLException e) {
        return new StoreException("Relay store " + name + ": " + operation + " failed: " + e.getMessage(), e);
    }

    String name() {
        return name;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (PreparedStatement statement : statements.values()) {
                closeQuietly(statement);
            }
            statements.clear();
            try (Statement statement = connection.createStatement()) {
                // Recommended before closing a long-lived connection: refreshes query planner statistics where useful.
                statement.execute("PRAGMA optimize");
            } catch (SQLException e) {
                LOG.debug("PRAGMA optimize on {} failed", name, e);
            }
            try {
                connection.close();
            } catch (SQLException e) {
                throw failure("close", e);
            }
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen(String operation) {
        if (closed) {
            throw new StoreException("Relay store " + name + ": " + operation + " after the store was closed");
        }
    }

    private void rollbackQuietly(Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void closeQuietly(Statement statement) {
        try {
            statement.close();
        } catch (SQLException e) {
            LOG.debug("closing a statement failed", e);
        }
    }
}
