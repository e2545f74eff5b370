package dev.relay.store.contract;

import static dev.relay.store.contract.Fixtures.message;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.AuditChain;
import dev.relay.store.AuditEvent;
import dev.relay.store.AuditRecord;
import dev.relay.store.AuditVerification;
import org.junit.jupiter.api.Test;

/** The audit log: a hash chain from seq 1, read in pages, verified. */
public interface AuditContract extends StoreUnderTest {
    private void appendFive() {
        for (int i = 1; i <= 5; i++) {
            store().appendAudit(new AuditEvent(1000 + i, "message.accepted", "actor" + i, "subject" + i, "detail " + i));
        }
    }


    @Test
    default void appendChainsRecordsFromSeqOne() {
        AuditRecord first = store().appendAudit(new AuditEvent(10, "relay.start", "relay", "", ""));
        AuditRecord second = store().appendAudit(new AuditEvent(20, "connect", "alice", "", "mqtt"));

        assertThat(first.seq()).isEqualTo(1);
        assertThat(first.prevHash()).isEqualTo(AuditChain.genesisHash());
        assertThat(first.hash()).isEqualTo(AuditChain.hash(AuditChain.genesisHash(), 1, 10, "relay.start", "relay", "",
                ""));
        assertThat(second.seq()).isEqualTo(2);
        assertThat(second.prevHash()).isEqualTo(first.hash());
        assertThat(second.hash()).isEqualTo(AuditChain.expectedHash(second));
        assertThat(store().audit(1, 10)).containsExactly(first, second);
    }

    @Test
    default void readsPages() {
        appendFive();
        assertThat(store().audit(1, 2)).extracting(AuditRecord::seq).containsExactly(1L, 2L);
        assertThat(store().audit(3, 2)).extracting(AuditRecord::seq).containsExactly(3L, 4L);
        assertThat(store().audit(5, 2)).extracting(AuditRecord::seq).containsExactly(5L);
        assertThat(store().audit(6, 2)).isEmpty();
        assertThat(store().audit(0, 1)).extracting(AuditRecord::seq).containsExactly(1L);
    }

    @Test
    default void emptyLogIsIntact() {
        assertThat(store().verifyAuditChain()).isEqualTo(AuditVerification.ok(0));
    }

    @Test
    default void intactLogVerifies() {
        appendFive();
        assertThat(store().verifyAuditChain()).isEqualTo(AuditVerification.ok(5));
    }
}
