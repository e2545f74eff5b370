package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.core.store.AuditRecord;
import dev.relay.core.store.DeliveryState;
import dev.relay.core.store.ParkedMessage;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.MessageId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SPEC §6.4 parking for never-connected recipients, and the periodic upkeep. */
class ParkingAndHousekeepingTest extends EngineTestSupport {

    @Override
    RelayConfig config() {
        return super.config().withMaxParkedPerRecipient(3);
    }

    private PublishOutcome.Deliver deliveryTo(Envelope.Builder builder) {
        return delivered(publish(alice, bob, sign(builder, alice)));
    }

    private List<String> parkedIds(int limit) {
        return engine.parked(bob.keyId(), limit).stream().map(p -> {
            try {
                return Envelope.parse(p.envelope()).id();
            } catch (dev.relay.protocol.RelayException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    // ------------------------------------------------------------ parking

    @Test
    void parksUpToTheLimitThenQueueFull() throws Exception {
        PublishOutcome.Deliver d1 = deliveryTo(message(bob));
        PublishOutcome.Deliver d2 = deliveryTo(message(bob));
        PublishOutcome.Deliver d3 = deliveryTo(message(bob));
        PublishOutcome.Deliver d4 = deliveryTo(message(bob));
        engine.park(d1);
        engine.park(d2);
        engine.park(d3);

        assertThat(failureCode(() -> engine.park(d4))).isEqualTo(ErrorCode.QUEUE_FULL);

        List<ParkedMessage> parked = engine.parked(bob.keyId(), 10);
        assertThat(parked).hasSize(3);
        assertThat(parked).extracting(ParkedMessage::envelope)
                .containsExactly(d1.envelope().toJson(), d2.envelope().toJson(), d3.envelope().toJson());
        assertThat(parked).extracting(ParkedMessage::expiresAtMs).containsExactly(d1.expiresAtMillis(),
                d2.expiresAtMillis(), d3.expiresAtMillis());
        assertThat(parked).extracting(ParkedMessage::seq).isSorted().doesNotHaveDuplicates();
        assertThat(parked).allSatisfy(p -> assertThat(p.recipient()).isEqualTo(id(bob)));
        assertThat(engine.parked(alice.keyId(), 10)).as("per recipient").isEmpty();
        assertThat(parkedIds(2)).containsExactly(d1.envelope().id(), d2.envelope().id());

        engine.park(delivered(publish(alice, carol, sign(message(carol), alice))));
        assertThat(engine.parked(carol.keyId(), 10)).as("the limit is per recipient").hasSize(1);
    }

    @Test
    void unparkRemovesAndMakesRoom() throws Exception {
        PublishOutcome.Deliver d1 = deliveryTo(message(bob));
        PublishOutcome.Deliver d2 = deliveryTo(message(bob));
        PublishOutcome.Deliver d3 = deliveryTo(message(bob));
        PublishOutcome.Deliver d4 = deliveryTo(message(bob));
        engine.park(d1);
        engine.park(d2);
        engine.park(d3);

        List<ParkedMessage> parked = engine.parked(bob.keyId(), 10);
        engine.unpark(List.of(parked.get(0).seq()));
        assertThat(parkedIds(10)).containsExactly(d2.envelope().id(), d3.envelope().id());

        engine.park(d4);
        assertThat(parkedIds(10)).containsExactly(d2.envelope().id(), d3.envelope().id(), d4.envelope().id());

        engine.unpark(engine.parked(bob.keyId(), 10).stream().map(ParkedMessage::seq).toList());
        assertThat(engine.parked(bob.keyId(), 10)).isEmpty();
        engine.unpark(List.of());
        engine.unpark(List.of(987_654L));
    }

    @Test
    void expiredParkedMessagesAreSkippedAndDoNotCount() throws Exception {
        PublishOutcome.Deliver shortLived = deliveryTo(message(bob).expiresIn(10L));
        PublishOutcome.Deliver d2 = deliveryTo(message(bob));
        engine.park(shortLived);
        engine.park(d2);

        clock.advanceSeconds(10);
        assertThat(parkedIds(10)).containsExactly(d2.envelope().id());

        PublishOutcome.Deliver d3 = deliveryTo(message(bob));
        PublishOutcome.Deliver d4 = deliveryTo(message(bob));
        engine.park(d3);
        engine.park(d4);
        PublishOutcome.Deliver d5 = deliveryTo(message(bob));
        assertThat(failureCode(() -> engine.park(d5))).isEqualTo(ErrorCode.QUEUE_FULL);
        assertThat(parkedIds(10)).containsExactly(d2.envelope().id(), d3.envelope().id(), d4.envelope().id());
    }

    @Test
    void housekeepingDeletesExpiredParkedMessages() throws Exception {
        long start = now();
        PublishOutcome.Deliver shortLived = deliveryTo(message(bob).expiresIn(10L));
        PublishOutcome.Deliver longLived = deliveryTo(message(bob));
        engine.park(shortLived);
        engine.park(longLived);

        clock.advanceSeconds(10);
        clock.setMillis(start);
        assertThat(parkedIds(10)).as("still stored before housekeeping")
                .containsExactly(shortLived.envelope().id(), longLived.envelope().id());

        clock.advanceSeconds(10);
        engine.housekeeping();
        clock.setMillis(start);
        assertThat(parkedIds(10)).as("deleted by housekeeping").containsExactly(longLived.envelope().id());
    }

    // ------------------------------------------------------------ housekeeping

    @Test
    void housekeepingExpiresUndeliveredMessagesOnly() {
        Envelope undelivered = deliver(alice, bob, message(bob).expiresIn(60L));
        Envelope receipted = deliver(alice, bob, message(bob).expiresIn(60L));
        Envelope receipt = deliver(bob, alice, receiptFor(receipted, "delivered"));
        Envelope alive = deliver(alice, bob, message(bob).expiresIn(3600L));
        assertThat(store.message(id(alice), receipted.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);

        clock.advanceSeconds(59);
        engine.housekeeping();
        assertThat(audit("message.expired")).as("not yet").isEmpty();
        assertThat(store.message(id(alice), undelivered.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENT);

        clock.advanceSeconds(1);
        engine.housekeeping();

        assertThat(audit("message.expired")).singleElement().satisfies(r -> {
            assertThat(r.actor()).isEqualTo(id(alice));
            assertThat(r.subject()).isEqualTo(id(bob));
            assertThat(r.detail()).isEqualTo(undelivered.id());
            assertThat(r.atMs()).isEqualTo(now());
        });
        assertThat(store.message(id(alice), undelivered.id())).as("expired record removed").isEmpty();
        assertThat(store.message(id(alice), receipted.id())).isEmpty();
        assertThat(store.message(id(alice), alive.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENT);
        assertThat(store.message(id(bob), receipt.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENT);

        engine.housekeeping();
        assertThat(audit("message.expired")).as("audited once").hasSize(1);
        assertThat(store.verifyAuditChain().intact()).isTrue();
    }

    @Test
    void expiredMessageIdCanBeSentAgainAfterHousekeeping() {
        Envelope first = deliver(alice, bob, message(bob).expiresIn(5L));
        clock.advanceSeconds(5);
        engine.housekeeping();
        Envelope resent = sign(message(bob).id(first.id()), alice);
        assertThat(publish(alice, bob, resent)).isInstanceOf(PublishOutcome.Deliver.class);
    }

    @Test
    void housekeepingAuditsLargeBacklogsCompletely() {
        int count = 1_203;
        for (int i = 0; i < count; i++) {
            deliver(alice, bob, message(bob).expiresIn(1L));
        }
        clock.advanceSeconds(1);
        engine.housekeeping();
        assertThat(audit("message.expired")).hasSize(count);
        assertThat(audit("message.expired")).extracting(AuditRecord::detail).doesNotHaveDuplicates();
        assertThat(store.verifyAuditChain().intact()).isTrue();
    }

    @Test
    void housekeepingPrunesNoncesPastTheirWindow() throws Exception {
        long t = now() / 1000;
        String token = ConnectToken.create(alice, REALM, t).password();
        engine.authenticate(id(alice), token, null);

        clock.setMillis((t + 300) * 1000);
        clock.setMillis(t * 1000);
        assertThat(failureCode(() -> engine.authenticate(id(alice), token, null))).as("remembered until pruned")
                .isEqualTo(ErrorCode.REPLAY);

        clock.setMillis((t + 120) * 1000);
        engine.housekeeping();
        clock.setMillis(t * 1000);
        assertThat(failureCode(() -> engine.authenticate(id(alice), token, null)))
                .as("kept while the token is inside its window").isEqualTo(ErrorCode.REPLAY);

        clock.setMillis((t + 121) * 1000);
        engine.housekeeping();
        clock.setMillis(t * 1000);
        assertThat(engine.authenticate(id(alice), token, null)).as("forgotten after ts + window + 1 s")
                .isEqualTo(alice.keyId());
    }

    @Test
    void housekeepingKeepsTheAuditChainIntact() {
        engine.onConnected(alice.keyId());
        result(alice, dev.relay.protocol.SystemOp.POLICY_SET, java.util.Map.of("mode", "open"));
        Envelope m = deliver(bob, alice, message(alice).expiresIn(2L).threadId(MessageId.generate(now())));
        deliver(alice, bob, receiptFor(m, "delivered"));
        deliver(bob, alice, message(alice).expiresIn(2L));
        clock.advanceSeconds(3);
        engine.housekeeping();
        engine.housekeeping();

        List<AuditRecord> records = audit();
        assertThat(records).extracting(AuditRecord::type).contains("identity.first_seen", "policy.set", "message.sent",
                "message.delivered", "message.expired");
        assertThat(records).extracting(AuditRecord::seq).isSorted().doesNotHaveDuplicates();
        assertThat(store.verifyAuditChain().intact()).isTrue();
        assertThat(store.verifyAuditChain().records()).isEqualTo(records.size());
    }
}
