package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.store.AuditRecord;
import dev.relay.store.DeliveryState;
import dev.relay.store.MessageRecord;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Kind;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.SystemOp;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §3.6, §3.7, §4, §9: what happens to one publish into an inbox or the system address. */
class PublishDecisionTest extends EngineTestSupport {
    private static final long DAY = 86_400;

    private static byte[] replace(Envelope envelope, String from, String to) {
        String json = envelope.toJsonString();
        assertThat(json).contains(from);
        return json.replace(from, to).getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------ deliver and TTL

    @Test
    void messageToAnInboxIsDeliveredWithTheDefaultTtlAndRecorded() {
        Envelope sent = sign(message(bob), alice);
        PublishOutcome.Deliver deliver = delivered(publish(alice, bob, sent));

        assertThat(deliver.recipient()).isEqualTo(bob.keyId());
        assertThat(deliver.envelope()).isEqualTo(sent);
        assertThat(deliver.envelope().toJson()).as("delivered unchanged").isEqualTo(sent.toJson());
        assertThat(deliver.ttlSeconds()).isEqualTo(7 * DAY);
        assertThat(deliver.expiresAtMillis()).isEqualTo(sent.ts() + 7 * DAY * 1000);

        MessageRecord record = store.message(id(alice), sent.id()).orElseThrow();
        assertThat(record.recipient()).isEqualTo(id(bob));
        assertThat(record.state()).isEqualTo(DeliveryState.SENT);
        assertThat(record.kind()).isEqualTo("message");
        assertThat(record.expiresAtMs()).isEqualTo(deliver.expiresAtMillis());
        assertThat(audit("message.sent")).singleElement().satisfies(r -> {
            assertThat(r.actor()).isEqualTo(id(alice));
            assertThat(r.subject()).isEqualTo(id(bob));
            assertThat(r.detail()).isEqualTo("message " + sent.id() + " bytes=" + sent.bodyLength());
        });
    }

    @Test
    void expiresInAboveTheMaximumIsClampedToThirtyDays() {
        Envelope sent = sign(message(bob).expiresIn(90 * DAY), alice);
        PublishOutcome.Deliver deliver = delivered(publish(alice, bob, sent));
        assertThat(deliver.ttlSeconds()).isEqualTo(30 * DAY);
        assertThat(deliver.expiresAtMillis()).isEqualTo(sent.ts() + 30 * DAY * 1000);
        assertThat(deliver.envelope().expiresIn()).as("signed value untouched").isEqualTo(90 * DAY);
    }

    @Test
    void expiresInIsUsedAsSentBelowTheMaximum() {
        assertThat(delivered(send(alice, bob, message(bob).expiresIn(3600L))).ttlSeconds()).isEqualTo(3600);
        assertThat(delivered(send(alice, bob, message(bob).expiresIn(1L))).ttlSeconds()).isEqualTo(1);
    }

    @Test
    void operatorMaximumTtlClampsToo() {
        RelayConfig shortLived = new RelayConfig(REALM, dataDir, 120, 60, 300, PolicyMode.BLOCKLIST, 100, 100, false, 10);
        Envelope sent = sign(message(bob), alice);
        PublishOutcome.Deliver deliver = delivered(engineWith(shortLived).onPublish(alice.keyId(), LASTING, inboxOf(bob),
                sent.toJson()));
        assertThat(deliver.ttlSeconds()).isEqualTo(60);
    }

    @Test
    void timestampInThePastShortensTheRemainingTtl() {
        PublishOutcome.Deliver aged = delivered(send(alice, bob, message(bob).ts(now() - 1_000_000).expiresIn(3600L)));
        assertThat(aged.ttlSeconds()).isEqualTo(2600);
        assertThat(aged.expiresAtMillis()).isEqualTo(now() + 2_600_000);

        PublishOutcome.Deliver rounded = delivered(send(alice, bob, message(bob).ts(now() - 1500).expiresIn(10L)));
        assertThat(rounded.ttlSeconds()).as("8.5 s left, rounded up").isEqualTo(9);

        PublishOutcome.Deliver almostGone = delivered(send(alice, bob, message(bob).ts(now() - 9_999).expiresIn(10L)));
        assertThat(almostGone.ttlSeconds()).as("at least 1").isEqualTo(1);
    }

    @Test
    void otherKindsAreDeliveredToo() {
        Envelope original = deliver(bob, alice, message(alice));
        deliver(alice, bob, Envelope.builder(Kind.STREAM).to(bob.keyId()).inReplyTo(original.id()).seq(0)
                .ts(now()).body("chunk"));
        deliver(alice, bob, receiptFor(original, "read"));
        deliver(alice, alice, message(alice));
    }

    // ------------------------------------------------------------ refusals

    @Test
    void envelopeFromAnotherKeyIsSenderMismatch() {
        Envelope carols = sign(message(bob), carol);
        assertThat(refusal(publish(alice, bob, carols))).isEqualTo(ErrorCode.SENDER_MISMATCH);
        assertNotRecorded(carols);
    }

    @Test
    void tamperedEnvelopeIsBadSignature() {
        Envelope sent = sign(message(bob), alice);
        byte[] tamperedTs = replace(sent, "\"ts\":" + sent.ts(), "\"ts\":" + (sent.ts() + 1));
        byte[] tamperedBody = replace(sent, "\"body\":\"" + Base64Url.encode("hello".getBytes(StandardCharsets.UTF_8)),
                "\"body\":\"" + Base64Url.encode("HELLO".getBytes(StandardCharsets.UTF_8)));

        assertThat(refusal(engine.onPublish(alice.keyId(), LASTING, inboxOf(bob), tamperedTs))).isEqualTo(ErrorCode.BAD_SIGNATURE);
        assertThat(refusal(engine.onPublish(alice.keyId(), LASTING, inboxOf(bob), tamperedBody))).isEqualTo(ErrorCode.BAD_SIGNATURE);
        assertNotRecorded(sent);
        assertThat(delivered(publish(alice, bob, sent)).envelope()).as("the genuine one still goes").isEqualTo(sent);
    }

    @Test
    void envelopeForAnotherRecipientIsRecipientMismatch() {
        Envelope toBob = sign(message(bob), alice);
        assertThat(refusal(publish(alice, carol, toBob))).isEqualTo(ErrorCode.RECIPIENT_MISMATCH);
        assertNotRecorded(toBob);

        Envelope request = request(alice, SystemOp.RELAY_INFO, Map.of());
        assertThat(refusal(publish(alice, bob, request))).as("a request into an inbox")
                .isEqualTo(ErrorCode.RECIPIENT_MISMATCH);
        assertThat(refusal(engine.onPublish(alice.keyId(), LASTING, systemAddress(), toBob.toJson())))
                .as("a message to the system address").isEqualTo(ErrorCode.RECIPIENT_MISMATCH);
    }

    @Test
    void expiredEnvelopeIsRefused() {
        Envelope justExpired = sign(message(bob).ts(now() - 10_000).expiresIn(10L), alice);
        Envelope longExpired = sign(message(bob).ts(now() - 8 * DAY * 1000), alice);
        Envelope clampedExpired = sign(message(bob).ts(now() - 31 * DAY * 1000).expiresIn(90 * DAY), alice);

        assertThat(refusal(publish(alice, bob, justExpired))).as("now == expires_at").isEqualTo(ErrorCode.EXPIRED);
        assertThat(refusal(publish(alice, bob, longExpired))).as("default TTL passed").isEqualTo(ErrorCode.EXPIRED);
        assertThat(refusal(publish(alice, bob, clampedExpired))).as("expiry after the clamp").isEqualTo(ErrorCode.EXPIRED);
        assertNotRecorded(justExpired);
        assertNotRecorded(longExpired);
        assertNotRecorded(clampedExpired);
    }

    @Test
    void timestampTooFarInTheFutureIsBadTimestamp() {
        Envelope ahead = sign(message(bob).ts(now() + 300_001), alice);
        assertThat(refusal(publish(alice, bob, ahead))).isEqualTo(ErrorCode.BAD_TIMESTAMP);
        assertNotRecorded(ahead);
        assertThat(delivered(send(alice, bob, message(bob).ts(now() + 300_000))).ttlSeconds())
                .as("300 s of skew is allowed").isEqualTo(7 * DAY + 300);
    }

    @Test
    void malformedPayloadsAreRefusedWithTheirCodes() {
        Envelope sent = sign(message(bob).expiresIn(5L), alice);
        Map<String, ErrorCode> cases = Map.of(
                "not json", ErrorCode.MALFORMED,
                "{\"v\":1}", ErrorCode.MALFORMED,
                "[]", ErrorCode.MALFORMED,
                new String(replace(sent, "{\"v\":1,", "{\"v\":1,\"extra\":1,"), StandardCharsets.UTF_8), ErrorCode.MALFORMED,
                new String(replace(sent, "\"v\":1", "\"v\":2"), StandardCharsets.UTF_8), ErrorCode.UNSUPPORTED_VERSION,
                new String(replace(sent, "\"kind\":\"message\"", "\"kind\":\"gossip\""), StandardCharsets.UTF_8),
                ErrorCode.UNSUPPORTED_KIND,
                new String(replace(sent, "\"expires_in\":5", "\"expires_in\":0"), StandardCharsets.UTF_8), ErrorCode.BAD_TTL);
        cases.forEach((payload, code) -> assertThat(refusal(engine.onPublish(alice.keyId(), LASTING, inboxOf(bob),
                payload.getBytes(StandardCharsets.UTF_8)))).as(payload).isEqualTo(code));
        assertThat(refusal(engine.onPublish(alice.keyId(), LASTING, inboxOf(bob), new byte[0]))).isEqualTo(ErrorCode.MALFORMED);
        assertNotRecorded(sent);
        assertThat(audit()).extracting(AuditRecord::type).containsOnly("publish.refused");
    }

    @Test
    void oversizedPayloadOrBodyIsTooLarge() {
        byte[] huge = new byte[Envelope.MAX_ENVELOPE_BYTES + 1];
        Arrays.fill(huge, (byte) ' ');
        assertThat(refusal(engine.onPublish(alice.keyId(), LASTING, inboxOf(bob), huge))).isEqualTo(ErrorCode.TOO_LARGE);

        Envelope sent = sign(message(bob), alice);
        String bigBody = Base64Url.encode(new byte[Envelope.MAX_BODY_BYTES + 1]);
        byte[] bodyTooBig = replace(sent, "\"body\":\"" + Base64Url.encode("hello".getBytes(StandardCharsets.UTF_8)) + "\"",
                "\"body\":\"" + bigBody + "\"");
        assertThat(bodyTooBig.length).isLessThan(Envelope.MAX_ENVELOPE_BYTES);
        assertThat(refusal(engine.onPublish(alice.keyId(), LASTING, inboxOf(bob), bodyTooBig))).isEqualTo(ErrorCode.TOO_LARGE);
        assertNotRecorded(sent);

        Envelope maxBody = sign(message(bob).body(new byte[Envelope.MAX_BODY_BYTES]), alice);
        delivered(publish(alice, bob, maxBody));
    }

    @Test
    void responseOrErrorFromAClientIsForbidden() {
        Envelope original = deliver(bob, alice, message(alice));
        Envelope response = sign(Envelope.builder(Kind.RESPONSE).to(bob.keyId()).inReplyTo(original.id()).ts(now())
                .contentType("application/json").body("{\"op\":\"relay.info\",\"result\":{}}"), alice);
        Envelope error = sign(Envelope.builder(Kind.ERROR).to(bob.keyId()).inReplyTo(original.id()).ts(now())
                .contentType("application/json").body("{\"code\":\"internal\",\"message\":\"x\"}"), alice);

        assertThat(refusal(publish(alice, bob, response))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refusal(publish(alice, bob, error))).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refusal(publish(alice, alice, sign(Envelope.builder(Kind.ERROR).to(alice.keyId()).ts(now())
                .body("x"), alice)))).as("even into the own inbox").isEqualTo(ErrorCode.FORBIDDEN);
        assertNotRecorded(response);
        assertNotRecorded(error);
    }

