package dev.relay.store.sqlite;

import dev.relay.store.ParkedMessage;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** Envelopes held for recipients the broker cannot queue for. */
final class SqliteParking {

    private final SqliteDatabase db;

    SqliteParking(SqliteDatabase db) {
        this.db = db;
    }

    long park(String recipient, byte[] envelope, long expiresAtMs) {
        return db.write("parking a message", () -> {
            PreparedStatement insert = db.statement(
                    "INSERT INTO parked (recipient, envelope, expires_at) VALUES (?, ?, ?)");
            insert.setString(1, recipient);
            insert.setBytes(2, envelope);
            insert.setLong(3, expiresAtMs);
            insert.executeUpdate();
            // Same connection, still under the lock: no other insert can come in between.
            try (ResultSet rs = db.statement("SELECT last_insert_rowid()").executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    int parkedCount(String recipient, long nowMs) {
        return db.call("counting parked messages", () -> {
            PreparedStatement count = db.statement(
                    "SELECT count(*) FROM parked WHERE recipient = ? AND expires_at > ?");
            count.setString(1, recipient);
            count.setLong(2, nowMs);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    List<ParkedMessage> parked(String recipient, long nowMs, int limit) {
        return db.call("reading parked messages", () -> {
            PreparedStatement select = db.statement(
                    "SELECT seq, envelope, expires_at FROM parked WHERE recipient = ? AND expires_at > ?"
                            + " ORDER BY seq LIMIT ?");
            select.setString(1, recipient);
            select.setLong(2, nowMs);
            select.setInt(3, limit);
            List<ParkedMessage> parked = new ArrayList<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    parked.add(new ParkedMessage(rs.getLong(1), recipient, rs.getBytes(2), rs.getLong(3)));
                }
            }
            return parked;
        });
    }

    void removeParked(List<Long> seqs) {
        if (seqs.isEmpty()) {
            return;
        }
        db.write("removing parked messages", () -> {
            PreparedStatement delete = db.statement("DELETE FROM parked WHERE seq = ?");
            for (long seq : seqs) {
                delete.setLong(1, seq);
                delete.addBatch();
            }
            delete.executeBatch();
            return null;
        });
    }

    int deleteExpiredParked(long nowMs) {
        return db.write("deleting expired parked messages", () -> {
            PreparedStatement delete = db.statement("DELETE FROM parked WHERE expires_at <= ?");
            delete.setLong(1, nowMs);
            return delete.executeUpdate();
        });
    }
}
