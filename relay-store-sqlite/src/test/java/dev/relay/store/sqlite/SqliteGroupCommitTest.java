package dev.relay.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit: writes queued behind a commit share the next one, and one failing write undoes only itself. */
class SqliteGroupCommitTest {

    @TempDir Path dir;
    private SqliteDatabase db;

    @BeforeEach
    void open() throws SQLException {
        String url = "jdbc:sqlite:" + dir.resolve("group.db");
        Connection writer = DriverManager.getConnection(url);
        try (Statement statement = writer.createStatement()) {
            statement.execute("PRAGMA journal_mode=WAL");
            statement.execute("CREATE TABLE rows (name TEXT PRIMARY KEY)");
        }
        db = new SqliteDatabase("group.db", writer, DriverManager.getConnection(url));
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void writesQueuedBehindACommitShareOneTransactionAndAFailingOneUndoesOnlyItself() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> db.write("first", () -> {
            insert("first");
            firstRunning.countDown();
            await(releaseFirst);
            return null;
        }));
        assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();

        // Three writers queue while the first one holds the lock; the next leader takes all three in one batch.
        AtomicBoolean undone = new AtomicBoolean();
        // The leader runs every write of its batch on its own thread: one thread for all three means one batch.
        Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
        CompletableFuture<Void> ok1 = CompletableFuture.runAsync(() -> db.write("ok1", () -> {
            insert("ok1");
            ranOn.add(Thread.currentThread());
            return null;
        }));
        CompletableFuture<Void> failing = CompletableFuture.runAsync(() -> db.write("failing", () -> {
            ranOn.add(Thread.currentThread());
            insert("failing");
            db.onRollback(() -> undone.set(true));
            insert("first"); // primary key violation: "first" was committed by the write before this batch
            insert("never");
            return null;
        }));
        CompletableFuture<Void> ok2 = CompletableFuture.runAsync(() -> db.write("ok2", () -> {
            insert("ok2");
            ranOn.add(Thread.currentThread());
            return null;
        }));
        Thread.sleep(300); // let all three queue behind the first write
        releaseFirst.countDown();
        first.get(10, TimeUnit.SECONDS);
        ok1.get(10, TimeUnit.SECONDS);
        ok2.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).hasRootCauseInstanceOf(SQLException.class)
                .hasMessageContaining("failing");

        assertThat(rows()).containsExactlyInAnyOrder("first", "ok1", "ok2");
        assertThat(undone).as("the failed write's in-memory undo ran").isTrue();
        assertThat(ranOn).hasSize(1);
    }

    @Test
    void aWriteMadeFromInsideAnotherJoinsItsTransaction() {
        assertThatThrownBy(() -> db.write("outer", () -> {
            db.write("inner", () -> insert("inner"));
            throw new SQLException("outer fails after the inner write");
        })).hasMessageContaining("outer fails");
        assertThat(rows()).isEmpty();
    }

    @Test
    void readsSeeCommittedWritesAndDoNotWaitForAWriteInProgress() throws Exception {
        db.write("committed", () -> insert("committed"));
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> slowWrite = CompletableFuture.runAsync(() -> db.write("slow", () -> {
            insert("uncommitted");
            writing.countDown();
            await(release);
            return null;
        }));
        assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
        // The write holds the writing connection; a read on the reading connection answers at once.
        assertThat(rows()).containsExactly("committed");
        release.countDown();
        slowWrite.get(10, TimeUnit.SECONDS);
        assertThat(rows()).containsExactlyInAnyOrder("committed", "uncommitted");
    }

    private int insert(String name) throws SQLException {
        PreparedStatement insert = db.statement("INSERT INTO rows (name) VALUES (?)");
        insert.setString(1, name);
        return insert.executeUpdate();
    }

    private List<String> rows() {
        return db.call("reading rows", () -> {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = db.statement("SELECT name FROM rows ORDER BY name").executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
