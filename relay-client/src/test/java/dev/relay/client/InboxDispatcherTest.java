package dev.relay.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Json;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.Kind;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The client-side checks of SPEC §3.8 and the relay-key trust, without a connection. */
class InboxDispatcherTest {
    private static final RelayKeyPair ME = RelayKeyPair.generate();
    private static final RelayKeyPair FRIEND = RelayKeyPair.generate();
    private static final RelayKeyPair RELAY = RelayKeyPair.generate();
    private static final RelayKeyPair IMPOSTOR = RelayKeyPair.generate();

    private final PendingRequests requests = new PendingRequests();
    private long now = System.currentTimeMillis();

    @Test
    void acceptsAVerifiedMessage() throws Exception {
        Envelope message = Envelope.builder(Kind.MESSAGE).to(ME.keyId()).body("hi").sign(FRIEND);

        assertThat(dispatcher(new RelayKeyTrust(null)).verify(message.toJson())).isEqualTo(message);
    }

    @Test
    void refusesWhatFailsSection38() throws Exception {
        InboxDispatcher dispatcher = dispatcher(new RelayKeyTrust(RELAY.keyId()));
        Envelope forSomeoneElse = Envelope.builder(Kind.MESSAGE).to(FRIEND.keyId()).body("hi").sign(IMPOSTOR);
        String tampered = Envelope.builder(Kind.MESSAGE).to(ME.keyId()).body("hi").sign(FRIEND).toJsonString()
                .replace("\"body\":\"aGk\"", "\"body\":\"aGo\"");
        Envelope old = Envelope.builder(Kind.MESSAGE).to(ME.keyId()).ts(now - 3_601_000).expiresIn(3600L).body("")
                .sign(FRIEND);
        Envelope fakeResponse = response(IMPOSTOR, MessageId.generate());

        assertCode(dispatcher, "{\"v\":1,\"extra\":1}", ErrorCode.MALFORMED);
        assertCode(dispatcher, forSomeoneElse.toJsonString(), ErrorCode.RECIPIENT_MISMATCH);
        assertCode(dispatcher, tampered, ErrorCode.BAD_SIGNATURE);
        assertCode(dispatcher, old.toJsonString(), ErrorCode.EXPIRED);
        assertCode(dispatcher, fakeResponse.toJsonString(), ErrorCode.BAD_SIGNATURE);
    }

    @Test
    void aDiscardIsAcknowledgedEvenWhenTheDiscardListenerThrows() {
        InboxDispatcher dispatcher = dispatcher(new RelayKeyTrust(RELAY.keyId()));
        List<String> reported = new ArrayList<>();
        dispatcher.onDiscard(reason -> {
            reported.add(reason);
            throw new IllegalStateException("a bug in the application's listener");
        });
        AtomicInteger acks = new AtomicInteger();

        dispatcher.onDelivery("not json".getBytes(UTF_8), acks::incrementAndGet);

        assertThat(reported).singleElement().asString().startsWith("malformed: ");
        assertThat(acks).hasValue(1);
    }

    @Test
    void learnsTheRelayKeyFromTheFirstRelayInfoAnswerOnly() throws Exception {
        RelayKeyTrust trust = new RelayKeyTrust(null);
        InboxDispatcher dispatcher = dispatcher(trust);
        Envelope request = SystemRequest.envelope(ME, SystemOp.RELAY_INFO, Map.of());
        Envelope otherRequest = SystemRequest.envelope(ME, SystemOp.POLICY_GET, Map.of());
        CompletableFuture<JsonNode> info = requests.register(request, SystemOp.RELAY_INFO, Duration.ofSeconds(5));
        requests.register(otherRequest, SystemOp.POLICY_GET, Duration.ofSeconds(5));

        // Before the key is known, only the relay.info answer is believed, and only if it names its own signer.
        assertCode(dispatcher, response(RELAY, otherRequest.id()).toJsonString(), ErrorCode.BAD_SIGNATURE);
        assertCode(dispatcher, relayInfoAnswer(IMPOSTOR, request.id(), RELAY).toJsonString(), ErrorCode.BAD_SIGNATURE);
        Envelope answer = relayInfoAnswer(RELAY, request.id(), RELAY);
        assertThat(requests.complete(dispatcher.verify(answer.toJson()))).isTrue();

        assertThat(trust.relayKey()).isEqualTo(RELAY.keyId());
        assertThat(info.get().get("relay_key").asText()).isEqualTo(RELAY.keyId().toString());
        assertThat(dispatcher.verify(response(RELAY, otherRequest.id()).toJson())).isNotNull();
        assertCode(dispatcher, response(IMPOSTOR, otherRequest.id()).toJsonString(), ErrorCode.BAD_SIGNATURE);
    }

    @Test
    void errorEnvelopesFailTheirRequestWithTheirCode() throws Exception {
        Envelope request = SystemRequest.envelope(ME, SystemOp.PROFILE_GET, Map.of());
        CompletableFuture<JsonNode> answer = requests.register(request, SystemOp.PROFILE_GET, Duration.ofSeconds(5));
        Envelope error = Envelope.builder(Kind.ERROR).to(ME.keyId()).inReplyTo(request.id())
                .contentType(JsonBodies.CONTENT_TYPE).body(JsonBodies.rateLimited("slow down", 7)).sign(RELAY);

        assertThat(requests.complete(error)).isTrue();

        assertThatThrownBy(answer::get).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(RelayClientException.class, e -> {
                    assertThat(e.code()).isEqualTo("rate_limited");
                    assertThat(e.retryAfterSeconds()).hasValue(7);
                });
        assertThat(requests.complete(error)).isFalse(); // answered already
    }

    @Test
    void requestsTimeOut() {
        Envelope request;
        try {
            request = SystemRequest.envelope(ME, SystemOp.RELAY_INFO, Map.of());
        } catch (RelayException e) {
            throw new AssertionError(e);
        }
        CompletableFuture<JsonNode> answer = requests.register(request, SystemOp.RELAY_INFO, Duration.ofMillis(10));

        assertThatThrownBy(answer::get).cause().isInstanceOfSatisfying(RelayClientException.class,
                e -> assertThat(e.code()).isEqualTo(RelayClientException.TIMEOUT));
    }

    private InboxDispatcher dispatcher(RelayKeyTrust trust) {
        return new InboxDispatcher(ME.keyId(), trust, requests, new PendingReceipts(), null, Executors.newSingleThreadExecutor(),
                envelope -> null, () -> now);
    }

    private static Envelope response(RelayKeyPair signer, String requestId) throws RelayException {
        return Envelope.builder(Kind.RESPONSE).to(ME.keyId()).inReplyTo(requestId).contentType(JsonBodies.CONTENT_TYPE)
                .body(JsonBodies.response(SystemOp.POLICY_GET, Json.MAPPER.createObjectNode())).sign(signer);
    }

    private static Envelope relayInfoAnswer(RelayKeyPair signer, String requestId, RelayKeyPair announced)
            throws RelayException {
        JsonNode result = Json.MAPPER.createObjectNode().put("relay_key", announced.keyId().toString());
        return Envelope.builder(Kind.RESPONSE).to(ME.keyId()).inReplyTo(requestId).contentType(JsonBodies.CONTENT_TYPE)
                .body(JsonBodies.response(SystemOp.RELAY_INFO, result)).sign(signer);
    }

    private static void assertCode(InboxDispatcher dispatcher, String json, ErrorCode code) {
        assertThatThrownBy(() -> dispatcher.verify(json.getBytes(UTF_8)))
                .isInstanceOfSatisfying(RelayException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }
}
