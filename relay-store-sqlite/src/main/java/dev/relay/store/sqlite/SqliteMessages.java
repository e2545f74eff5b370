package dev.relay.store.sqlite;

import dev.relay.store.DeliveryState;
import dev.relay.store.HistoryCursor;
import dev.relay.store.MessageRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Message records: deduplication by (sender, message_id), delivery state, expiry and thread history. */
final class SqliteMessages {

    private static final String COLUMNS =
            "sender, message_id, recipient, thread_id, in_reply_to, kind, ts, expires_at, state, envelope";

    private final SqliteDatabase db;

    SqliteMessages(SqliteDatabase db) {
        this.db = db;
    }

    boolean recordMessage(MessageRecord m) {
        return db.write("recording a message", () -> {
            PreparedStatement insert = db.statement(
                    "INSERT INTO messages (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
            insert.setString(1, m.sender());
            insert.setString(2, m.messageId());
            insert.setString(3, m.recipient());
            setNullable(insert, 4, m.threadId());
            setNullable(insert, 5, m.inReplyTo());
            insert.setString(6, m.kind());
            insert.setLong(7, m.tsMs());
            insert.setLong(8, m.expiresAtMs());
            insert.setString(9, m.state().name());
            byte[] envelope = m.envelope();
            if (envelope == null) {
                insert.setNull(10, Types.BLOB);
            } else {
                insert.setBytes(10, envelope);
            }
            return insert.executeUpdate() == 1;
        });
    }

    Optional<MessageRecord> message(String sender, String messageId) {
        return db.call("reading a message", () -> {
            PreparedStatement select = db.statement(
                    "SELECT " + COLUMNS + " FROM messages WHERE sender = ? AND message_id = ?");
            select.setString(1, sender);
            select.setString(2, messageId);
            List<MessageRecord> found = read(select);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
    }

    boolean transitionDeliveryState(String sender, String messageId, DeliveryState from, DeliveryState to) {
        return db.write("updating a delivery state", () -> {
            PreparedStatement update = db.statement(
                    "UPDATE messages SET state = ? WHERE sender = ? AND message_id = ? AND state = ?");
            update.setString(1, to.name());
            update.setString(2, sender);
            update.setString(3, messageId);
            update.setString(4, from.name());
            return update.executeUpdate() == 1;
        });
    }

    List<MessageRecord> threadHistory(String threadId, String participant, HistoryCursor before, int limit) {
        return db.call("reading thread history", () -> {
            String sql = "SELECT " + COLUMNS + " FROM messages WHERE thread_id = ? AND (sender = ? OR recipient = ?)"
                    + (before == null ? "" : " AND (ts, sender, message_id) < (?, ?, ?)")
                    + " ORDER BY ts DESC, sender DESC, message_id DESC LIMIT ?";
            PreparedStatement select = db.statement(sql);
            int i = 1;
            select.setString(i++, threadId);
            select.setString(i++, participant);
            select.setString(i++, participant);
            if (before != null) {
                select.setLong(i++, before.tsMs());
                select.setString(i++, before.sender());
                select.setString(i++, before.messageId());
            }
            select.setInt(i, limit);
            return read(select);
        });
    }

    List<MessageRecord> markExpired(long nowMs, int max) {
        return db.write("marking messages expired", () -> {
            PreparedStatement select = db.statement(
                    "SELECT " + COLUMNS + " FROM messages WHERE state = 'SENT' AND expires_at <= ?"
                            + " ORDER BY expires_at, sender, message_id LIMIT ?");
            select.setLong(1, nowMs);
            select.setInt(2, max);
            List<MessageRecord> expired = new ArrayList<>();
            for (MessageRecord m : read(select)) {
                expired.add(m.withState(DeliveryState.EXPIRED));
            }
            PreparedStatement update = db.statement(
                    "UPDATE messages SET state = 'EXPIRED' WHERE sender = ? AND message_id = ?");
            for (MessageRecord m : expired) {
                update.setString(1, m.sender());
                update.setString(2, m.messageId());
                update.addBatch();
            }
            update.executeBatch();
            return expired;
        });
    }

    int deleteExpiredMessages(long nowMs) {
        return db.write("deleting expired messages", () -> {
            PreparedStatement delete = db.statement("DELETE FROM messages WHERE expires_at <= ?");
            delete.setLong(1, nowMs);
            return delete.executeUpdate();
        });
    }

    private static List<MessageRecord> read(PreparedStatement select) throws SQLException {
        List<MessageRecord> messages = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                messages.add(new MessageRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getLong(7), rs.getLong(8), DeliveryState.valueOf(rs.getString(9)),
                        rs.getBytes(10)));
            }
        }
        return messages;
    }

    private static void setNullable(PreparedStatement statement, int index, String value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.VARCHAR);
        } else {
            statement.setString(index, value);
        }
    }
}
