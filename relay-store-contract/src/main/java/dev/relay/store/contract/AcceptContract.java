package dev.relay.store.contract;

import static dev.relay.store.contract.Fixtures.bytes;
import static dev.relay.store.contract.Fixtures.message;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.AuditEvent;
import dev.relay.store.AuditRecord;
import dev.relay.store.DeliveryState;
import dev.relay.store.MessageRecord;
import org.junit.jupiter.api.Test;

/** acceptMessage is all or nothing and happens once; delivery state moves by compare and set. */
public interface AcceptContract extends StoreUnderTest {
    private static AuditEvent sent(String id) {
        return new AuditEvent(5, "message.sent", "alice", "bob", "message " + id);
    }

    @Test
    default void acceptWritesRecordAuditAndParkedCopyTogether() {
        MessageRecord m = message("alice", "m1", "bob", null, 1, 1000);

        assertThat(store().acceptMessage(m, sent("m1"), bytes("parked m1"))).isTrue();

        assertThat(store().message("alice", "m1")).contains(m);
        assertThat(store().audit(1, 10)).extracting(AuditRecord::detail).containsExactly("message m1");
        assertThat(store().parked("bob", 0, 10)).singleElement()
                .satisfies(p -> assertThat(p.envelope()).isEqualTo(bytes("parked m1")));
    }

    @Test
    default void acceptWithoutParkingParksNothing() {
        assertThat(store().acceptMessage(message("alice", "m1", "bob", null, 1, 1000), sent("m1"), null)).isTrue();
        assertThat(store().parkedCount("bob", 0)).isZero();
    }

    @Test
    default void aDuplicateWritesNothing() {
        MessageRecord m = message("alice", "m1", "bob", null, 1, 1000);
        store().acceptMessage(m, sent("m1"), bytes("first"));

        assertThat(store().acceptMessage(m, sent("m1 again"), bytes("second"))).isFalse();

        assertThat(store().audit(1, 10)).hasSize(1);
        assertThat(store().parked("bob", 0, 10)).hasSize(1);
    }

    @Test
    default void deliveryStateMovesOnlyFromTheExpectedState() {
        store().recordMessage(message("alice", "m1", "bob", null, 1, 1000));

        assertThat(store().transitionDeliveryState("alice", "m1", DeliveryState.SENT, DeliveryState.DELIVERED)).isTrue();
        assertThat(store().transitionDeliveryState("alice", "m1", DeliveryState.SENT, DeliveryState.DELIVERED))
                .as("second report of the same delivery").isFalse();
        assertThat(store().transitionDeliveryState("alice", "m1", DeliveryState.SENT, DeliveryState.EXPIRED)).isFalse();
        assertThat(store().message("alice", "m1")).map(MessageRecord::state).contains(DeliveryState.DELIVERED);
    }

    @Test
    default void markDeliveredMovesSentToDeliveredAndAuditsOnce() {
        store().recordMessage(message("alice", "m1", "bob", null, 1, 1000));
        AuditEvent delivered = new AuditEvent(2, "message.delivered", "alice", "", "m1");

        assertThat(store().markDelivered("alice", "m1", delivered)).isTrue();
        assertThat(store().markDelivered("alice", "m1", delivered)).as("a redelivery").isFalse();
        assertThat(store().markDelivered("alice", "unknown", delivered)).isFalse();

        assertThat(store().message("alice", "m1")).map(MessageRecord::state).contains(DeliveryState.DELIVERED);
        assertThat(store().audit(1, 10)).extracting(AuditRecord::type).containsExactly("message.delivered");
    }
}
