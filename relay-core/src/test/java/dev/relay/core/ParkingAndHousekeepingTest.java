package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.AuditRecord;
import dev.relay.store.DeliveryState;
import dev.relay.store.ParkedMessage;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.Ttl;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SPEC §6.4 parking for never-connected recipients, and the periodic upkeep. */
class ParkingAndHousekeepingTest extends EngineTestSupport {

    @Override
    RelayConfig config() {
        return super.config().withMaxParkedPerRecipient(3);
    }

    /** Bob and Carol have no broker session (never connected): their messages are parked by the engine. */
    private void onlyAliceHasABrokerSession() {
        engine.useBrokerSessions((recipient, passingPublisher) -> recipient.equals(alice.keyId())
                ? BrokerSessions.Readers.HELD : BrokerSessions.Readers.NONE);
    }

    /** Alice sends to Bob; the engine must park it. */
    private Envelope parkedFor(RelayKeyPair recipient, Envelope.Builder builder) {
        Envelope envelope = sign(builder, alice);
        PublishOutcome outcome = publish(alice, recipient, envelope);
        assertThat(outcome).as("outcome of %s", envelope).isInstanceOf(PublishOutcome.Parked.class);
        PublishOutcome.Parked parked = (PublishOutcome.Parked) outcome;
        assertThat(parked.recipient()).isEqualTo(recipient.keyId());
        assertThat(parked.envelope()).isEqualTo(envelope);
        return envelope;
    }

    private Envelope parked(Envelope.Builder builder) {
        return parkedFor(bob, builder);
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
    void recipientsWithABrokerSessionAreDeliveredNotParked() {
        onlyAliceHasABrokerSession();
        assertThat(send(bob, alice, message(alice))).isInstanceOf(PublishOutcome.Deliver.class);
        assertThat(engine.parked(alice.keyId(), 10)).isEmpty();
    }

    @Test
    void aOneShotSessionsNoteToItselfIsDeliveredAndACopyWaitsWhileThereIsRoom() {
        List<String> asked = new java.util.ArrayList<>();
        engine.useBrokerSessions((recipient, passingPublisher) -> {
            asked.add(passingPublisher);
            // The adapter: bob's one-shot session "bob.cli-1" is the only one reading bob's inbox.
            return "bob.cli-1".equals(passingPublisher) ? BrokerSessions.Readers.PUBLISHER_ONLY
                    : BrokerSessions.Readers.HELD;
        });
        List<Envelope> notes = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) { // the parking bound is 3
            Envelope note = sign(message(bob), bob);
            assertThat(engine.onPublish(bob.keyId(), new PublishFacts(ConnectFacts.Transport.MQTT5, 1, false, "bob.cli-1"), inboxOf(bob), note.toJson()))
                    .as("note %d: routed to the one-shot session, never refused", i)
                    .isInstanceOf(PublishOutcome.Deliver.class);
            notes.add(note);
        }

        assertThat(parkedIds(10)).as("copies while there is room")
                .containsExactly(notes.get(0).id(), notes.get(1).id(), notes.get(2).id());
        assertThat(engine.onPublish(bob.keyId(), new PublishFacts(ConnectFacts.Transport.MQTT5, 1, false, "bob.cli-1"), inboxOf(bob), notes.get(0).toJson()))
                .isInstanceOf(PublishOutcome.Duplicate.class);
        assertThat(publish(alice, bob, sign(message(bob), alice))).as("without a session name: held by the broker")
                .isInstanceOf(PublishOutcome.Deliver.class);
        assertThat(asked.subList(asked.size() - 2, asked.size())).containsExactly("bob.cli-1", null);
    }

