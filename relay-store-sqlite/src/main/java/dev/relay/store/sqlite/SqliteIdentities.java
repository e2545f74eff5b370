package dev.relay.store.sqlite;

import dev.relay.store.PolicyRecord;
import dev.relay.store.Presence;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Per-identity state: the connect-token replay cache, presence and inbox policies. */
final class SqliteIdentities {

    private static final int CACHED_POLICIES = 10_000;

    private final SqliteDatabase db;
    // Guarded by itself, with policyVersion.
    private final Map<String, Optional<PolicyRecord>> policies = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Optional<PolicyRecord>> eldest) {
            return size() > CACHED_POLICIES;
        }
    };
    private long policyVersion;

    SqliteIdentities(SqliteDatabase db) {
        this.db = db;
    }

    boolean rememberNonce(String keyId, String nonce, long expiresAtMs) {
        return db.write("remembering a connect nonce", () -> {
            // The primary key makes check-and-insert one atomic statement.
            PreparedStatement insert = db.statement(
                    "INSERT INTO nonces (key_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
            insert.setString(1, keyId);
            insert.setString(2, nonce);
            insert.setLong(3, expiresAtMs);
            return insert.executeUpdate() == 1;
        });
    }

    int pruneNonces(long nowMs) {
        return db.write("pruning connect nonces", () -> {
            PreparedStatement delete = db.statement("DELETE FROM nonces WHERE expires_at <= ?");
            delete.setLong(1, nowMs);
            return delete.executeUpdate();
        });
    }

    boolean recordConnected(String keyId, long atMs) {
        // Insert-or-nothing tells a first connect apart (an upsert counts 1 row either way); both statements run under
        // the store lock, so no other connect of this process can come in between.
        return db.write("recording a connect", () -> {
            PreparedStatement insert = db.statement(
                    "INSERT INTO identities (key_id, first_seen, last_seen, sessions) VALUES (?, ?, ?, 1)"
                            + " ON CONFLICT (key_id) DO NOTHING");
            insert.setString(1, keyId);
            insert.setLong(2, atMs);
            insert.setLong(3, atMs);
            if (insert.executeUpdate() == 1) {
                return true;
            }
            PreparedStatement update = db.statement(
                    "UPDATE identities SET sessions = sessions + 1, last_seen = max(last_seen, ?) WHERE key_id = ?");
            update.setLong(1, atMs);
            update.setString(2, keyId);
            update.executeUpdate();
            return false;
        });
    }

    void recordDisconnected(String keyId, long atMs) {
        db.write("recording a disconnect", () -> {
            // max(..., 0): a disconnect without a matching connect (e.g. after resetPresence) must not go negative.
            PreparedStatement update = db.statement(
                    "UPDATE identities SET sessions = max(sessions - 1, 0), last_seen = max(last_seen, ?) WHERE key_id = ?");
            update.setLong(1, atMs);
            update.setString(2, keyId);
            return update.executeUpdate();
        });
    }

    Optional<Presence> presence(String keyId) {
        return db.call("reading presence", () -> {
            PreparedStatement select = db.statement(
                    "SELECT sessions, last_seen, first_seen FROM identities WHERE key_id = ?");
            select.setString(1, keyId);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Presence(rs.getLong(1) > 0, rs.getLong(2), rs.getLong(3)))
                        : Optional.empty();
            }
        });
    }

    void resetPresence(long nowMs) {
        db.write("resetting presence", () -> {
            PreparedStatement update = db.statement(
                    "UPDATE identities SET sessions = 0, last_seen = max(last_seen, ?) WHERE sessions > 0");
            update.setLong(1, nowMs);
            return update.executeUpdate();
        });
    }

    /**
     * Every publish reads its recipient's policy; they change rarely and only through {@link #savePolicy}, so recent ones
     * are kept in memory. A read fills the cache only if no save happened since it looked (the version), so a read of
     * the old row cannot put back a policy that a save just replaced.
     */
    Optional<PolicyRecord> policy(String keyId) {
        long version;
        synchronized (policies) {
            version = policyVersion;
            Optional<PolicyRecord> cached = policies.get(keyId);
            if (cached != null) {
                return cached;
            }
        }
        Optional<PolicyRecord> read = db.call("reading an inbox policy", () -> readPolicy(keyId));
        synchronized (policies) {
            if (policyVersion == version) {
                policies.put(keyId, read);
            }
        }
        return read;
    }

    private void cachePolicy(String keyId, PolicyRecord policy) {
        synchronized (policies) {
            policyVersion++;
            policies.put(keyId, Optional.of(policy));
        }
    }

    private void forgetPolicy(String keyId) {
        synchronized (policies) {
            policyVersion++;
            policies.remove(keyId);
        }
    }

    private Optional<PolicyRecord> readPolicy(String keyId) throws SQLException {
        PreparedStatement select = db.statement("SELECT mode, updated_at FROM policies WHERE key_id = ?");
        select.setString(1, keyId);
        String mode;
        long updatedAt;
        try (ResultSet rs = select.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            mode = rs.getString(1);
            updatedAt = rs.getLong(2);
        }
        List<String> allow = new ArrayList<>();
        List<String> block = new ArrayList<>();
        PreparedStatement entries = db.statement(
                "SELECT list, member FROM policy_entries WHERE key_id = ? ORDER BY list, pos");
        entries.setString(1, keyId);
        try (ResultSet rs = entries.executeQuery()) {
            while (rs.next()) {
                ("allow".equals(rs.getString(1)) ? allow : block).add(rs.getString(2));
            }
        }
        return Optional.of(new PolicyRecord(mode, allow, block, updatedAt));
    }

    void savePolicy(String keyId, PolicyRecord policy) {
        db.write("saving an inbox policy", () -> {
            PreparedStatement upsert = db.statement(
                    "INSERT INTO policies (key_id, mode, updated_at) VALUES (?, ?, ?)"
                            + " ON CONFLICT (key_id) DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at");
            upsert.setString(1, keyId);
            upsert.setString(2, policy.mode());
            upsert.setLong(3, policy.updatedAtMs());
            upsert.executeUpdate();
            PreparedStatement clear = db.statement("DELETE FROM policy_entries WHERE key_id = ?");
            clear.setString(1, keyId);
            clear.executeUpdate();
            PreparedStatement insert = db.statement(
                    "INSERT INTO policy_entries (key_id, list, pos, member) VALUES (?, ?, ?, ?)");
            addEntries(insert, keyId, "allow", policy.allow());
            addEntries(insert, keyId, "block", policy.block());
            insert.executeBatch();
            cachePolicy(keyId, policy);
            db.onRollback(() -> forgetPolicy(keyId));
            return null;
        });
    }

    private static void addEntries(PreparedStatement insert, String keyId, String list, List<String> members)
            throws SQLException {
        for (int pos = 0; pos < members.size(); pos++) {
            insert.setString(1, keyId);
            insert.setString(2, list);
            insert.setInt(3, pos);
            insert.setString(4, members.get(pos));
            insert.addBatch();
        }
    }
}
