package dev.relay.store.sqlite;

import dev.relay.store.StoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
  * Schema of the SQLite store and its migrations. {@code PRAGMA user_version} holds the schema version; migration
  * {@code i} (0-based) takes a file from version {@code i} to {@code i + 1}, each in its own transaction, so an
  * interrupted upgrade leaves a consistent file at the last completed version.
  */
final class SqliteSchema {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteSchema.class);

    /** Marks a file as a Relay store ("RLAY"), so another application's database is not mistaken for one. */
    static final int APPLICATION_ID = 0x524C4159;

    private static final List<List<String>> MIGRATIONS = List.of(
            // version 1
            List.of(
                    "PRAGMA application_id = " + APPLICATION_ID,

                    "CREATE TABLE nonces ("
                            + " key_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL,"
                            + " PRIMARY KEY (key_id, nonce)) WITHOUT ROWID",
                    "CREATE INDEX nonces_expiry ON nonces (expires_at)",

                    "CREATE TABLE identities ("
                            + " key_id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
                            + " sessions INTEGER NOT NULL) WITHOUT ROWID",
                    // resetPresence touches only identities that are online
                    "CREATE INDEX identities_online ON identities (key_id) WHERE sessions > 0",

                    "CREATE TABLE policies ("
                            + " key_id TEXT PRIMARY KEY, mode TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID",
                    "CREATE TABLE policy_entries ("
                            + " key_id TEXT NOT NULL REFERENCES policies (key_id) ON DELETE CASCADE,"
                            + " list TEXT NOT NULL CHECK (list IN ('allow', 'block')), pos INTEGER NOT NULL, member TEXT NOT NULL,"
                            + " PRIMARY KEY (key_id, list, pos)) WITHOUT ROWID",

                    "CREATE TABLE cards ("
                            + " key_id TEXT PRIMARY KEY, card_json TEXT NOT NULL, envelope_json TEXT NOT NULL,"
                            + " is_public INTEGER NOT NULL, search_text TEXT NOT NULL, search_lc TEXT NOT NULL,"
                            + " updated_at INTEGER NOT NULL)",
                    "CREATE INDEX cards_public ON cards (key_id) WHERE is_public = 1",
                    "CREATE TABLE card_tags ("
                            + " key_id TEXT NOT NULL REFERENCES cards (key_id) ON DELETE CASCADE, pos INTEGER NOT NULL,"
                            + " tag TEXT NOT NULL, tag_lc TEXT NOT NULL, PRIMARY KEY (key_id, pos)) WITHOUT ROWID",
                    "CREATE INDEX card_tags_lookup ON card_tags (tag_lc, key_id)",
                    "CREATE TABLE card_capabilities ("
                            + " key_id TEXT NOT NULL REFERENCES cards (key_id) ON DELETE CASCADE, pos INTEGER NOT NULL,"
                            + " name TEXT NOT NULL, name_lc TEXT NOT NULL, PRIMARY KEY (key_id, pos)) WITHOUT ROWID",
                    "CREATE INDEX card_capabilities_lookup ON card_capabilities (name_lc, key_id)",

                    "CREATE TABLE messages ("
                            + " sender TEXT NOT NULL, message_id TEXT NOT NULL, recipient TEXT NOT NULL, thread_id TEXT,"
                            + " in_reply_to TEXT, kind TEXT NOT NULL, ts INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
                            + " state TEXT NOT NULL CHECK (state IN ('SENT', 'DELIVERED', 'EXPIRED')), envelope BLOB,"
                            + " PRIMARY KEY (sender, message_id))",
                    "CREATE INDEX messages_thread ON messages (thread_id, ts, sender, message_id) WHERE thread_id IS NOT NULL",
                    "CREATE INDEX messages_expiry ON messages (expires_at)",
                    "CREATE INDEX messages_sent_expiry ON messages (expires_at) WHERE state = 'SENT'",

                    // AUTOINCREMENT: seqs are never reused, even after the newest parked message was removed
                    "CREATE TABLE parked ("
                            + " seq INTEGER PRIMARY KEY AUTOINCREMENT, recipient TEXT NOT NULL, envelope BLOB NOT NULL,"
                            + " expires_at INTEGER NOT NULL)",
                    "CREATE INDEX parked_recipient ON parked (recipient, seq, expires_at)",
                    "CREATE INDEX parked_expiry ON parked (expires_at)",

                    "CREATE TABLE audit ("
                            + " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL,"
                            + " subject TEXT NOT NULL, detail TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL)",
                    // Guards against accidental edits by code or an operator's SQL session; the hash chain catches deliberate ones.
                    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
                            + " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
                            + " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"));

    /** Schema version this code writes. */
    static final int CURRENT_VERSION = MIGRATIONS.size();

    private SqliteSchema() {}

    /** Creates or upgrades the schema; refuses files from a newer Relay or from another application. */
    static void migrate(Connection connection, String name) {
        int version;
        try {
            version = pragmaInt(connection, "user_version");
            int applicationId = pragmaInt(connection, "application_id");
            if (applicationId != 0 && applicationId != APPLICATION_ID) {
                throw new StoreException("Relay store " + name + " is not a Relay database (application_id "
                        + applicationId + "); point the data folder at a Relay store or at an empty folder");
            }
        } catch (SQLException e) {
            throw new StoreException("Relay store " + name + ": reading the schema version failed: " + e.getMessage(), e);
        }
        if (version > CURRENT_VERSION) {
            throw new StoreException("Relay store " + name + " has schema version " + version
                    + ", but this Relay supports up to version " + CURRENT_VERSION
                    + ": it was written by a newer Relay. Run that version, or restore a backup made by this one.");
        }
        for (int from = version; from < CURRENT_VERSION; from++) {
            apply(connection, name, from);
        }
    }

    private static void apply(Connection connection, String name, int from) {
        int to = from + 1;
        try {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                for (String sql : MIGRATIONS.get(from)) {
                    statement.executeUpdate(sql);
                }
                statement.executeUpdate("PRAGMA user_version = " + to);
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
            LOG.info(from == 0 ? "Relay store {}: created schema version {}" : "Relay store {}: migrated schema to version {}",
                    name, to);
        } catch (SQLException e) {
            throw new StoreException("Relay store " + name + ": migrating the schema from version " + from + " to " + to
                    + " failed: " + e.getMessage(), e);
        }
    }

    static int pragmaInt(Connection connection, String pragma) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("PRAGMA " + pragma)) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
