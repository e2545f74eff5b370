package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Json;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.Kind;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Receipts (SPEC §3.5.2): the recipient R of message M signs a receipt quoting M's digest into the sender's inbox.
 * The relay checks the receipt body's format only (not that M exists, nor the digest); the sender S checks that the
 * receipt is signed by R and that the digest is M's. A receipt is admitted as a reply to M (§5.4 rule 3) only when M
 * was sent to the receipt's signer. What SPEC says a forgery by carol meets:
 * <ul>
 *   <li>claiming to be bob ({@code from} = bob, signed by carol): refused with {@code sender_mismatch} (§3.7 step 5);</li>
 *   <li>as herself into an inbox whose policy admits her: delivered, but it does not verify as bob's, and without M
 *       she cannot quote its digest, so {@link Receipt#matches} is false;</li>
 *   <li>as herself into a closed inbox: refused with {@code acl_denied} (rule 3 holds for bob, not for carol).</li>
 * </ul>
 */
class ReceiptsIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static RelayHiveMQ broker;

    @BeforeAll
    static void startBroker() {
        broker = RelayHiveMQ.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void bobsReceiptReachesAliceAndProvesTheExactMessageWhileForgeriesDoNot() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        try (Clients.PahoV5 aliceClient = connected(alice);
                Clients.PahoV5 bobClient = connected(bob);
                Clients.PahoV5 carolClient = connected(carol)) {
            Envelope sent = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).contentType("text/plain")
                    .body("turn the fan on").sign(alice);
            assertThat(aliceClient.publishToInbox(Clients.keyId(bob), sent.toJson()).reasonCodes()).containsExactly(0);
            byte[] atBob = bobClient.awaitPayload(WAIT);
            assertThat(atBob).as("alice's message at bob").isNotNull();
            Envelope received = Envelope.parse(atBob);
            assertThat(received.verify()).isEqualTo(alice.keyId());

            // bob's genuine receipt
            Envelope receipt = Receipt.create(bob, received, "delivered");
            Clients.PublishResult published = bobClient.publishToInbox(Clients.keyId(alice), receipt.toJson());
            assertThat(published.reasonCodes()).as("PUBACK of bob's receipt: %s", published).containsExactly(0);
            byte[] atAlice = aliceClient.awaitPayload(WAIT);
            assertThat(atAlice).as("bob's receipt at alice").isNotNull().isEqualTo(receipt.toJson());
            Envelope gotReceipt = Envelope.parse(atAlice);
            assertThat(gotReceipt.kind()).isEqualTo(Kind.RECEIPT);
            gotReceipt.verify(bob.keyId()); // signed by bob
            assertThat(gotReceipt.inReplyTo()).isEqualTo(sent.id());
            Receipt parsed = Receipt.parse(gotReceipt);
            assertThat(parsed.status()).isEqualTo("delivered");
            assertThat(parsed.matches(sent)).as("the receipt quotes the digest of exactly what alice sent").isTrue();

            // Forgery 1: carol claims to be bob (from = bob, signed by carol): refused before the signature check.
            Envelope claimsBob = claimingSender(Receipt.create(carol, received, "delivered"), bob, carol);
            Clients.PublishResult impersonation = carolClient.publishToInbox(Clients.keyId(alice), claimsBob.toJson());
            assertThat(impersonation.reasonCode()).as("%s", impersonation).isEqualTo(0x87);
            assertThat(impersonation.reasonString()).startsWith("sender_mismatch: ");
            // Forgery 1b: carol replays bob's genuine receipt bytes: from = bob is not carol's connection either.
            Clients.PublishResult replay = carolClient.publishToInbox(Clients.keyId(alice), receipt.toJson());
            assertThat(replay.reasonCode()).as("%s", replay).isEqualTo(0x87);
            assertThat(replay.reasonString()).startsWith("sender_mismatch: ");
            assertThat(carolClient.isConnected()).isTrue();

            // Forgery 2: carol signs a receipt for alice's message as herself, knowing only its id (not M, so not
            // the digest). alice's default policy admits carol and the relay does not check digests (SPEC §3.5.2),
            // so it is delivered, but it is carol's and quotes the wrong digest: alice's checks reject it.
            Envelope guessed = receiptWithDigest(carol, alice, sent.id(), randomDigest());
            assertThat(carolClient.publishToInbox(Clients.keyId(alice), guessed.toJson()).reasonCodes())
                    .containsExactly(0);
            Envelope atAliceGuessed = Envelope.parse(aliceClient.awaitPayload(WAIT));
            assertThat(atAliceGuessed).as("the first thing after bob's receipt: neither refused forgery arrived")
                    .isEqualTo(guessed);
            assertThat(atAliceGuessed.verify()).as("signed by carol").isEqualTo(carol.keyId());
            assertThatThrownBy(() -> atAliceGuessed.verify(bob.keyId())).isInstanceOfSatisfying(RelayException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.SENDER_MISMATCH));
            assertThat(Receipt.parse(atAliceGuessed).matches(sent)).isFalse();

            // Even with M in hand (had carol obtained it), her receipt still verifies as carol's, never as bob's.
            Envelope withDigest = Receipt.create(carol, received, "read");
            assertThat(carolClient.publishToInbox(Clients.keyId(alice), withDigest.toJson()).reasonCodes())
                    .containsExactly(0);
            Envelope atAliceWithDigest = Envelope.parse(aliceClient.awaitPayload(WAIT));
            assertThat(atAliceWithDigest).isEqualTo(withDigest);
            assertThatThrownBy(() -> atAliceWithDigest.verify(bob.keyId())).isInstanceOf(RelayException.class);
            assertThat(atAliceWithDigest.verify()).isEqualTo(carol.keyId());
            assertThat(aliceClient.payloads()).isEmpty();
        }
    }

    @Test
    void closedInboxAdmitsTheRecipientsReceiptButRefusesAnotherIdentitysReceipt() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        RelayKeyPair carol = RelayKeyPair.generate();
        try (Clients.PahoV5 aliceClient = connected(alice);
                Clients.PahoV5 bobClient = connected(bob);
                Clients.PahoV5 carolClient = connected(carol)) {
            Envelope setClosed = SystemRequest.envelope(alice, SystemOp.POLICY_SET, Map.of("mode", "closed"));
            assertThat(aliceClient.publish(Addressing.MQTT_SYSTEM_TOPIC, setClosed.toJson()).reasonCodes())
                    .containsExactly(0);
            Envelope answer = Envelope.parse(aliceClient.awaitPayload(WAIT));
            assertThat(answer.kind()).isEqualTo(Kind.RESPONSE);
            assertThat(answer.inReplyTo()).isEqualTo(setClosed.id());
            assertThat(Json.MAPPER.readTree(answer.body()).path("result").path("mode").asText()).isEqualTo("closed");

            Envelope sent = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).body("are you there?").sign(alice);
            assertThat(aliceClient.publishToInbox(Clients.keyId(bob), sent.toJson()).reasonCodes()).containsExactly(0);
            Envelope received = Envelope.parse(bobClient.awaitPayload(WAIT));

            // carol (who somehow holds M) receipts it into alice's closed inbox: M was not sent to carol -> acl_denied.
            Envelope forged = Receipt.create(carol, received, "delivered");
            Clients.PublishResult refused = carolClient.publishToInbox(Clients.keyId(alice), forged.toJson());
            assertThat(refused.reasonCode()).as("%s", refused).isEqualTo(0x87);
            assertThat(refused.reasonString()).startsWith("acl_denied: ");

            // bob's receipt is a reply to a live message alice sent him (SPEC §5.4 rule 3): admitted.
            Envelope receipt = Receipt.create(bob, received, "read");
            Clients.PublishResult accepted = bobClient.publishToInbox(Clients.keyId(alice), receipt.toJson());
            assertThat(accepted.reasonCodes()).as("%s", accepted).containsExactly(0);
            byte[] next = aliceClient.awaitPayload(WAIT);
            assertThat(next).as("bob's receipt is the next thing in alice's inbox; carol's never arrived")
                    .isEqualTo(receipt.toJson());
            Envelope gotReceipt = Envelope.parse(next);
            gotReceipt.verify(bob.keyId());
            assertThat(Receipt.parse(gotReceipt).matches(sent)).isTrue();

            // The closed policy still holds for a plain message from bob (no in_reply_to).
            Envelope plain = Envelope.builder(Kind.MESSAGE).to(alice.keyId()).body("not a reply").sign(bob);
            Clients.PublishResult plainResult = bobClient.publishToInbox(Clients.keyId(alice), plain.toJson());
            assertThat(plainResult.reasonCode()).as("%s", plainResult).isEqualTo(0x87);
            assertThat(plainResult.reasonString()).startsWith("acl_denied: ");
            assertThat(aliceClient.payloads()).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static Clients.PahoV5 connected(RelayKeyPair key) throws Exception {
        Clients.PahoV5 client = Clients.pahoV5(broker, key);
        assertThat(client.subscribeInbox()).containsExactly(1);
        return client;
    }

    /**
     * {@code template} rewritten to claim {@code claimed} as sender, signed by {@code signer} over the rewritten
     * signing input: a well-formed envelope whose signature is carol's, not bob's.
     */
    private static Envelope claimingSender(Envelope template, RelayKeyPair claimed, RelayKeyPair signer)
            throws Exception {
        ObjectNode json = (ObjectNode) Json.MAPPER.readTree(template.toJson());
        json.put("from", claimed.keyId().toString());
        Envelope unsigned = Envelope.parse(Json.MAPPER.writeValueAsBytes(json));
        json.put("sig", Base64Url.encode(signer.sign(unsigned.signingInput())));
        Envelope forged = Envelope.parse(Json.MAPPER.writeValueAsBytes(json));
        assertThat(forged.from()).isEqualTo(claimed.keyId().toString());
        assertThatThrownBy(forged::verify).isInstanceOf(RelayException.class);
        return forged;
    }

    private static Envelope receiptWithDigest(RelayKeyPair from, RelayKeyPair to, String messageId, byte[] digest)
            throws Exception {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("message_id", messageId);
        body.put("digest", Base64Url.encode(digest));
        body.put("status", "delivered");
        return Envelope.builder(Kind.RECEIPT).to(to.keyId()).inReplyTo(messageId).contentType(JsonBodies.CONTENT_TYPE)
                .body(Json.MAPPER.writeValueAsBytes(body)).sign(from);
    }

    private static byte[] randomDigest() {
        byte[] digest = new byte[32];
        ThreadLocalRandom.current().nextBytes(digest);
        return digest;
    }
}
