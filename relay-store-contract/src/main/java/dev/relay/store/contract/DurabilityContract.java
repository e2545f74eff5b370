package dev.relay.store.contract;

import static dev.relay.store.contract.Fixtures.bytes;
import static dev.relay.store.contract.Fixtures.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.store.AuditEvent;
import dev.relay.store.AuditRecord;
import dev.relay.store.AuditVerification;
import dev.relay.store.CardQuery;
import dev.relay.store.CardRecord;
import dev.relay.store.DeliveryState;
import dev.relay.store.MessageRecord;
import dev.relay.store.ParkedMessage;
import dev.relay.store.PolicyRecord;
import dev.relay.store.Presence;
import dev.relay.store.StoreException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Everything a store holds survives a restart; a closed store fails clearly. */
public interface DurabilityContract extends StoreUnderTest {

    @Test
    default void everythingSurvivesCloseAndReopen() {
        store().rememberNonce("alice", "n1", 5000);
        store().recordConnected("alice", 100);
        store().recordConnected("bob", 110);
        store().recordDisconnected("bob", 120);
        PolicyRecord policy = new PolicyRecord("allowlist", List.of("bob"), List.of("mallory"), 130);
        store().savePolicy("alice", policy);
        CardRecord card = new CardRecord("alice", "{\"name\":\"A\"}", "{\"sig\":\"x\"}", true, "Alice", List.of("ai"),
                List.of("chat"), 140);
        store().saveCard(card);
        MessageRecord m1 = message("alice", "m1", "bob", "t", 150, 9000);
        MessageRecord m2 = message("bob", "m2", "alice", "t", 160, 9000);
        store().recordMessage(m1);
        store().recordMessage(m2);
        store().transitionDeliveryState("bob", "m2", DeliveryState.SENT, DeliveryState.DELIVERED);
        long seq = store().park("carol", bytes("parked"), 9000);
        AuditRecord a1 = store().appendAudit(new AuditEvent(170, "connect", "alice", "", ""));
        AuditRecord a2 = store().appendAudit(new AuditEvent(180, "message", "alice", "bob", "m1"));

        reopen();

        assertThat(store().rememberNonce("alice", "n1", 5000)).isFalse();
        assertThat(store().presence("alice")).contains(new Presence(true, 100, 100));
        assertThat(store().presence("bob")).contains(new Presence(false, 120, 110));
        assertThat(store().policy("alice")).contains(policy);
        assertThat(store().card("alice")).contains(card);
        assertThat(store().searchPublicCards(new CardQuery("AI", "chat", "ali", null, 10))).containsExactly(card);
        assertThat(store().message("alice", "m1")).contains(m1);
        assertThat(store().message("bob", "m2")).contains(m2.withState(DeliveryState.DELIVERED));
        assertThat(store().recordMessage(m1)).as("dedup survives restart").isFalse();
        assertThat(store().threadHistory("t", "alice", null, 10)).containsExactly(m2.withState(DeliveryState.DELIVERED),
                m1);
        assertThat(store().parked("carol", 0, 10)).containsExactly(new ParkedMessage(seq, "carol", bytes("parked"), 9000));
        assertThat(store().audit(1, 10)).containsExactly(a1, a2);
        assertThat(store().verifyAuditChain()).isEqualTo(AuditVerification.ok(2));

        AuditRecord a3 = store().appendAudit(new AuditEvent(190, "restart", "relay", "", ""));
        assertThat(a3.seq()).isEqualTo(3);
        assertThat(a3.prevHash()).isEqualTo(a2.hash());
        assertThat(store().verifyAuditChain()).isEqualTo(AuditVerification.ok(3));
    }

    @Test
    default void closedStoreFailsWithAStoreExceptionAndCloseIsIdempotent() {
        store().close();
        store().close();
        assertThatThrownBy(() -> store().presence("alice")).isInstanceOf(StoreException.class);
    }
}
