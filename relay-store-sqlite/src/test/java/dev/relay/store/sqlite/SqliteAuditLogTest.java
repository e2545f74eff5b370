package dev.relay.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.store.AuditChain;
import dev.relay.store.AuditEvent;
import dev.relay.store.AuditRecord;
import dev.relay.store.AuditVerification;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqliteAuditLogTest extends StoreTestSupport {

    private void appendFive() {
        for (int i = 1; i <= 5; i++) {
            store.appendAudit(new AuditEvent(1000 + i, "message.accepted", "actor" + i, "subject" + i, "detail " + i));
        }
    }

    private void dropGuards() throws SQLException {
        rawExec("DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete");
    }

    @Test
    void verifiesAcrossPageBoundaries() {
        store.close();
        store = SqliteRelayStore.open(file(), SqliteRelayStore.Options.defaults().withSynchronousNormal(true));
        for (int i = 0; i < 2_345; i++) {
            store.appendAudit(new AuditEvent(i, "t", "a", "s", Integer.toString(i)));
        }
        assertThat(store.verifyAuditChain()).isEqualTo(AuditVerification.ok(2_345));
    }

    @Test
    void normalSqlCannotChangeTheLog() throws SQLException {
        appendFive();
        assertThatThrownBy(() -> rawExec("UPDATE audit SET detail = 'x' WHERE seq = 3"))
                .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        assertThatThrownBy(() -> rawExec("DELETE FROM audit WHERE seq = 3"))
                .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
    }

    @Test
    void detectsChangedDetail() throws SQLException {
        appendFive();
        dropGuards();
        rawExec("UPDATE audit SET detail = 'nothing to see' WHERE seq = 3");

        AuditVerification v = store.verifyAuditChain();
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBadSeq()).isEqualTo(3);
        assertThat(v.records()).isEqualTo(2);
        assertThat(v.problem()).contains("hash mismatch");
    }

    @Test
    void detectsDeletedRecord() throws SQLException {
        appendFive();
        dropGuards();
        rawExec("DELETE FROM audit WHERE seq = 2");

        AuditVerification v = store.verifyAuditChain();
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBadSeq()).isEqualTo(2);
        assertThat(v.problem()).contains("gap");
    }

    @Test
    void detectsChangedPrevHash() throws SQLException {
        appendFive();
        dropGuards();
        rawExec("UPDATE audit SET prev_hash = zeroblob(32) WHERE seq = 4");

        AuditVerification v = store.verifyAuditChain();
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBadSeq()).isEqualTo(4);
        assertThat(v.problem()).contains("broken link");
    }

    @Test
    void detectsARecordForgedWithARecomputedHash() throws SQLException {
        appendFive();
        dropGuards();
        AuditRecord r = store.audit(3, 1).get(0);
        byte[] forged = AuditChain.hash(r.prevHash(), 3, r.atMs(), r.type(), r.actor(), r.subject(), "forged");
        try (Connection c = raw();
                PreparedStatement update = c.prepareStatement("UPDATE audit SET detail = ?, hash = ? WHERE seq = 3")) {
            update.setString(1, "forged");
            update.setBytes(2, forged);
            update.executeUpdate();
        }

        AuditVerification v = store.verifyAuditChain();
        assertThat(v.firstBadSeq()).as("record 4 no longer links").isEqualTo(4);
        assertThat(v.problem()).contains("broken link");
    }

    @Test
    void detectsTruncatedTailWhileRunning() throws SQLException {
        appendFive();
        dropGuards();
        rawExec("DELETE FROM audit WHERE seq >= 4");

        AuditVerification v = store.verifyAuditChain();
        assertThat(v.intact()).isFalse();
        assertThat(v.records()).isEqualTo(3);
        assertThat(v.firstBadSeq()).isEqualTo(4);
        assertThat(v.problem()).contains("truncated");
    }

    @Test
    void detectsNullHashes() throws SQLException {
        appendFive();
        dropGuards();
        // Rebuild the table without NOT NULL, as someone with file access could.
        rawExec("CREATE TABLE audit2 AS SELECT * FROM audit", "DROP TABLE audit", "ALTER TABLE audit2 RENAME TO audit",
                "UPDATE audit SET prev_hash = NULL WHERE seq = 2");
        AuditVerification v = store.verifyAuditChain();
        assertThat(v.firstBadSeq()).isEqualTo(2);
    }

    @Test
    void tamperedHeadIsReportedOnOpenAndChainContinues() throws SQLException {
        appendFive();
        store.close();
        dropGuards();
        rawExec("UPDATE audit SET detail = 'changed' WHERE seq = 5");

        store = SqliteRelayStore.open(file()); // logs an error, still opens
        AuditRecord next = store.appendAudit(new AuditEvent(9999, "t", "a", "s", "d"));
        assertThat(next.seq()).isEqualTo(6);

        AuditVerification v = store.verifyAuditChain();
        assertThat(v.firstBadSeq()).isEqualTo(5);
        assertThat(v.problem()).contains("hash mismatch");
    }

    @Test
    void appendedRecordsAreDurableRows() throws SQLException {
        appendFive();
        try (Connection c = raw(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*), min(seq), max(seq) FROM audit")) {
            rs.next();
            assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3))).containsExactly(5L, 1L, 5L);
        }
    }
}
