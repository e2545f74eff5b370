package dev.relay.store.sqlite;

import dev.relay.store.AuditChain;
import dev.relay.store.AuditChainVerifier;
import dev.relay.store.AuditEvent;
import dev.relay.store.AuditRecord;
import dev.relay.store.AuditVerification;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
  * The hash-chained audit log. The chain head (last seq and hash) is kept in memory, so appending needs no read, and so
  * verification can tell when records were cut off the end. It assumes this process is the only writer of the file.
  */
final class SqliteAuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteAuditLog.class);
    private static final int VERIFY_PAGE = 1000;
    private static final String COLUMNS = "seq, at, type, actor, subject, detail, prev_hash, hash";

    private final SqliteDatabase db;
    // Guarded by the database lock (only touched inside db.call).
    private long headSeq;
    private byte[] headHash = AuditChain.genesisHash();

    SqliteAuditLog(SqliteDatabase db) {
        this.db = db;
        loadHead();
    }

    /**
      * Loads the chain head and checks the last record against its own hash and its predecessor. A damaged head is
      * reported, not fatal: refusing to start would let a damaged log take the broker down, and verification still
      * names the bad record. New records chain onto the stored hash, so nothing after the damage is hidden.
      */
    private void loadHead() {
        db.call("loading the audit chain head", () -> {
            List<AuditRecord> last = read(db.statement("SELECT " + COLUMNS + " FROM audit ORDER BY seq DESC LIMIT 2"));
            if (last.isEmpty()) {
                return null;
            }
            AuditRecord head = last.get(0);
            byte[] expectedPrev = last.size() > 1 ? last.get(1).hash() : AuditChain.genesisHash();
            // Link first: a prev_hash of the wrong length cannot be hashed.
            if (!Arrays.equals(head.prevHash(), expectedPrev)) {
                LOG.error("Relay store {}: audit record {} is not linked to the record before it; the audit log was "
                        + "modified. Verify the audit chain and restore a backup if needed.", db.name(), head.seq());
            } else if (!Arrays.equals(head.hash(), AuditChain.expectedHash(head))) {
                LOG.error("Relay store {}: audit record {} does not match its hash; the audit log was modified. "
                        + "Verify the audit chain and restore a backup if needed.", db.name(), head.seq());
            }
            headSeq = head.seq();
            // A hash of the wrong length could not be chained onto; verification reports that record anyway.
            headHash = head.hash().length == AuditChain.HASH_LENGTH ? head.hash() : AuditChain.genesisHash();
            return null;
        });
    }

    /** The chain head: the last record's seq and hash. */
    record Head(long seq, byte[] hash) {
    }

    /** Only under the database lock. */
    Head head() {
        return new Head(headSeq, headHash);
    }

    /** Puts the head back after the transaction that appended past it rolled back. Only under the database lock. */
    private void restoreHead(Head head) {
        headSeq = head.seq();
        headHash = head.hash();
    }

    AuditRecord append(AuditEvent event) {
        return db.write("appending to the audit log", () -> {
            AuditRecord record = AuditChain.link(headSeq, headHash, event);
            PreparedStatement insert = db.statement(
                    "INSERT INTO audit (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            insert.setLong(1, record.seq());
            insert.setLong(2, record.atMs());
            insert.setString(3, record.type());
            insert.setString(4, record.actor());
            insert.setString(5, record.subject());
            insert.setString(6, record.detail());
            insert.setBytes(7, record.prevHash());
            insert.setBytes(8, record.hash());
            insert.executeUpdate();
            // The head moves now; if this write (or the batch committing it) rolls back, it moves back.
            Head before = head();
            db.onRollback(() -> restoreHead(before));
            headSeq = record.seq();
            headHash = record.hash();
            return record;
        });
    }

    List<AuditRecord> audit(long fromSeq, int limit) {
        return db.call("reading the audit log", () -> page(fromSeq, limit));
    }

    /** Streams the log page by page, releasing the lock in between so appends are not held up by a long check. */
    AuditVerification verify() {
        AuditChainVerifier verifier = db.call("verifying the audit log", () -> new AuditChainVerifier(headSeq, headHash));
        long next = Long.MIN_VALUE;
        while (true) {
            long from = next;
            List<AuditRecord> page = db.call("verifying the audit log", () -> page(from, VERIFY_PAGE));
            for (AuditRecord record : page) {
                if (!verifier.accept(record)) {
                    return verifier.result();
                }
            }
            if (page.size() < VERIFY_PAGE) {
                return verifier.result();
            }
            next = page.get(page.size() - 1).seq() + 1;
        }
    }

    private List<AuditRecord> page(long fromSeq, int limit) throws SQLException {
        PreparedStatement select = db.statement(
                "SELECT " + COLUMNS + " FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?");
        select.setLong(1, fromSeq);
        select.setInt(2, limit);
        return read(select);
    }

    private static List<AuditRecord> read(PreparedStatement select) throws SQLException {
        List<AuditRecord> records = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                records.add(new AuditRecord(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), bytes(rs, 7), bytes(rs, 8)));
            }
        }
        return records;
    }

    // The columns are NOT NULL, but verification exists for files that were tampered with: read null as empty.
    private static byte[] bytes(ResultSet rs, int column) throws SQLException {
        byte[] bytes = rs.getBytes(column);
        return bytes == null ? new byte[0] : bytes;
    }
}
