package dev.relay.store.sqlite;

import static dev.relay.store.contract.Fixtures.bytes;
import static dev.relay.store.contract.Fixtures.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.store.AuditEvent;
import dev.relay.store.AuditRecord;
import dev.relay.store.StoreException;
import org.junit.jupiter.api.Test;

/** acceptMessage is all or nothing: a failure half-way (forced with a trigger) leaves no trace. */
class SqliteAcceptMessageTest extends StoreTestSupport {

    private static AuditEvent sent(String id) {
        return new AuditEvent(5, "message.sent", "alice", "bob", "message " + id);
    }

    @Test
    void aFailureInsideLeavesNoTraceAndTheAuditChainIntact() throws Exception {
        store.appendAudit(new AuditEvent(1, "before", "", "", ""));
        rawExec("CREATE TRIGGER fail_park BEFORE INSERT ON parked BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END");

        assertThatThrownBy(() -> store.acceptMessage(message("alice", "m1", "bob", null, 1, 1000), sent("m1"),
                bytes("parked"))).isInstanceOf(StoreException.class);

        assertThat(store.message("alice", "m1")).as("a retry must not look like a duplicate").isEmpty();
        assertThat(store.audit(1, 10)).extracting(AuditRecord::type).containsExactly("before");
        rawExec("DROP TRIGGER fail_park");
        assertThat(store.acceptMessage(message("alice", "m1", "bob", null, 1, 1000), sent("m1"), bytes("parked")))
                .as("the retry").isTrue();
        assertThat(store.audit(1, 10)).extracting(AuditRecord::seq).containsExactly(1L, 2L);
        assertThat(store.verifyAuditChain().intact()).isTrue();
        assertThat(reopen().verifyAuditChain().intact()).isTrue();
    }
}
