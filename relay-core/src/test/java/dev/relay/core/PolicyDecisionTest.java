package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.AuditRecord;
import dev.relay.store.DeliveryState;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.Kind;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §5.4: who may write into whose inbox, and receipts (§3.5.2). */
class PolicyDecisionTest extends EngineTestSupport {

    private void setPolicy(RelayKeyPair owner, Map<String, ?> args) {
        result(owner, SystemOp.POLICY_SET, args);
    }

    private void assertAdmitted(RelayKeyPair from, RelayKeyPair to) {
        deliver(from, to, message(to));
    }

    private void assertDenied(RelayKeyPair from, RelayKeyPair to) {
        Envelope refused = sign(message(to), from);
        PublishOutcome.Reject reject = rejected(publish(from, to, refused));
        assertThat(reject.code()).as("%s -> %s", from, to).isEqualTo(ErrorCode.ACL_DENIED);
        assertNotRecorded(refused);
    }

    @Test
    void defaultBlocklistAdmitsStrangers() {
        assertAdmitted(alice, bob);
        assertAdmitted(carol, bob);
        assertThat(store.policy(id(bob))).as("nothing stored for the default").isEmpty();
    }

    @Test
    void operatorDefaultApplies() {
        engine = engineWith(config().withDefaultPolicy(PolicyMode.CLOSED));
        assertDenied(alice, bob);
        assertAdmitted(bob, bob);
        setPolicy(bob, Map.of("mode", "open"));
        assertAdmitted(alice, bob);
    }

    @Test
    void closedRefusesEveryoneButTheOwner() {
        setPolicy(bob, Map.of("mode", "closed", "allow", List.of(id(alice))));
        assertDenied(alice, bob);
        assertDenied(carol, bob);
        assertAdmitted(bob, bob);
        assertAdmitted(bob, alice);
    }

    @Test
    void openAdmitsEvenBlockedKeys() {
        setPolicy(bob, Map.of("mode", "open", "block", List.of(id(carol))));
        assertAdmitted(carol, bob);
        assertAdmitted(alice, bob);
    }

    @Test
    void allowlistAdmitsOnlyListedKeys() {
        setPolicy(bob, Map.of("mode", "allowlist", "allow", List.of(id(alice))));
        assertAdmitted(alice, bob);
        assertDenied(carol, bob);
        assertDenied(dave, bob);
        assertAdmitted(bob, bob);
    }

    @Test
    void blocklistRefusesOnlyListedKeys() {
        setPolicy(bob, Map.of("mode", "blocklist", "block", List.of(id(carol))));
        assertDenied(carol, bob);
        assertAdmitted(alice, bob);
        assertAdmitted(dave, bob);
        assertAdmitted(carol, alice);
    }

    @Test
    void policyChangeAppliesToTheNextPublish() {
        assertAdmitted(carol, bob);
        result(bob, SystemOp.POLICY_ADD, Map.of("list", "block", "keys", List.of(id(carol))));
        assertDenied(carol, bob);
        result(bob, SystemOp.POLICY_REMOVE, Map.of("list", "block", "keys", List.of(id(carol))));
        assertAdmitted(carol, bob);
    }

    @Test
    void aClosedInboxAcceptsRepliesToItsOwnLiveMessages() {
        setPolicy(bob, Map.of("mode", "closed"));
        Envelope question = deliver(bob, alice, message(alice).expiresIn(600L));

        Envelope reply = deliver(alice, bob, message(bob).inReplyTo(question.id()));
        assertThat(store.message(id(alice), reply.id()).orElseThrow().inReplyTo()).isEqualTo(question.id());
        deliver(alice, bob, Envelope.builder(Kind.STREAM).to(bob.keyId()).inReplyTo(question.id()).seq(0).ts(now())
                .body("part"));
        deliver(alice, bob, receiptFor(question, "delivered"));
        assertThat(publish(alice, bob, reply)).as("a repeated reply").isInstanceOf(PublishOutcome.Duplicate.class);
    }

