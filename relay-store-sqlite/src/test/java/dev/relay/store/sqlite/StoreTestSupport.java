package dev.relay.store.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh store file per test, plus raw JDBC access for checks the SPI cannot make. */
abstract class StoreTestSupport {

    @TempDir Path dir;
    SqliteRelayStore store;

    @BeforeEach
    void openStore() {
        store = SqliteRelayStore.open(file());
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    Path file() {
        return dir.resolve("relay.db");
    }

    SqliteRelayStore reopen() {
        store.close();
        store = SqliteRelayStore.open(file());
        return store;
    }

    Connection raw() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file());
    }

    void rawExec(String... sql) throws SQLException {
        try (Connection c = raw(); Statement s = c.createStatement()) {
            for (String each : sql) {
                s.executeUpdate(each);
            }
        }
    }
}
