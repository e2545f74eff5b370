package dev.relay.store.sqlite;

import static dev.relay.store.contract.Fixtures.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.store.PolicyRecord;
import dev.relay.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Lifecycle: durability across reopen, file layout, pragmas, schema versions, closed store. */
class SqliteRelayStoreTest extends StoreTestSupport {

    @Test
    void createsParentFoldersAndKeepsOneFile() throws IOException {
        store.close();
        Path nested = dir.resolve("data").resolve("relay").resolve("store.db");
        store = SqliteRelayStore.open(nested);
        store.recordConnected("alice", 1);
        store.close();
        store = null;
        try (Stream<Path> files = Files.list(nested.getParent())) {
            Set<String> names = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            assertThat(names).contains("store.db").isSubsetOf(Set.of("store.db", "store.db-wal", "store.db-shm"));
        }
    }

    @Test
    void usesWalAndRecordsTheSchemaVersion() throws SQLException {
        try (Connection c = raw()) {
            assertThat(SqliteSchema.pragmaInt(c, "user_version")).isEqualTo(SqliteSchema.CURRENT_VERSION);
            assertThat(SqliteSchema.pragmaInt(c, "application_id")).isEqualTo(SqliteSchema.APPLICATION_ID);
            try (var s = c.createStatement(); var rs = s.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
            }
        }
    }

    @Test
    void refusesAFileFromANewerRelay() throws SQLException {
        store.close();
        store = null;
        rawExec("PRAGMA user_version = " + (SqliteSchema.CURRENT_VERSION + 1));

        assertThatThrownBy(() -> SqliteRelayStore.open(file()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("relay.db")
                .hasMessageContaining("schema version " + (SqliteSchema.CURRENT_VERSION + 1))
                .hasMessageContaining("supports up to version " + SqliteSchema.CURRENT_VERSION)
                .hasMessageContaining("newer Relay");
    }

    @Test
    void refusesAnotherApplicationsDatabase() throws SQLException {
        Path foreign = dir.resolve("other.db");
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + foreign);
                var s = c.createStatement()) {
            s.executeUpdate("PRAGMA application_id = 12345");
            s.executeUpdate("CREATE TABLE t (x)");
        }
        assertThatThrownBy(() -> SqliteRelayStore.open(foreign))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("not a Relay database");
    }

    @Test
    void reopeningTheCurrentVersionDoesNotMigrateAgain() throws SQLException {
        store.recordConnected("alice", 1);
        reopen();
        reopen();
        assertThat(store.presence("alice")).isPresent();
        try (Connection c = raw()) {
            assertThat(SqliteSchema.pragmaInt(c, "user_version")).isEqualTo(SqliteSchema.CURRENT_VERSION);
        }
    }

    @Test
    void folderThatCannotBeCreatedIsAClearError() throws IOException {
        Path blocker = Files.writeString(dir.resolve("not-a-folder"), "x");
        assertThatThrownBy(() -> SqliteRelayStore.open(blocker.resolve("relay.db")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("not-a-folder")
                .hasMessageContaining("cannot create its folder");
    }

    @Test
    void closedStoreFailsClearlyAndCloseIsIdempotent() {
        store.close();
        store.close();
        assertThatThrownBy(() -> store.presence("alice"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("relay.db")
                .hasMessageContaining("closed");
        store = null;
    }

    @Test
    void sqlFailuresNameTheFileAndOperation() throws SQLException {
        rawExec("DROP TABLE parked");
        assertThatThrownBy(() -> store.park("bob", bytes("x"), 1))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("relay.db")
                .hasMessageContaining("parking a message")
                .hasCauseInstanceOf(SQLException.class);
    }

    @Test
    void failedTransactionLeavesNoPartialWrite() throws SQLException {
        store.savePolicy("alice", new PolicyRecord("allowlist", List.of("bob"), List.of(), 1));
        // Make the list insert fail half-way through the transaction.
        rawExec("CREATE TRIGGER fail_mallory BEFORE INSERT ON policy_entries WHEN NEW.member = 'mallory'"
                + " BEGIN SELECT RAISE(ABORT, 'boom'); END");
        assertThatThrownBy(() -> store.savePolicy("alice",
                new PolicyRecord("blocklist", List.of("carol"), List.of("mallory"), 2)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("saving an inbox policy");
        assertThat(store.policy("alice")).contains(new PolicyRecord("allowlist", List.of("bob"), List.of(), 1));
        store.savePolicy("alice", new PolicyRecord("open", List.of(), List.of(), 3));
        assertThat(store.policy("alice")).map(PolicyRecord::mode).contains("open");
    }
}