    @Test
    void topicOutsideTheNamespaceIsForbiddenByDefault() {
        Envelope sent = sign(message(bob), alice);
        PublishOutcome.Reject reject = rejected(engine.onPublish(alice.keyId(), LASTING, Addressing.parseMqttTopic("home/kitchen/fan"),
                sent.toJson()));
        assertThat(reject.code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(reject.reasonString()).startsWith("forbidden: ").contains("home/kitchen/fan").contains("outside");
        assertNotRecorded(sent);
    }

    @Test
    void topicOutsideTheNamespacePassesWhenTheOperatorAllowsIt() {
        RelayEngine open = engineWith(config().withAllowOutsideNamespace(true));
        assertThat(open.onPublish(alice.keyId(), LASTING, Addressing.parseMqttTopic("home/kitchen/fan"), "on".getBytes()))
                .isInstanceOf(PublishOutcome.PassThrough.class);
        assertThat(open.onPublish(alice.keyId(), LASTING, Addressing.parseArtemisAddress("orders.eu"), "{}".getBytes()))
                .isInstanceOf(PublishOutcome.PassThrough.class);
        assertThat(refusal(open.onPublish(alice.keyId(), LASTING, Addressing.parseMqttTopic("relay/v1/other"), "x".getBytes())))
                .as("the reserved namespace stays closed").isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(audit()).isEmpty();
    }

    @Test
    void reservedOrInvalidAddressesAreForbidden() {
        Envelope sent = sign(message(bob), alice);
        for (String topic : new String[] {"relay/v1/other", "relay/v1/inbox/not-a-key", "relay/v1/inbox/",
                "relay/v1/sys/extra", "relay/v1/inbox/" + id(bob) + "/x"}) {
            PublishOutcome.Reject reject = rejected(engine.onPublish(alice.keyId(), LASTING, Addressing.parseMqttTopic(topic),
                    sent.toJson()));
            assertThat(reject.code()).as(topic).isEqualTo(ErrorCode.FORBIDDEN);
        }
        assertNotRecorded(sent);
    }

    @Test
    void artemisInboxAddressIsTheSameInbox() {
        Envelope sent = sign(message(bob), alice);
        PublishOutcome outcome = engine.onPublish(alice.keyId(), LASTING,
                Addressing.parseArtemisAddress("anycast://" + Addressing.artemisInbox(id(bob))), sent.toJson());
        assertThat(delivered(outcome).recipient()).isEqualTo(bob.keyId());
    }

    @Test
    void sameEnvelopeTwiceIsDuplicateAndRecordedOnce() {
        Envelope sent = sign(message(bob), alice);
        delivered(publish(alice, bob, sent));

        PublishOutcome again = publish(alice, bob, sent);
        assertThat(again).isInstanceOf(PublishOutcome.Duplicate.class);
        assertThat(((PublishOutcome.Duplicate) again).envelope()).isEqualTo(sent);

        Envelope sameIdOtherBody = sign(message(bob).id(sent.id()).body("other"), alice);
        assertThat(publish(alice, bob, sameIdOtherBody)).as("same (from, id)").isInstanceOf(PublishOutcome.Duplicate.class);
        assertThat(audit("message.sent")).hasSize(1);
        assertThat(store.message(id(alice), sent.id())).isPresent();

        Envelope sameIdOtherSender = sign(message(bob).id(sent.id()), carol);
        assertThat(publish(carol, bob, sameIdOtherSender)).as("ids are per sender")
                .isInstanceOf(PublishOutcome.Deliver.class);
    }

    @Test
    void aRepeatAfterARestartIsRoutedAgainUntilTheRelaySeesItDelivered() {
        Envelope sent = sign(message(bob), alice);
        delivered(publish(alice, bob, sent));
        clock.advanceSeconds(5);
        // The broker (and its relay) restarted: the broker may have died after the relay recorded the message.
        RelayEngine restarted = engineWith(config());
        PublishOutcome repeat = restarted.onPublish(alice.keyId(), LASTING, inboxOf(bob), sent.toJson());
        assertThat(delivered(repeat).envelope()).isEqualTo(sent);
        assertThat(audit("message.sent")).as("recorded once").hasSize(1);

        restarted.markDelivered(id(alice), sent.id());
        assertThat(restarted.onPublish(alice.keyId(), LASTING, inboxOf(bob), sent.toJson()))
                .as("handed to its recipient: a duplicate").isInstanceOf(PublishOutcome.Duplicate.class);

        Envelope signedAfterTheRestart = sign(message(bob), alice);
        delivered(restarted.onPublish(alice.keyId(), LASTING, inboxOf(bob), signedAfterTheRestart.toJson()));
        assertThat(restarted.onPublish(alice.keyId(), LASTING, inboxOf(bob), signedAfterTheRestart.toJson()))
                .as("within one run the broker has the first copy").isInstanceOf(PublishOutcome.Duplicate.class);
    }

    @Test
    void envelopeFromTheRelayKeyIsAdmittedWhateverThePolicy() {
        result(bob, SystemOp.POLICY_SET, Map.of("mode", "closed"));
        Envelope notice = sign(message(bob), relayKey);
        PublishOutcome outcome = engine.onPublish(relayKey.keyId(), LASTING, inboxOf(bob), notice.toJson());
        assertThat(delivered(outcome).envelope()).isEqualTo(notice);
        assertThat(refusal(send(alice, bob, message(bob)))).isEqualTo(ErrorCode.ACL_DENIED);
    }

    // ------------------------------------------------------------ rate limit

    @Test
    void fourthPublishWithinTheBurstIsRateLimitedUntilATokenRefills() {
        RelayEngine limited = engineWith(config().withRate(3, 3));
        for (int i = 0; i < 3; i++) {
            delivered(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), sign(message(bob), alice).toJson()));
        }
        Envelope fourth = sign(message(bob), alice);
        PublishOutcome.Reject reject = rejected(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), fourth.toJson()));
        assertThat(reject.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(reject.retryAfterSeconds()).isBetween(1L, 20L);
        assertThat(reject.reasonString()).startsWith("rate_limited: retry_after=" + reject.retryAfterSeconds());
        assertNotRecorded(fourth);

        Envelope request = request(alice, SystemOp.RELAY_INFO, Map.of());
        assertThat(refusal(limited.onPublish(alice.keyId(), LASTING, systemAddress(), request.toJson())))
                .as("requests take tokens from the same bucket").isEqualTo(ErrorCode.RATE_LIMITED);

        clock.advanceSeconds(19);
        assertThat(refusal(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), fourth.toJson()))).isEqualTo(ErrorCode.RATE_LIMITED);
        clock.advanceSeconds(20);
        delivered(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), sign(message(bob), alice).toJson()));
        assertThat(refusal(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), sign(message(bob), alice).toJson())))
                .as("only one token came back").isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void rateLimitIsPerIdentity() {
        RelayEngine limited = engineWith(config().withRate(3, 3));
        for (int i = 0; i < 3; i++) {
            delivered(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), sign(message(bob), alice).toJson()));
        }
        assertThat(refusal(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), sign(message(bob), alice).toJson())))
                .isEqualTo(ErrorCode.RATE_LIMITED);
        for (int i = 0; i < 3; i++) {
            delivered(limited.onPublish(bob.keyId(), LASTING, inboxOf(alice), sign(message(alice), bob).toJson()));
        }
        assertThat(refusal(limited.onPublish(bob.keyId(), LASTING, inboxOf(alice), sign(message(alice), bob).toJson())))
                .isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void everyPublishIntoTheNamespaceTakesAToken() {
        RelayEngine limited = engineWith(config().withRate(3, 3));
        assertThat(refusal(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), "junk".getBytes())))
                .isEqualTo(ErrorCode.MALFORMED);
        assertThat(refusal(limited.onPublish(alice.keyId(), LASTING, inboxOf(carol), sign(message(bob), alice).toJson())))
                .isEqualTo(ErrorCode.RECIPIENT_MISMATCH);
        delivered(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), sign(message(bob), alice).toJson()));
        assertThat(refusal(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), sign(message(bob), alice).toJson())))
                .isEqualTo(ErrorCode.RATE_LIMITED);
    }

    // ------------------------------------------------------------ error envelopes

    @Test
    void errorEnvelopeForAParseableRefusalNamesTheRefusedId() throws Exception {
        result(bob, SystemOp.POLICY_SET, Map.of("mode", "closed"));
        Envelope refused = sign(message(bob), carol);
        PublishOutcome.Reject reject = rejected(engine.onPublish(carol.keyId(), MQTT3, inboxOf(bob), refused.toJson()));
        assertThat(reject.code()).isEqualTo(ErrorCode.ACL_DENIED);
        assertThat(reject.envelopeId()).isEqualTo(refused.id());

        Envelope error = reject.notice().orElseThrow();
        assertThat(error.kind()).isEqualTo(Kind.ERROR);
        assertThat(error.verify()).isEqualTo(engine.relayKeyId());
        assertThat(error.to()).isEqualTo(id(carol));
        assertThat(error.inReplyTo()).isEqualTo(refused.id());
        assertThat(error.contentType()).isEqualTo("application/json");
        assertThat(error.ts()).isEqualTo(now());
        JsonNode body = body(error);
        assertThat(fieldNames(body)).containsExactlyInAnyOrder("code", "message");
        assertThat(body.get("code").asText()).isEqualTo("acl_denied");
        assertThat(body.get("message").asText()).isEqualTo(reject.error().getMessage());
        assertThat(Envelope.parse(error.toJson())).as("the error envelope parses").isEqualTo(error);
    }

    @Test
    void errorEnvelopeForABadSignatureStillPointsAtTheId() throws Exception {
        Envelope sent = sign(message(bob), alice);
        byte[] tampered = replace(sent, "\"ts\":" + sent.ts(), "\"ts\":" + (sent.ts() + 1));
        PublishOutcome.Reject reject = rejected(engine.onPublish(alice.keyId(), MQTT3, inboxOf(bob), tampered));
        Envelope error = reject.notice().orElseThrow();
        assertThat(error.inReplyTo()).isEqualTo(sent.id());
        assertThat(body(error).get("code").asText()).isEqualTo("bad_signature");
        assertThat(error.verify()).isEqualTo(engine.relayKeyId());
    }

    @Test
    void errorEnvelopeForAParseStageRefusalNamesTheIdWhenItIsReadable() throws Exception {
        Envelope sent = sign(message(bob).expiresIn(3600L), alice);
        String ttl = "\"expires_in\":3600";
        Map<String, byte[]> refused = new java.util.LinkedHashMap<>();
        refused.put("bad_ttl", replace(sent, ttl, "\"expires_in\":0"));
        refused.put("malformed", replace(sent, ttl, ttl + ",\"admin\":true"));
        refused.put("unsupported_version", replace(sent, "\"v\":1", "\"v\":2"));
        refused.put("unsupported_kind", replace(sent, "\"kind\":\"message\"", "\"kind\":\"telepathy\""));
        refused.put("too_large", replace(sent, "\"body\":\"", "\"body\":\""
                + Base64Url.encode(new byte[Envelope.MAX_BODY_BYTES + 3])));
        for (Map.Entry<String, byte[]> payload : refused.entrySet()) {
            PublishOutcome.Reject reject = rejected(engine.onPublish(alice.keyId(), MQTT3, inboxOf(bob), payload.getValue()));
            assertThat(reject.code().code()).isEqualTo(payload.getKey());
            Envelope error = reject.notice().orElseThrow();
            assertThat(error.inReplyTo()).as("SPEC §3.5.6: %s", payload.getKey()).isEqualTo(sent.id());
        }
    }

    @Test
    void errorEnvelopeLeavesOutAnIdThatIsNotReadable() throws Exception {
        Envelope sent = sign(message(bob), alice);
        String id = "\"id\":\"" + sent.id() + "\"";
        for (byte[] payload : new byte[][] {
                replace(sent, id, "\"id\":\"" + sent.id().substring(1) + "\""),   // not a message id
                replace(sent, id, "\"id\":7"),                                     // not a string
                replace(sent, id, id + "," + id),                                   // duplicate member
                replace(sent, "\"v\":1", "\"v\":\"\\ud800\""),                       // unpaired surrogate
                Arrays.copyOf(sent.toJson(), sent.toJson().length - 1)}) {        // not a whole JSON object
            PublishOutcome.Reject reject = rejected(engine.onPublish(alice.keyId(), MQTT3, inboxOf(bob), payload));
            assertThat(reject.notice().orElseThrow().inReplyTo())
                    .as(new String(payload, StandardCharsets.UTF_8)).isNull();
        }
        byte[] oversized = (sent.toJsonString() + " ".repeat(Envelope.MAX_ENVELOPE_BYTES)).getBytes(StandardCharsets.UTF_8);
        PublishOutcome.Reject tooLarge = rejected(engine.onPublish(alice.keyId(), MQTT3, inboxOf(bob), oversized));
        assertThat(tooLarge.envelopeId()).as("not parsed at all").isNull();
        assertThat(tooLarge.notice().orElseThrow().inReplyTo()).as("not parsed at all").isNull();
    }

    @Test
    void errorEnvelopeForGarbageHasNoInReplyTo() throws Exception {
        byte[] garbage = "\u0000\u00ffnot an envelope".getBytes(StandardCharsets.ISO_8859_1);
        PublishOutcome.Reject reject = rejected(engine.onPublish(alice.keyId(), MQTT3, inboxOf(bob), garbage));
        Envelope error = reject.notice().orElseThrow();
        assertThat(error.inReplyTo()).isNull();
        assertThat(error.kind()).isEqualTo(Kind.ERROR);
        assertThat(error.verify()).isEqualTo(engine.relayKeyId());
        assertThat(error.to()).isEqualTo(id(alice));
        JsonNode body = body(error);
        assertThat(fieldNames(body)).containsExactlyInAnyOrder("code", "message");
        assertThat(body.get("code").asText()).isEqualTo("malformed");

        Envelope forNull = engine.refuse(alice.keyId(), MQTT3, null,
                new RelayException(ErrorCode.TOO_LARGE, "too big")).notice().orElseThrow();
        assertThat(forNull.inReplyTo()).isNull();
        assertThat(body(forNull).get("message").asText()).isEqualTo("too big");
    }

    @Test
    void rateLimitedErrorEnvelopeCarriesRetryAfter() throws Exception {
        RelayEngine limited = engineWith(config().withRate(1, 1));
        delivered(limited.onPublish(alice.keyId(), LASTING, inboxOf(bob), sign(message(bob), alice).toJson()));
        Envelope second = sign(message(bob), alice);
        PublishOutcome.Reject reject = rejected(limited.onPublish(alice.keyId(), MQTT3, inboxOf(bob), second.toJson()));
        assertThat(reject.retryAfterSeconds()).isEqualTo(60);

        Envelope error = reject.notice().orElseThrow();
        JsonNode body = body(error);
        assertThat(body.get("code").asText()).isEqualTo("rate_limited");
        assertThat(body.get("message").asText()).startsWith("retry_after=60");
        assertThat(body.path("retry_after").isIntegralNumber()).as("SPEC §3.5.6 retry_after member: %s", body).isTrue();
        assertThat(body.get("retry_after").asLong()).isEqualTo(reject.retryAfterSeconds());
        assertThat(error.inReplyTo()).as("a rate-limited payload is not examined (SPEC §9)").isNull();
    }

    @Test
    void aNoticeGoesOutOnlyWhereTheTransportCannotCarryTheCode() {
        result(bob, SystemOp.POLICY_SET, Map.of("mode", "closed"));
        Map<PublishFacts, Boolean> notices = new java.util.LinkedHashMap<>();
        notices.put(MQTT3, true);
        notices.put(new PublishFacts(ConnectFacts.Transport.MQTT3, 0, false, null), true);
        notices.put(new PublishFacts(ConnectFacts.Transport.MQTT5, 0, false, null), true);
        notices.put(LASTING, false);
        notices.put(new PublishFacts(ConnectFacts.Transport.MQTT5, 2, false, "carol.once"), false);
        notices.put(PublishFacts.of(ConnectFacts.Transport.AMQP), false);
        notices.put(PublishFacts.of(ConnectFacts.Transport.STOMP), false);
        notices.put(PublishFacts.of(ConnectFacts.Transport.CORE), false);
        notices.forEach((facts, notice) -> {
            Envelope refused = sign(message(bob), carol);
            PublishOutcome.Reject reject = rejected(engine.onPublish(carol.keyId(), facts, inboxOf(bob), refused.toJson()));
            assertThat(reject.code()).isEqualTo(ErrorCode.ACL_DENIED);
            assertThat(reject.envelopeId()).as("%s", facts).isEqualTo(refused.id());
            assertThat(reject.notice().isPresent()).as("notice for %s", facts).isEqualTo(notice);
        });
    }

    @Test
    void rateLimitedNoticesGoOutOncePerSessionAndRetryWindow() throws Exception {
        RelayEngine limited = engineWith(config().withRate(1, 1));
        delivered(limited.onPublish(alice.keyId(), MQTT3, inboxOf(bob), sign(message(bob), alice).toJson()));
        PublishOutcome.Reject first = rejected(limited.onPublish(alice.keyId(), MQTT3, inboxOf(bob),
                sign(message(bob), alice).toJson()));
        assertThat(first.retryAfterSeconds()).isEqualTo(60);
        assertThat(body(first.notice().orElseThrow()).get("retry_after").asLong()).isEqualTo(60);
        clock.advanceSeconds(30);
        PublishOutcome.Reject within = rejected(limited.onPublish(alice.keyId(), MQTT3, inboxOf(bob),
                sign(message(bob), alice).toJson()));
        assertThat(within.code()).isEqualTo(ErrorCode.RATE_LIMITED);
        assertThat(within.retryAfterSeconds()).isEqualTo(30);
        assertThat(within.notice()).as("a second notice within the window").isEmpty();

        delivered(limited.onPublish(bob.keyId(), MQTT3, inboxOf(alice), sign(message(alice), bob).toJson()));
        assertThat(rejected(limited.onPublish(bob.keyId(), MQTT3, inboxOf(alice), sign(message(alice), bob).toJson()))
                .notice()).as("another identity has its own window").isPresent();

        clock.advanceSeconds(31);
        delivered(limited.onPublish(alice.keyId(), MQTT3, inboxOf(bob), sign(message(bob), alice).toJson()));
        assertThat(rejected(limited.onPublish(alice.keyId(), MQTT3, inboxOf(bob), sign(message(bob), alice).toJson()))
                .notice()).as("the next window").isPresent();
    }

    @Test
    void eachSessionOfAnIdentityGetsItsOwnRateLimitedNotice() throws Exception {
        RelayEngine limited = engineWith(config().withRate(1, 1));
        PublishFacts device = new PublishFacts(ConnectFacts.Transport.MQTT3, 1, false, null, "alice.device");
        PublishFacts script = new PublishFacts(ConnectFacts.Transport.MQTT3, 1, false, null, "alice.script");
        delivered(limited.onPublish(alice.keyId(), device, inboxOf(bob), sign(message(bob), alice).toJson()));
        assertThat(rejected(limited.onPublish(alice.keyId(), device, inboxOf(bob), sign(message(bob), alice).toJson()))
                .notice()).isPresent();

        // The notice went to the device's session only; the script's publish is dropped too and must be told.
        assertThat(rejected(limited.onPublish(alice.keyId(), script, inboxOf(bob), sign(message(bob), alice).toJson()))
                .notice()).as("another session of the identity, same window").isPresent();
        assertThat(rejected(limited.onPublish(alice.keyId(), script, inboxOf(bob), sign(message(bob), alice).toJson()))
                .notice()).as("that session again within its window").isEmpty();
    }

    // ------------------------------------------------------------ retain, will and TTL at delivery

    @Test
    void aRetainedPublishIntoTheNamespaceIsForbiddenAndNotRecorded() {
        Envelope sent = sign(message(bob), alice);
        PublishFacts retained = new PublishFacts(ConnectFacts.Transport.MQTT3, 1, true, null);
        PublishOutcome.Reject reject = rejected(engine.onPublish(alice.keyId(), retained, inboxOf(bob), sent.toJson()));
        assertThat(reject.code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(reject.reasonString()).contains("retain flag");
        assertThat(reject.notice().orElseThrow().inReplyTo()).isEqualTo(sent.id());
        assertNotRecorded(sent);
        assertThat(refusal(engine.onPublish(alice.keyId(), new PublishFacts(ConnectFacts.Transport.MQTT5, 0, true,
                null), systemAddress(), request(alice, SystemOp.RELAY_INFO, Map.of()).toJson())))
                .isEqualTo(ErrorCode.FORBIDDEN);

        RelayEngine open = engineWith(config().withAllowOutsideNamespace(true));
        assertThat(open.onPublish(alice.keyId(), retained, Addressing.parseMqttTopic("home/kitchen/fan"), "on".getBytes()))
                .as("outside the namespace the broker's rules apply").isInstanceOf(PublishOutcome.PassThrough.class);
    }

    @Test
    void aWillIntoTheNamespaceIsForbidden() throws Exception {
        for (String topic : new String[] {Addressing.mqttInbox(id(bob)), Addressing.MQTT_SYSTEM_TOPIC, "relay/v1/x"}) {
            RelayException refused = catchThrowableOfType(
                    () -> engine.admitWill(Addressing.parseMqttTopic(topic)), RelayException.class);
            assertThat(refused).as(topic).isNotNull();
            assertThat(refused.code()).isEqualTo(ErrorCode.FORBIDDEN);
            assertThat(refused.getMessage()).contains("will");
        }
        engine.admitWill(Addressing.parseMqttTopic("home/alive"));
        engine.admitWill(null);
    }

    @Test
    void anEnvelopeIsNeverDeliveredAtOrAfterItsExpiry() {
        Envelope sent = sign(message(bob).expiresIn(10L), alice);
        long expiresAt = sent.ts() + 10_000;
        assertThat(engine.ttlLeftSeconds(sent)).isEqualTo(10);
        clock.advanceSeconds(9);
        clock.advance(java.time.Duration.ofMillis(1));
        assertThat(engine.ttlLeftSeconds(expiresAt)).as("a part second left counts as one").isEqualTo(1);
        clock.advance(java.time.Duration.ofMillis(999));
        assertThat(engine.ttlLeftSeconds(expiresAt)).isZero();
        clock.advanceSeconds(1);
        assertThat(engine.ttlLeftSeconds(sent)).isZero();
    }

    @Test
    void refusalsAreAuditedWithCodeAndSizeOnlyOnceTheyCostARateToken() {
        send(alice, bob, message(bob).ts(now() + 400_000));
        send(alice, carol, message(bob));
        engine.onPublish(alice.keyId(), LASTING, Addressing.parseMqttTopic("x/y"), new byte[] {1});
        assertThat(audit()).extracting(AuditRecord::type).containsExactly("publish.refused", "publish.refused");
        assertThat(audit()).extracting(AuditRecord::detail).allSatisfy(detail -> assertThat(detail).matches(
                "(bad_timestamp|recipient_mismatch) bytes=\\d+"));
        assertThat(audit()).extracting(AuditRecord::actor).containsOnly(id(alice));
        assertThat(store.verifyAuditChain().intact()).isTrue();
    }

    @Test
    void threadedMessagesKeepTheirEnvelope() {
        String thread = MessageId.generate(now());
        Envelope threaded = deliver(alice, bob, message(bob).threadId(thread));
        Envelope plain = deliver(alice, bob, message(bob));
        assertThat(store.message(id(alice), threaded.id()).orElseThrow().envelope()).isEqualTo(threaded.toJson());
        assertThat(store.message(id(alice), plain.id()).orElseThrow().envelope()).isNull();
        assertThat(audit("message.sent")).extracting(AuditRecord::detail)
                .containsExactly("message " + threaded.id() + " bytes=5", "message " + plain.id() + " bytes=5");
    }
}