    @Test
    void aReplyToAMessageSentToSomeoneElseIsRefused() {
        setPolicy(bob, Map.of("mode", "closed"));
        Envelope toAlice = deliver(bob, alice, message(alice));
        Envelope toCarol = deliver(bob, carol, message(carol));

        Envelope aliceQuotingCarols = sign(message(bob).inReplyTo(toCarol.id()), alice);
        assertThat(refusal(publish(alice, bob, aliceQuotingCarols))).isEqualTo(ErrorCode.ACL_DENIED);
        assertNotRecorded(aliceQuotingCarols);

        Envelope carolQuotingAlices = sign(message(bob).inReplyTo(toAlice.id()), carol);
        assertThat(refusal(publish(carol, bob, carolQuotingAlices))).isEqualTo(ErrorCode.ACL_DENIED);

        Envelope unknown = sign(message(bob).inReplyTo(MessageId.generate(now())), alice);
        assertThat(refusal(publish(alice, bob, unknown))).as("an id bob never sent").isEqualTo(ErrorCode.ACL_DENIED);
    }

    @Test
    void aReplyQuotingTheReplierOwnMessageIsRefused() {
        setPolicy(bob, Map.of("mode", "allowlist", "allow", List.of(id(carol))));
        Envelope alicesOwn = deliver(alice, carol, message(carol));
        Envelope spoof = sign(message(bob).inReplyTo(alicesOwn.id()), alice);
        assertThat(refusal(publish(alice, bob, spoof))).isEqualTo(ErrorCode.ACL_DENIED);
    }

    @Test
    void aReplyAfterTheOriginalExpiredIsRefused() {
        setPolicy(bob, Map.of("mode", "closed"));
        Envelope question = deliver(bob, alice, message(alice).expiresIn(30L));
        deliver(alice, bob, message(bob).inReplyTo(question.id()));

        clock.advanceSeconds(29);
        deliver(alice, bob, message(bob).inReplyTo(question.id()));

        clock.advanceSeconds(1);
        Envelope late = sign(message(bob).inReplyTo(question.id()), alice);
        assertThat(refusal(publish(alice, bob, late))).as("at expires_at").isEqualTo(ErrorCode.ACL_DENIED);
        assertNotRecorded(late);

        clock.advanceSeconds(60);
        engine.housekeeping();
        Envelope later = sign(message(bob).inReplyTo(question.id()), alice);
        assertThat(refusal(publish(alice, bob, later))).as("after housekeeping").isEqualTo(ErrorCode.ACL_DENIED);
    }

    @Test
    void replyRuleUsesTheClampedExpiry() {
        setPolicy(bob, Map.of("mode", "closed"));
        RelayEngine shortTtl = engineWith(new RelayConfig(REALM, dataDir, 120, 60, 300, PolicyMode.BLOCKLIST, 100, 100,
                false, 10));
        Envelope question = sign(message(alice).expiresIn(3600L), bob);
        delivered(shortTtl.onPublish(bob.keyId(), LASTING, inboxOf(alice), question.toJson()));
        delivered(shortTtl.onPublish(alice.keyId(), LASTING, inboxOf(bob),
                sign(message(bob).inReplyTo(question.id()), alice).toJson()));
        clock.advanceSeconds(60);
        Envelope reply = sign(message(bob).inReplyTo(question.id()), alice);
        assertThat(refusal(shortTtl.onPublish(alice.keyId(), LASTING, inboxOf(bob), reply.toJson()))).isEqualTo(ErrorCode.ACL_DENIED);
    }

