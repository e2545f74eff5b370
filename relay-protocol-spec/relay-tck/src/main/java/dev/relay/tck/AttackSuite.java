package dev.relay.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import dev.relay.tck.RelayBinding.Client;
import dev.relay.tck.Victims.Victim;
import dev.relay.tck.Victims.VictimSetup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attacks every binding must refuse (SPEC §2, §3.7, §5, §7–§9, §10), each through the binding's real clients. Every test
 * asserts three things: the refusal the attacker sees (the SPEC code in the transport's answer, or in an error envelope
 * where the transport has no negative acknowledgement, SPEC §10.2); that a bystander pair still exchanges a message;
 * and that a victim's data is untouched: the message that waited for the victim arrives unchanged and is followed by
 * the next genuine message, with nothing the attacker sent in between, and the victim's policy is what it set
 * ({@link Victims#assertUnharmed}). Identities are fresh per test, so tests share one broker. The attacks on the send
 * budget need a relay with a small limit and are in {@link RateLimitAttackSuite}.
 *
 * <p>Reading another identity's inbox is {@link ConformanceSuite}'s {@code nobodyReadsAnotherInbox}; it is not
 * repeated here.
 */
public abstract class AttackSuite extends BindingTestSupport {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    // ------------------------------------------------------------------ SPEC §3.7 steps 5-6: who signed it

    @Test
    void anEnvelopeSignedByTheVictimsFriendAndPublishedByTheAttackerIsSenderMismatch() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            // A genuine envelope the friend signed (as if sniffed), published on mallory's connection.
            Envelope friends = reply(victim.friend(), victim, "genuinely from the friend");
            assertRefused(m, m.publishToInbox(id(victim.key()), friends.toJson()), "sender_mismatch");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void anEnvelopeNamingTheFriendAsSenderButSignedByTheAttackerIsSenderMismatch() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            ObjectNode json = json(message(mallory, victim.key(), "I am your friend").toJson());
            json.put("from", id(victim.friend()));
            assertRefused(m, m.publishToInbox(id(victim.key()), signedAs(json, mallory)), "sender_mismatch");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void aForgedSignatureIsBadSignature() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            ObjectNode random = json(message(mallory, victim.key(), "random signature").toJson());
            random.put("sig", Base64Url.encode(randomBytes(64)));
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(random)), "bad_signature");

            // Signed by someone else over exactly these fields (mallory's from): still not mallory's signature.
            ObjectNode othersKey = json(message(mallory, victim.key(), "someone else's signature").toJson());
            assertRefused(m, m.publishToInbox(id(victim.key()), signedAs(othersKey, RelayKeyPair.generate())),
                    "bad_signature");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void aTruncatedSignatureIsMalformed() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            Envelope signed = message(mallory, victim.key(), "truncated");
            String sig = Base64Url.encode(signed.signature());
            for (String truncated : List.of(sig.substring(0, 85), sig.substring(0, 43), "")) {
                ObjectNode json = json(signed.toJson());
                json.put("sig", truncated);
                assertRefused(m, m.publishToInbox(id(victim.key()), bytes(json)), "malformed");
            }
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void aSignedEnvelopeWhoseBodyWasChangedIsBadSignature() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            ObjectNode json = json(message(mallory, victim.key(), "pay 10").toJson());
            json.put("body", Base64Url.encode("pay 10000".getBytes(StandardCharsets.UTF_8)));
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(json)), "bad_signature");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void aSignedEnvelopeWhoseTtlOrContentTypeWasChangedIsBadSignature() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            Envelope shortLived = Envelope.builder(Kind.MESSAGE).to(victim.key().keyId()).expiresIn(60L)
                    .contentType("text/plain").body("valid for a minute").sign(mallory);
            ObjectNode longer = json(shortLived.toJson());
            longer.put("expires_in", 2_592_000L);
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(longer)), "bad_signature");
            ObjectNode retyped = json(shortLived.toJson());
            retyped.put("content_type", "application/json");
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(retyped)), "bad_signature");
            ObjectNode unset = json(shortLived.toJson());
            unset.remove("expires_in");
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(unset)), "bad_signature");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void unsignedMembersSmuggledIntoASignedEnvelopeAreMalformed() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            byte[] signed = message(mallory, victim.key(), "with extras").toJson();
            ObjectNode extra = json(signed);
            extra.put("admin", true);
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(extra)), "malformed");
            // A second "from" that a lenient parser would take instead of the signed one.
            String text = new String(signed, StandardCharsets.UTF_8);
            byte[] twoSenders = ("{\"from\":\"" + id(victim.friend()) + "\"," + text.substring(1))
                    .getBytes(StandardCharsets.UTF_8);
            assertRefused(m, m.publishToInbox(id(victim.key()), twoSenders), "malformed");
            ObjectNode nullMember = json(signed);
            nullMember.putNull("thread_id");
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(nullMember)), "malformed");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    // ------------------------------------------------------------------ SPEC §10.8: replays

    @Test
    void aReplayedEnvelopeIsAcknowledgedButDeliveredOnlyOnce() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        Envelope once = message(mallory, bob, "once");
        try (Client b = online(bob)) {
            try (Client m = online(mallory)) {
                assertAccepted(m.publishToInbox(id(bob), once.toJson()));
                assertThat(Envelope.parse(arrival(b)).id()).isEqualTo(once.id());
            }
            // After bob read it, from a new connection: acknowledged (SPEC §10.8), never delivered again.
            try (Client m = online(mallory)) {
                for (int i = 0; i < 3; i++) {
                    assertAccepted(m.publishToInbox(id(bob), once.toJson()));
                }
                assertOnlyControlArrives(m, mallory, b, bob);
                // The same envelope into another inbox is not a way around it either.
                assertRefused(m, m.publishToInbox(id(victim.key()), once.toJson()), "recipient_mismatch");
                assertThat(m.isConnected()).isTrue();
            }
        }
        assertUnharmed(victim);
    }

    @Test
    void theVictimsSystemRequestReplayedByTheAttackerIsSenderMismatch() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            assertRefused(m, m.publishRequest(victim.policyRequest().toJson()), "sender_mismatch");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    // ------------------------------------------------------------------ SPEC §2.4: connect tokens

    @Test
    void aReplayedConnectTokenIsRefusedAndTheFirstConnectionStays() throws Exception {
        Victim victim = victim();
        RelayKeyPair alice = RelayKeyPair.generate();
        String password = ConnectToken.create(alice, binding().realm(), nowSeconds()).password();
        try (Client a = binding().connect(alice, id(alice), password)) {
            a.subscribeOwnInbox();
            assertConnectRefused(alice, id(alice), password, "replay"); // the same token a second time
            assertThat(a.isConnected()).as("alice's own connection").isTrue();
            assertOnlyControlArrives(a, alice);
        }
        assertUnharmed(victim);
    }

    @Test
    void theVictimsTokenForAnotherRealmIsRefused() throws Exception {
        Victim victim = victim();
        String elsewhere = ConnectToken.create(victim.key(), binding().realm() + "-elsewhere", nowSeconds()).password();
        assertConnectRefused(victim.key(), id(victim.key()), elsewhere, "bad_signature");
        assertUnharmed(victim);
    }

    @Test
    void theVictimsStaleTokenIsRefused() throws Exception {
        Victim victim = victim();
        assertConnectRefused(victim.key(), id(victim.key()),
                ConnectToken.create(victim.key(), binding().realm(), nowSeconds() - 600).password(), "expired_token");
        assertUnharmed(victim);
    }

    @Test
    void aTokenFromTheFutureIsRefused() throws Exception {
        Victim victim = victim();
        // Made "now" for an hour from now: would stay usable long after it was stolen.
        assertConnectRefused(victim.key(), id(victim.key()),
                ConnectToken.create(victim.key(), binding().realm(), nowSeconds() + 3600).password(), "expired_token");
        assertUnharmed(victim);
    }

    @Test
    void connectingAsTheVictimWithTheAttackersKeyIsRefused() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        // mallory's own valid token, the victim's key id as username.
        assertConnectRefused(victim.key(), id(victim.key()),
                ConnectToken.create(mallory, binding().realm(), nowSeconds()).password(), "bad_signature");
        // A token over the victim's key id, signed by mallory.
        long ts = nowSeconds();
        String nonce = Base64Url.encode(randomBytes(16));
        String sig = Base64Url.encode(mallory.sign(
                ConnectToken.signingString(binding().realm(), id(victim.key()), ts, nonce)));
        assertConnectRefused(victim.key(), id(victim.key()), "v1." + ts + "." + nonce + "." + sig, "bad_signature");
        assertUnharmed(victim);
    }

    @Test
    void malformedCredentialsAreRefused() throws Exception {
        Victim victim = victim();
        String valid = ConnectToken.create(victim.key(), binding().realm(), nowSeconds()).password();
        String[] parts = valid.split("\\.");
        List<String> passwords = List.of(
                "",
                "hunter2",
                "v1",
                "v1...",
                "v2." + parts[1] + "." + parts[2] + "." + parts[3],
                "v1." + parts[1] + "." + parts[2] + "." + parts[3] + ".extra",
                "v1.+" + parts[1] + "." + parts[2] + "." + parts[3],
                "v1." + parts[1] + "." + parts[2] + "=." + parts[3],
                "v1." + parts[1] + "." + Base64Url.encode(randomBytes(8)) + "." + parts[3],
                "v1." + parts[1] + "." + parts[2] + "." + parts[3].substring(0, 80),
                valid + "A".repeat(200));
        for (String password : passwords) {
            assertConnectRefused(victim.key(), id(victim.key()), password, "bad_credentials");
        }
        // A username that is not a key id, with a valid token of the victim's key (never used: refused before).
        assertConnectRefused(victim.key(), "relay-admin", valid, "bad_credentials");
        assertUnharmed(victim);
    }

    // ------------------------------------------------------------------ SPEC §3.7 steps 7-10: address, time, kind

    @Test
    void anEnvelopeForSomeoneElseIsRecipientMismatchWhateverInboxItIsPublishedTo() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client m = online(mallory); Client b = online(bob)) {
            assertRefused(m, m.publishToInbox(id(victim.key()), message(mallory, bob, "for bob").toJson()),
                    "recipient_mismatch");
            assertRefused(m, m.publishToInbox(id(bob), message(mallory, victim.key(), "for the victim").toJson()),
                    "recipient_mismatch");
            // A request (to = "sys") dropped into an inbox instead of the system address, and the reverse.
            Envelope request = SystemRequest.envelope(mallory, SystemOp.POLICY_GET, Map.of());
            assertRefused(m, m.publishToInbox(id(victim.key()), request.toJson()), "recipient_mismatch");
            assertRefused(m, m.publishRequest(message(mallory, victim.key(), "as a request").toJson()),
                    "recipient_mismatch");
            assertThat(m.isConnected()).isTrue();
            assertOnlyControlArrives(b, bob);
        }
        assertUnharmed(victim);
    }

    @Test
    void anEnvelopeExpiredEvenUnderTheClampedMaximumIsRefused() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            // Asks for the largest TTL there is, but was made 31 days ago: the 30-day maximum ran out.
            Envelope old = Envelope.builder(Kind.MESSAGE).to(victim.key().keyId())
                    .ts(System.currentTimeMillis() - 31L * 86_400_000L).expiresIn(2_147_483_647L)
                    .body("from last month").sign(mallory);
            assertRefused(m, m.publishToInbox(id(victim.key()), old.toJson()), "expired");
            // No expires_in: the 7-day default from a ts eight days ago.
            Envelope lastWeek = Envelope.builder(Kind.MESSAGE).to(victim.key().keyId())
                    .ts(System.currentTimeMillis() - 8L * 86_400_000L).body("from last week").sign(mallory);
            assertRefused(m, m.publishToInbox(id(victim.key()), lastWeek.toJson()), "expired");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void anEnvelopeFromTheFutureIsBadTimestamp() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            // Dated ahead so that it would outlive every TTL the relay allows.
            for (long ahead : new long[] {3_600_000L, 10L * 365 * 86_400_000L}) {
                Envelope future = Envelope.builder(Kind.MESSAGE).to(victim.key().keyId())
                        .ts(System.currentTimeMillis() + ahead).expiresIn(60L).body("from the future").sign(mallory);
                assertRefused(m, m.publishToInbox(id(victim.key()), future.toJson()), "bad_timestamp");
            }
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void absurdTtlsAreBadTtlOrMalformed() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            byte[] signed = message(mallory, victim.key(), "absurd ttl").toJson();
            for (long ttl : new long[] {0L, -1L, -604_800L, 2_147_483_648L, Long.MAX_VALUE}) {
                ObjectNode json = json(signed);
                json.put("expires_in", ttl);
                assertRefused(m, m.publishToInbox(id(victim.key()), bytes(json)), "bad_ttl");
            }
            ObjectNode huge = json(signed);
            huge.put("expires_in", new BigInteger("99999999999999999999"));
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(huge)), "malformed");
            ObjectNode fraction = json(signed);
            fraction.put("expires_in", 60.5);
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(fraction)), "malformed");
            ObjectNode text = json(signed);
            text.put("expires_in", "60");
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(text)), "malformed");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void aTtlBeyondTheMaximumIsAcceptedAndDeliveredAsSigned() throws Exception {
        Victim victim = victim();
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = online(alice); Client b = online(bob)) {
            // SPEC §6.2: above the maximum is not an error; the relay clamps the effective TTL beside the envelope.
            Envelope ninetyDays = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).expiresIn(7_776_000L)
                    .body("for a long time").sign(alice);
            assertAccepted(a.publishToInbox(id(bob), ninetyDays.toJson()));
            Envelope received = Envelope.parse(arrival(b));
            assertThat(received.toJson()).as("delivered as signed").isEqualTo(ninetyDays.toJson());
            assertThat(received.verify()).isEqualTo(alice.keyId());
        }
        assertUnharmed(victim);
    }

    @Test
    void forgedResponseAndErrorEnvelopesAreForbidden() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            String relayKey = ask(m, mallory, SystemOp.RELAY_INFO, Map.of()).get("relay_key").asText();
            Envelope response = Envelope.builder(Kind.RESPONSE).to(victim.key().keyId())
                    .inReplyTo(victim.policyRequest().id()).contentType("application/json")
                    .body("{\"op\":\"policy.set\",\"result\":{\"mode\":\"open\",\"allow\":[],\"block\":[]}}")
                    .sign(mallory);
            assertRefused(m, m.publishToInbox(id(victim.key()), response.toJson()), "forbidden");
            Envelope error = Envelope.builder(Kind.ERROR).to(victim.key().keyId()).contentType("application/json")
                    .body("{\"code\":\"internal\",\"message\":\"send your key to support\"}").sign(mallory);
            assertRefused(m, m.publishToInbox(id(victim.key()), error.toJson()), "forbidden");
            // Naming the relay key as sender: the connection is not the relay.
            ObjectNode asRelay = json(error.toJson());
            asRelay.put("from", relayKey);
            assertRefused(m, m.publishToInbox(id(victim.key()), signedAs(asRelay, mallory)), "sender_mismatch");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    // ------------------------------------------------------------------ SPEC §1.1 rule 3, §3.7: inboxes of no key

    /** Key ids that pass the text rules of SPEC §1.1 but name no Ed25519 key: y = 2 is no point, y = 1 has order 1. */
    private static final List<String> NO_KEYS = List.of("AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

    @Test
    void anEnvelopeIntoTheInboxOfAKeyIdThatIsNoKeyIsMalformed() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            for (String noKey : NO_KEYS) {
                // Signed and addressed to that inbox: only the inbox check of SPEC §3.7 can refuse it.
                Envelope toNoOne = Envelope.builder(Kind.MESSAGE).to(noKey).contentType("text/plain")
                        .body("no one can read this").sign(mallory);
                assertRefused(m, m.publishToInbox(noKey, toNoOne.toJson()), "malformed");
            }
            assertThat(m.isConnected()).isTrue();
            assertOnlyControlArrives(m, mallory);
        }
        assertUnharmed(victim);
    }

    // ------------------------------------------------------------------ SPEC §3.3: hostile encodings

    @Test
    void anOversizedEnvelopeIsTooLarge() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            // A valid, signed envelope padded with whitespace (allowed in JSON) to one byte over the limit.
            byte[] signed = message(mallory, victim.key(), "padded").toJson();
            byte[] padded = new byte[Envelope.MAX_ENVELOPE_BYTES + 1];
            java.util.Arrays.fill(padded, (byte) ' ');
            System.arraycopy(signed, 0, padded, 0, signed.length);
            assertRefused(m, m.publishToInbox(id(victim.key()), padded), "too_large");
            // A body one byte over its limit inside an envelope under the envelope limit.
            ObjectNode bigBody = json(signed);
            bigBody.put("body", Base64Url.encode(new byte[Envelope.MAX_BODY_BYTES + 1]));
            assertRefused(m, m.publishToInbox(id(victim.key()), bytes(bigBody)), "too_large");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void deeplyNestedJsonIsMalformed() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            // 100 000 levels: a recursive parser without a bound would overflow its stack.
            byte[] arrays = ("[".repeat(100_000) + "]".repeat(100_000)).getBytes(StandardCharsets.US_ASCII);
            assertRefused(m, m.publishToInbox(id(victim.key()), arrays), "malformed");
            String signed = message(mallory, victim.key(), "nested").toJsonString();
            byte[] nestedMember = ("{\"x\":" + "{\"y\":".repeat(5000) + "1" + "}".repeat(5000) + ","
                    + signed.substring(1)).getBytes(StandardCharsets.US_ASCII);
            assertRefused(m, m.publishToInbox(id(victim.key()), nestedMember), "malformed");
            // A request body (parsed by the relay) nested far deeper than any operation needs.
            Envelope request = Envelope.builder(Kind.REQUEST).to(Envelope.SYSTEM_RECIPIENT)
                    .contentType("application/json")
                    .body("{\"op\":\"policy.set\",\"args\":" + "{\"a\":".repeat(2000) + "1" + "}".repeat(2000) + "}")
                    .sign(mallory);
            assertAccepted(m.publishRequest(request.toJson()));
            Envelope answer = Envelope.parse(arrival(m));
            assertThat(answer.kind()).isEqualTo(Kind.ERROR);
            assertThat(answer.inReplyTo()).isEqualTo(request.id());
            assertThat(PLAIN.readTree(answer.body()).get("code").asText()).isEqualTo("malformed");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void invalidUtf8IsMalformed() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            String signed = message(mallory, victim.key(), "utf-8").toJsonString();
            int at = signed.indexOf("text/plain");
            byte[][] badSequences = {
                {(byte) 0xC3, 0x28},                       // a lead byte without its continuation
                {(byte) 0xC0, (byte) 0x80},                // an overlong NUL
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80},   // an encoded surrogate
                {(byte) 0xFF}};
            for (byte[] bad : badSequences) {
                ByteArrayOutputStream payload = new ByteArrayOutputStream();
                payload.writeBytes(signed.substring(0, at + 5).getBytes(StandardCharsets.US_ASCII));
                payload.writeBytes(bad);
                payload.writeBytes(signed.substring(at + 5).getBytes(StandardCharsets.US_ASCII));
                assertRefused(m, m.publishToInbox(id(victim.key()), payload.toByteArray()), "malformed");
            }
            // An escape that decodes to an unpaired surrogate.
            byte[] surrogate = signed.replace("text/plain", "text/\\ud800plain").getBytes(StandardCharsets.US_ASCII);
            assertRefused(m, m.publishToInbox(id(victim.key()), surrogate), "malformed");
            byte[] bom = ("\uFEFF" + signed).getBytes(StandardCharsets.UTF_8);
            assertRefused(m, m.publishToInbox(id(victim.key()), bom), "malformed");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void badBase64InSignatureOrBodyIsMalformed() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            Envelope signed = message(mallory, victim.key(), "base64!"); // 7 bytes: the last character has unused bits
            String sig = Base64Url.encode(signed.signature());
            String body = Base64Url.encode(signed.body());
            List<ObjectNode> bad = new ArrayList<>();
            bad.add(with(signed, "sig", sig.substring(0, 84) + "=="));                  // padding
            bad.add(with(signed, "sig", "+/" + sig.substring(2)));                        // the other alphabet
            bad.add(with(signed, "sig", nonCanonical(sig)));                              // unused bits set
            bad.add(with(signed, "sig", sig.substring(0, 40) + " " + sig.substring(41))); // whitespace
            bad.add(with(signed, "body", body + "="));
            bad.add(with(signed, "body", "+" + body.substring(1)));
            bad.add(with(signed, "body", nonCanonical(body)));
            bad.add(with(signed, "id", signed.id().substring(0, 21) + "*"));
            for (ObjectNode json : bad) {
                assertRefused(m, m.publishToInbox(id(victim.key()), bytes(json)), "malformed");
            }
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    // ------------------------------------------------------------------ SPEC §5, §7.2, §8: other identities' data

    @Test
    void changingAnotherIdentitysPolicyOrCardIsNotOwner() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        String owner = id(victim.key());
        try (Client m = online(mallory)) {
            assertThat(askExpectingError(m, mallory, SystemOp.POLICY_SET, Map.of("mode", "open", "owner", owner)))
                    .isEqualTo("not_owner");
            assertThat(askExpectingError(m, mallory, SystemOp.POLICY_ADD,
                    Map.of("list", "allow", "keys", List.of(id(mallory)), "owner", owner))).isEqualTo("not_owner");
            assertThat(askExpectingError(m, mallory, SystemOp.POLICY_REMOVE,
                    Map.of("list", "block", "keys", List.of(victim.blocked()), "owner", owner))).isEqualTo("not_owner");
            assertThat(askExpectingError(m, mallory, SystemOp.POLICY_GET, Map.of("owner", owner)))
                    .isEqualTo("not_owner");
            assertThat(askExpectingError(m, mallory, SystemOp.PROFILE_SET,
                    Map.of("card", Map.of("name", "not the victim"), "owner", owner))).isEqualTo("not_owner");
            // The requests that did run acted on mallory alone.
            assertThat(ask(m, mallory, SystemOp.POLICY_GET, Map.of()).get("mode").asText()).isEqualTo("blocklist");
        }
        assertUnharmed(victim);
    }

    @Test
    void anotherIdentitysThreadHistoryReadsAsEmpty() throws Exception {
        Victim victim = victim();
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client f = online(victim.friend())) {
            assertThat(Envelope.parse(arrival(f)).id()).as("the victim's message to its friend")
                    .isEqualTo(victim.sentToFriend().id());
            // The thread exists: the friend, a participant, sees its own messages in it.
            JsonNode friends = ask(f, victim.friend(), SystemOp.THREAD_HISTORY, Map.of("thread_id", victim.threadId()));
            assertThat(friends.get("messages")).extracting(entry -> entry.get("id").asText())
                    .contains(victim.waiting().id());
        }
        try (Client m = online(mallory)) {
            JsonNode history = ask(m, mallory, SystemOp.THREAD_HISTORY, Map.of("thread_id", victim.threadId()));
            assertThat(history.get("messages")).as("history of a thread mallory is not in").isEmpty();
            assertThat(history.get("next").isNull()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void aPrivateProfileCannotBeReadDiscoveredOrWatched() throws Exception {
        String name = "private-" + MessageId.generate();
        Victim victim = victim((v, key, friend) -> ask(v, key, SystemOp.PROFILE_SET,
                Map.of("card", Map.of("name", name, "tags", List.of("secret-tag"), "visibility", "private"))));
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            assertThat(askExpectingError(m, mallory, SystemOp.PROFILE_GET, Map.of("key_id", id(victim.key()))))
                    .as("a private card answers exactly like a missing one").isEqualTo("not_found");
            assertThat(askExpectingError(m, mallory, SystemOp.PROFILE_GET, Map.of("key_id",
                    id(RelayKeyPair.generate())))).isEqualTo("not_found");
            assertThat(ask(m, mallory, SystemOp.DISCOVER, Map.of("text", name)).get("results")).isEmpty();
            JsonNode presence = ask(m, mallory, SystemOp.PRESENCE_GET, Map.of("key_ids", List.of(id(victim.key()))))
                    .get("presence");
            assertThat(presence.has(id(victim.key()))).as("presence of a private identity: %s", presence).isFalse();
        }
        assertUnharmed(victim);
    }

    @Test
    void aStrangerCannotWriteIntoAnAllowlistedInboxNorSneakInAsTheAllowedFriend() throws Exception {
        Victim victim = victim((v, key, friend) -> ask(v, key, SystemOp.POLICY_SET,
                Map.of("mode", "allowlist", "allow", List.of(id(friend)))));
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            assertRefused(m, m.publishToInbox(id(victim.key()), message(mallory, victim.key(), "hi").toJson()),
                    "acl_denied");
            ObjectNode asFriend = json(message(mallory, victim.key(), "it's me, your friend").toJson());
            asFriend.put("from", id(victim.friend()));
            assertRefused(m, m.publishToInbox(id(victim.key()), signedAs(asFriend, mallory)), "sender_mismatch");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    @Test
    void aStrangerCannotWriteIntoAClosedInboxByPretendingToReply() throws Exception {
        Victim victim = victim((v, key, friend) -> ask(v, key, SystemOp.POLICY_SET, Map.of("mode", "closed")));
        RelayKeyPair mallory = RelayKeyPair.generate();
        try (Client m = online(mallory)) {
            assertRefused(m, m.publishToInbox(id(victim.key()), message(mallory, victim.key(), "hi").toJson()),
                    "acl_denied");
            // in_reply_to names a live message the victim sent, but to the friend, not to mallory (SPEC §5.4 rule 3).
            Envelope fakeReply = Envelope.builder(Kind.MESSAGE).to(victim.key().keyId())
                    .inReplyTo(victim.sentToFriend().id()).threadId(victim.threadId()).body("re: your message")
                    .sign(mallory);
            assertRefused(m, m.publishToInbox(id(victim.key()), fakeReply.toJson()), "acl_denied");
            Envelope fakeReceipt = Receipt.create(mallory, victim.sentToFriend(), "delivered");
            assertRefused(m, m.publishToInbox(id(victim.key()), fakeReceipt.toJson()), "acl_denied");
            assertThat(m.isConnected()).isTrue();
        }
        assertUnharmed(victim);
    }

    // ------------------------------------------------------------------ helpers

    protected Victim victim() throws Exception {
        return Victims.create(binding(), (v, key, friend) -> { });
    }

    protected Victim victim(VictimSetup setup) throws Exception {
        return Victims.create(binding(), setup);
    }

    protected void assertUnharmed(Victim victim) throws Exception {
        Victims.assertUnharmed(binding(), victim);
    }

    private static Envelope reply(RelayKeyPair from, Victim victim, String text) throws RelayException {
        return Victims.reply(from, victim.key(), victim.sentToFriend(), text);
    }

    // ------------------------------------------------------------------ raw JSON for hand-made envelopes

    private static ObjectNode json(byte[] envelope) {
        try {
            return (ObjectNode) PLAIN.readTree(envelope);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode with(Envelope envelope, String member, String value) {
        ObjectNode json = json(envelope.toJson());
        json.put(member, value);
        return json;
    }

    private static byte[] bytes(ObjectNode json) {
        try {
            return PLAIN.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The envelope with these fields, signed by {@code signer} whatever {@code from} says. */
    private static byte[] signedAs(ObjectNode json, RelayKeyPair signer) throws RelayException {
        json.put("sig", Base64Url.encode(new byte[64]));
        Envelope unsigned = Envelope.parse(bytes(json));
        json.put("sig", Base64Url.encode(signer.sign(unsigned.signingInput())));
        return bytes(json);
    }

    /** The same bytes with an unused low bit of the last character set (decoders must refuse it). */
    private static String nonCanonical(String base64url) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char last = base64url.charAt(base64url.length() - 1);
        int index = alphabet.indexOf(last) | 1;
        return base64url.substring(0, base64url.length() - 1) + alphabet.charAt(index);
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
