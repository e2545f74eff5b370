package dev.relay.store.sqlite;

import dev.relay.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
  * One SQLite connection behind a lock, with a prepared-statement cache and SQLException-to-StoreException wrapping.
  * SQLite has a single writer anyway, so one connection costs little and keeps transactions simple.
  *
  * <p>Writes are group-committed: with {@code synchronous=FULL} every commit waits for the disk, so writers that arrive
  * while a commit is under way queue up, and the next of them to take the lock runs every queued write in one
  * transaction, each in a savepoint of its own (one write failing undoes only itself), and commits once. Each caller
  * still returns only after its write is durable. Reads run on a second connection under a lock of their own, so they
  * never wait for a commit (WAL readers see the last committed state); reads made inside write work use the writing
  * connection and see that work's own changes.
  */
final class SqliteDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteDatabase.class);
    /** Enough to share one disk wait among every decision thread; small enough to keep a batch's latency short. */
    private static final int MAX_BATCH = 256;

    /** Work run while holding the lock. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws SQLException;
    }

    private final String name;
    private final Connection connection;
    private final Connection readConnection;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock readLock = new ReentrantLock();
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final Map<String, PreparedStatement> readStatements = new HashMap<>();
    private final ConcurrentLinkedQueue<PendingWrite<?>> queued = new ConcurrentLinkedQueue<>();
    // Guarded by the lock: the write whose savepoint is open, collecting what to undo in memory if it rolls back.
    private PendingWrite<?> current;
    private Statement control;
    private boolean closed;

    SqliteDatabase(String name, Connection connection, Connection readConnection) {
        this.name = name;
        this.connection = connection;
        this.readConnection = readConnection;
    }

    /** Runs reading work in autocommit mode; inside write work it reads through the writing connection. */
    <T> T call(String operation, Work<T> work) {
        ReentrantLock held = lock.isHeldByCurrentThread() ? lock : readLock;
        held.lock();
        try {
            ensureOpen(operation);
            return work.run();
        } catch (SQLException e) {
            throw failure(operation, e);
        } finally {
            held.unlock();
        }
    }

    /**
     * Runs writing work atomically and returns once it is committed, sharing the commit with the writes queued beside
     * it. Called from inside other work it simply joins the transaction that is open.
     */
    <T> T write(String operation, Work<T> work) {
        if (lock.isHeldByCurrentThread()) {
            return runNested(operation, work);
        }
        PendingWrite<T> mine = new PendingWrite<>(operation, work);
        queued.add(mine);
        lock.lock();
        try {
            while (!mine.done) {
                ensureOpen(operation);
                runBatch();
            }
        } finally {
            lock.unlock();
        }
        return mine.result();
    }

    /** A RESTART checkpoint on the writing connection between two commits (see {@link SqliteCheckpointer}). */
    void restartWal() {
        lock.lock();
        try (Statement statement = connection.createStatement()) {
            ensureOpen("restarting the WAL");
            statement.execute("PRAGMA wal_checkpoint(RESTART)");
        } catch (SQLException e) {
            throw failure("restarting the WAL", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers what to put back in memory if the write under way rolls back (its own failure or a failed commit of
     * its batch). Only inside {@link #write} work.
     */
    void onRollback(Runnable undo) {
        if (current != null) {
            current.undo.add(undo);
        }
    }

    private <T> T runNested(String operation, Work<T> work) {
        try {
            return work.run();
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    private void runBatch() {
        List<PendingWrite<?>> batch = new ArrayList<>();
        PendingWrite<?> next;
        while (batch.size() < MAX_BATCH && (next = queued.poll()) != null) {
            batch.add(next);
        }
        if (!batch.isEmpty()) {
            runBatch(batch);
        }
    }

    private void runBatch(List<PendingWrite<?>> batch) {
        List<PendingWrite<?>> applied = new ArrayList<>(batch.size());
        try {
            connection.setAutoCommit(false);
            for (PendingWrite<?> write : batch) {
                if (apply(write)) {
                    applied.add(write);
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(e);
            for (int i = applied.size() - 1; i >= 0; i--) {
                applied.get(i).undo();
            }
            for (PendingWrite<?> write : batch) {
                if (write.failure == null) {
                    write.failure = e instanceof SQLException sql ? failure(write.operation, sql) : (RuntimeException) e;
                }
            }
            LOG.debug("Relay store {}: a batch of {} writes failed", name, batch.size(), e);
        } finally {
            current = null;
            try {
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                LOG.warn("Relay store {}: could not return to autocommit after a write", name, e);
            }
            for (PendingWrite<?> write : batch) {
                write.done = true;
            }
        }
    }

    /** Runs one write in its own savepoint; false if it failed and was rolled back to it (the batch goes on). */
    private boolean apply(PendingWrite<?> write) throws SQLException {
        Statement savepoints = control();
        savepoints.execute("SAVEPOINT relay_write");
        current = write;
        try {
            write.run();
            savepoints.execute("RELEASE relay_write");
            return true;
        } catch (SQLException | RuntimeException e) {
            write.undo();
            write.failure = e instanceof SQLException sql ? failure(write.operation, sql) : (RuntimeException) e;
            savepoints.execute("ROLLBACK TO relay_write");
            savepoints.execute("RELEASE relay_write");
            return false;
        } finally {
            current = null;
        }
    }

    private Statement control() throws SQLException {
        if (control == null) {
            control = connection.createStatement();
        }
        return control;
    }

    /** A write waiting for its batch; its fields are written and read under the lock. */
    private static final class PendingWrite<T> {
        final String operation;
        final Work<T> work;
        final List<Runnable> undo = new ArrayList<>(1);
        T value;
        RuntimeException failure;
        boolean done;

        PendingWrite(String operation, Work<T> work) {
            this.operation = operation;
            this.work = work;
        }

        void run() throws SQLException {
            value = work.run();
        }

        void undo() {
            for (int i = undo.size() - 1; i >= 0; i--) {
                undo.get(i).run();
            }
            undo.clear();
        }

        T result() {
            if (failure != null) {
                throw failure;
            }
            return value;
        }
    }

    /** A cached prepared statement of the connection the current work runs on; only inside {@link #call}/{@link #write}. */
    PreparedStatement statement(String sql) throws SQLException {
        Connection on;
        Map<String, PreparedStatement> cache;
        if (lock.isHeldByCurrentThread()) {
            on = connection;
            cache = statements;
        } else if (readLock.isHeldByCurrentThread()) {
            on = readConnection;
            cache = readStatements;
        } else {
            throw new IllegalStateException("statement used outside the store lock");
        }
        PreparedStatement statement = cache.get(sql);
        if (statement == null) {
            statement = on.prepareStatement(sql);
            cache.put(sql, statement);
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
        readLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (PreparedStatement statement : statements.values()) {
                closeQuietly(statement);
            }
            for (PreparedStatement statement : readStatements.values()) {
                closeQuietly(statement);
            }
            statements.clear();
            readStatements.clear();
            if (control != null) {
                closeQuietly(control);
            }
            try (Statement statement = connection.createStatement()) {
                // Recommended before closing a long-lived connection: refreshes query planner statistics where useful.
                statement.execute("PRAGMA optimize");
            } catch (SQLException e) {
                LOG.debug("PRAGMA optimize on {} failed", name, e);
            }
            try {
                readConnection.close();
                connection.close();
            } catch (SQLException e) {
                throw failure("close", e);
            }
        } finally {
            readLock.unlock();
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