    @Test
    void receiptMarksTheMessageDeliveredAndIsAudited() {
        Envelope sent = deliver(alice, bob, message(bob));
        assertThat(store.message(id(alice), sent.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENT);

        Envelope receipt = deliver(bob, alice, receiptFor(sent, "delivered"));

        assertThat(store.message(id(alice), sent.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(store.message(id(bob), receipt.id()).orElseThrow().kind()).isEqualTo("receipt");
        assertThat(audit("message.delivered")).singleElement().satisfies(r -> {
            assertThat(r.actor()).isEqualTo(id(alice));
            assertThat(r.detail()).isEqualTo(sent.id());
        });

        deliver(bob, alice, receiptFor(sent, "read"));
        assertThat(audit("message.delivered")).as("a second receipt changes nothing").hasSize(1);
        assertThat(store.verifyAuditChain().intact()).isTrue();
    }

    @Test
    void receiptMadeWithTheProtocolHelperWorksToo() throws Exception {
        Envelope sent = deliver(alice, bob, message(bob));
        Envelope receipt = Receipt.create(bob, sent, "delivered");
        delivered(publish(bob, alice, receipt));
        assertThat(store.message(id(alice), sent.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    }

    @Test
    void receiptByAThirdPartyChangesNothing() {
        Envelope sent = deliver(alice, bob, message(bob));

        deliver(carol, alice, receiptFor(sent, "delivered"));

        assertThat(store.message(id(alice), sent.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENT);
        assertThat(audit("message.delivered")).isEmpty();
    }

    @Test
    void receiptForAMessageOfSomeoneElseChangesNothing() {
        Envelope alicesToCarol = deliver(alice, carol, message(carol));
        Envelope bobsReceipt = sign(Envelope.builder(Kind.RECEIPT).to(alice.keyId()).inReplyTo(alicesToCarol.id())
                .ts(now()).contentType(JsonBodies.CONTENT_TYPE).body(JsonBodies.receipt(alicesToCarol, "delivered")), bob);
        delivered(publish(bob, alice, bobsReceipt));
        assertThat(store.message(id(alice), alicesToCarol.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENT);
        assertThat(audit("message.delivered")).isEmpty();
    }

    @Test
    void receiptWithABadBodyIsMalformedAndChangesNothing() {
        Envelope sent = deliver(alice, bob, message(bob));
        Envelope bad = sign(Envelope.builder(Kind.RECEIPT).to(alice.keyId()).inReplyTo(sent.id()).ts(now())
                .contentType(JsonBodies.CONTENT_TYPE).body("{\"message_id\":\"" + sent.id() + "\"}"), bob);
        assertThat(refusal(publish(bob, alice, bad))).isEqualTo(ErrorCode.MALFORMED);
        assertNotRecorded(bad);
        assertThat(store.message(id(alice), sent.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENT);
    }

    @Test
    void receiptIntoAClosedInboxNeedsALiveOriginal() {
        setPolicy(alice, Map.of("mode", "closed"));
        Envelope sent = deliver(alice, bob, message(bob).expiresIn(10L));
        clock.advanceSeconds(10);
        Envelope late = sign(receiptFor(sent, "delivered"), bob);
        assertThat(refusal(publish(bob, alice, late))).isEqualTo(ErrorCode.ACL_DENIED);
        assertThat(store.message(id(alice), sent.id()).orElseThrow().state()).isEqualTo(DeliveryState.SENT);
    }

    @Test
    void markDeliveredByAnAdapterIsAuditedOnce() {
        Envelope sent = deliver(alice, bob, message(bob));
        engine.markDelivered(id(alice), sent.id());
        engine.markDelivered(id(alice), sent.id()); // a broker redelivery reports it again
        engine.markDelivered(id(alice), MessageId.generate(now()));
        assertThat(store.message(id(alice), sent.id()).orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(audit("message.delivered")).extracting(AuditRecord::detail).containsExactly(sent.id());
    }

    @Test
    void markDeliveredLeavesAnExpiredMessageExpired() {
        Envelope sent = deliver(alice, bob, message(bob).expiresIn(10L));
        clock.advance(java.time.Duration.ofSeconds(11));
        store.markExpired(now(), 10);
        engine.markDelivered(id(alice), sent.id());
        assertThat(store.message(id(alice), sent.id()).orElseThrow().state()).isEqualTo(DeliveryState.EXPIRED);
        assertThat(audit("message.delivered")).isEmpty();
    }
}
