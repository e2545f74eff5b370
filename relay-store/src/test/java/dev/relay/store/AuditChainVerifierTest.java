package dev.relay.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditChainVerifierTest {

    private static List<AuditRecord> chain(int n) {
        List<AuditRecord> records = new ArrayList<>();
        long seq = 0;
        byte[] prev = AuditChain.genesisHash();
        for (int i = 0; i < n; i++) {
            AuditRecord r = AuditChain.link(seq, prev, new AuditEvent(1000 + i, "type", "actor" + i, "subject", "d" + i));
            records.add(r);
            seq = r.seq();
            prev = r.hash();
        }
        return records;
    }

    private static AuditVerification verify(List<AuditRecord> records, long headSeq, byte[] headHash) {
        AuditChainVerifier verifier = new AuditChainVerifier(headSeq, headHash);
        for (AuditRecord r : records) {
            if (!verifier.accept(r)) {
                break;
            }
        }
        return verifier.result();
    }

    private static AuditRecord withDetail(AuditRecord r, String detail) {
        return new AuditRecord(r.seq(), r.atMs(), r.type(), r.actor(), r.subject(), detail, r.prevHash(), r.hash());
    }

    @Test
    void emptyChainIsIntact() {
        assertThat(verify(List.of(), 0, null)).isEqualTo(AuditVerification.ok(0));
    }

    @Test
    void intactChain() {
        List<AuditRecord> records = chain(5);
        assertThat(verify(records, 5, records.get(4).hash())).isEqualTo(AuditVerification.ok(5));
    }

    @Test
    void hashMismatch() {
        List<AuditRecord> records = chain(5);
        records.set(2, withDetail(records.get(2), "forged"));
        AuditVerification v = verify(records, 0, null);
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBadSeq()).isEqualTo(3);
        assertThat(v.records()).isEqualTo(2);
        assertThat(v.problem()).contains("hash mismatch");
    }

    @Test
    void gap() {
        List<AuditRecord> records = chain(5);
        records.remove(1);
        AuditVerification v = verify(records, 0, null);
        assertThat(v.firstBadSeq()).isEqualTo(2);
        assertThat(v.problem()).contains("gap").contains("record 2 is missing");
    }

    @Test
    void missingFirstRecordIsAGapAtOne() {
        List<AuditRecord> records = chain(3);
        records.remove(0);
        assertThat(verify(records, 0, null).firstBadSeq()).isEqualTo(1);
    }

    @Test
    void brokenLink() {
        List<AuditRecord> records = chain(5);
        AuditRecord r = records.get(3);
        byte[] otherPrev = r.prevHash();
        otherPrev[0] ^= 1;
        // Re-hash so only the link is wrong, as a forger who recomputes one record would leave it.
        byte[] rehash = AuditChain.hash(otherPrev, r.seq(), r.atMs(), r.type(), r.actor(), r.subject(), r.detail());
        records.set(3, new AuditRecord(r.seq(), r.atMs(), r.type(), r.actor(), r.subject(), r.detail(), otherPrev, rehash));
        AuditVerification v = verify(records, 0, null);
        assertThat(v.firstBadSeq()).isEqualTo(4);
        assertThat(v.problem()).contains("broken link");
    }

    @Test
    void truncationIsCaughtByTheHead() {
        List<AuditRecord> records = chain(5);
        byte[] headHash = records.get(4).hash();
        AuditVerification v = verify(records.subList(0, 3), 5, headHash);
        assertThat(v.intact()).isFalse();
        assertThat(v.records()).isEqualTo(3);
        assertThat(v.firstBadSeq()).isEqualTo(4);
        assertThat(v.problem()).contains("truncated");
    }

    @Test
    void rewrittenHeadIsCaughtByTheHead() {
        List<AuditRecord> records = chain(5);
        byte[] headHash = records.get(4).hash();
        AuditRecord last = records.get(4);
        AuditRecord forged = AuditChain.link(4, last.prevHash(), new AuditEvent(last.atMs(), "type", "x", "y", "z"));
        records.set(4, forged);
        AuditVerification v = verify(records, 5, headHash);
        assertThat(v.firstBadSeq()).isEqualTo(5);
        assertThat(v.problem()).contains("chain head");
    }

    @Test
    void recordsAppendedAfterTheHeadSnapshotAreFine() {
        List<AuditRecord> records = chain(6);
        assertThat(verify(records, 4, records.get(3).hash())).isEqualTo(AuditVerification.ok(6));
    }

    @Test
    void stopsAtTheFirstProblem() {
        List<AuditRecord> records = chain(5);
        records.set(1, withDetail(records.get(1), "x"));
        records.set(3, withDetail(records.get(3), "y"));
        AuditChainVerifier verifier = new AuditChainVerifier(0, null);
        assertThat(verifier.accept(records.get(0))).isTrue();
        assertThat(verifier.accept(records.get(1))).isFalse();
        assertThat(verifier.accept(records.get(2))).isFalse();
        assertThat(verifier.result().firstBadSeq()).isEqualTo(2);
    }
}