    @Test
    void parksUpToTheLimitThenQueueFullWithoutRecordingTheRefusedMessage() {
        onlyAliceHasABrokerSession();
        Envelope m1 = parked(message(bob));
        Envelope m2 = parked(message(bob).expiresIn(3600L));
        Envelope m3 = parked(message(bob));
        Envelope m4 = sign(message(bob), alice);

        assertThat(refusal(publish(alice, bob, m4))).isEqualTo(ErrorCode.QUEUE_FULL);
        assertNotRecorded(m4);

        List<ParkedMessage> parked = engine.parked(bob.keyId(), 10);
        assertThat(parked).extracting(ParkedMessage::envelope).containsExactly(m1.toJson(), m2.toJson(), m3.toJson());
        assertThat(parked).extracting(ParkedMessage::expiresAtMs).containsExactly(
                m1.expiresAtMillis(Ttl.MAX_SECONDS), m2.expiresAtMillis(Ttl.MAX_SECONDS), m3.expiresAtMillis(Ttl.MAX_SECONDS));
        assertThat(parked).extracting(ParkedMessage::seq).isSorted().doesNotHaveDuplicates();
        assertThat(parked).allSatisfy(p -> assertThat(p.recipient()).isEqualTo(id(bob)));
        assertThat(parkedIds(2)).containsExactly(m1.id(), m2.id());

        parkedFor(carol, message(carol));
        assertThat(engine.parked(carol.keyId(), 10)).as("the limit is per recipient").hasSize(1);
    }

    @Test
    void aParkedMessageSentAgainIsADuplicate() {
        onlyAliceHasABrokerSession();
        Envelope m1 = parked(message(bob));
        assertThat(publish(alice, bob, m1)).isInstanceOf(PublishOutcome.Duplicate.class);
        assertThat(parkedIds(10)).containsExactly(m1.id());
    }

    @Test
    void unparkRemovesAndMakesRoomSoTheRefusedMessageCanBeSentAgain() {
        onlyAliceHasABrokerSession();
        Envelope m1 = parked(message(bob));
        Envelope m2 = parked(message(bob));
        Envelope m3 = parked(message(bob));
        Envelope m4 = sign(message(bob), alice);
        assertThat(refusal(publish(alice, bob, m4))).isEqualTo(ErrorCode.QUEUE_FULL);

        engine.unpark(List.of(engine.parked(bob.keyId(), 10).get(0).seq()));
        assertThat(parkedIds(10)).containsExactly(m2.id(), m3.id());

        assertThat(publish(alice, bob, m4)).as("the same envelope again, now that there is room")
                .isInstanceOf(PublishOutcome.Parked.class);
        assertThat(parkedIds(10)).containsExactly(m2.id(), m3.id(), m4.id());

        engine.unpark(engine.parked(bob.keyId(), 10).stream().map(ParkedMessage::seq).toList());
        assertThat(engine.parked(bob.keyId(), 10)).isEmpty();
        engine.unpark(List.of());
        engine.unpark(List.of(987_654L));
        assertThat(m1.id()).isNotNull();
    }

    @Test
    void expiredParkedMessagesAreSkippedAndDoNotCount() {
        onlyAliceHasABrokerSession();
        parked(message(bob).expiresIn(10L));
        Envelope m2 = parked(message(bob));

        clock.advanceSeconds(10);
        assertThat(parkedIds(10)).containsExactly(m2.id());

        Envelope m3 = parked(message(bob));
        Envelope m4 = parked(message(bob));
        assertThat(refusal(send(alice, bob, message(bob)))).isEqualTo(ErrorCode.QUEUE_FULL);
        assertThat(parkedIds(10)).containsExactly(m2.id(), m3.id(), m4.id());
    }

    @Test
    void housekeepingDeletesExpiredParkedMessages() {
        onlyAliceHasABrokerSession();
        long start = now();
        Envelope shortLived = parked(message(bob).expiresIn(10L));
        Envelope longLived = parked(message(bob));

        clock.advanceSeconds(10);
        clock.setMillis(start);
        assertThat(parkedIds(10)).as("still stored before housekeeping").containsExactly(shortLived.id(), longLived.id());

        clock.advanceSeconds(10);
        engine.housekeeping();
        clock.setMillis(start);
        assertThat(parkedIds(10)).as("deleted by housekeeping").containsExactly(longLived.id());
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
        assertThat(engine.housekeeping()).isZero();
        assertThat(audit("message.expired")).as("not yet").isEmpty();
        assertThat(store.message(id(alice), undelivered.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENT);

        clock.advanceSeconds(1);
        assertThat(engine.housekeeping()).as("the undelivered one").isEqualTo(1);

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
