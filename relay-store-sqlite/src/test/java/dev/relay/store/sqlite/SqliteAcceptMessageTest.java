package dev.relay.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.store.AuditEvent;
import dev.relay.store.AuditRecord;
import dev.relay.store.DeliveryState;
import dev.relay.store.MessageRecord;
import dev.relay.store.StoreException;
import org.junit.jupiter.api.Test;

/** acceptMessage is all or nothing, and delivery state moves by compare and set. */
class SqliteAcceptMessageTest extends StoreTestSupport {

    private static AuditEvent sent(String id) {
        return new AuditEvent(5, "message.sent", "alice", "bob", "message " + id);
    }

    @Test
    void acceptWritesRecordAuditAndParkedCopyTogether() {
        MessageRecord m = message("alice", "m1", "bob", null, 1, 1000);

        assertThat(store.acceptMessage(m, sent("m1"), bytes("parked m1"))).isTrue();

        assertThat(store.message("alice", "m1")).contains(m);
        assertThat(store.audit(1, 10)).extracting(AuditRecord::detail).containsExactly("message m1");
        assertThat(store.parked("bob", 0, 10)).singleElement()
                .satisfies(p -> assertThat(p.envelope()).isEqualTo(bytes("parked m1")));
    }

    @Test
    void acceptWithoutParkingParksNothing() {
        assertThat(store.acceptMessage(message("alice", "m1", "bob", null, 1, 1000), sent("m1"), null)).isTrue();
        assertThat(store.parkedCount("bob", 0)).isZero();
    }

    @Test
    void aDuplicateWritesNothing() {
        MessageRecord m = message("alice", "m1", "bob", null, 1, 1000);
        store.acceptMessage(m, sent("m1"), bytes("first"));

        assertThat(store.acceptMessage(m, sent("m1 again"), bytes("second"))).isFalse();

        assertThat(store.audit(1, 10)).hasSize(1);
        assertThat(store.parked("bob", 0, 10)).hasSize(1);
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

    @Test
    void deliveryStateMovesOnlyFromTheExpectedState() {
        store.recordMessage(message("alice", "m1", "bob", null, 1, 1000));

        assertThat(store.transitionDeliveryState("alice", "m1", DeliveryState.SENT, DeliveryState.DELIVERED)).isTrue();
        assertThat(store.transitionDeliveryState("alice", "m1", DeliveryState.SENT, DeliveryState.DELIVERED))
                .as("second report of the same delivery").isFalse();
        assertThat(store.transitionDeliveryState("alice", "m1", DeliveryState.SENT, DeliveryState.EXPIRED)).isFalse();
        assertThat(store.message("alice", "m1")).map(MessageRecord::state).contains(DeliveryState.DELIVERED);
    }
}
