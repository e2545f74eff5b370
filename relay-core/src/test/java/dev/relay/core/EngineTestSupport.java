package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relay.store.AuditRecord;
import dev.relay.store.RelayStore;
import dev.relay.store.StoreException;
import dev.relay.store.sqlite.SqliteRelayStore;
import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real engine over a real SQLite store in a temp folder, a hand-moved clock and a few identities. The clock starts
 * at the current second so that envelopes built by protocol helpers with the system time are accepted too.
 */
abstract class EngineTestSupport {
    /** An acknowledged MQTT 5 publish from a lasting session: the transport carries the refusal code. */
    static final PublishFacts LASTING = PublishFacts.of(ConnectFacts.Transport.MQTT5);
    /** An MQTT 3.1.1 publish: a refusal needs an error notice. */
    static final PublishFacts MQTT3 = PublishFacts.of(ConnectFacts.Transport.MQTT3);
    static final String REALM = "test-realm";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    MutableClock clock;
    SqliteRelayStore store;
    RelayKeyPair relayKey;
    RelayEngine engine;

    final RelayKeyPair alice = RelayKeyPair.generate();
    final RelayKeyPair bob = RelayKeyPair.generate();
    final RelayKeyPair carol = RelayKeyPair.generate();
    final RelayKeyPair dave = RelayKeyPair.generate();

    /** The engine's settings; the rate limit is raised so that only the rate tests meet it. */
    RelayConfig config() {
        return RelayConfig.defaults(REALM, dataDir).withRate(10_000, 10_000);
    }

    @BeforeEach
    void startEngine() {
        clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        store = SqliteRelayStore.open(dataDir.resolve("relay.db"));
        relayKey = RelayKeyPair.generate();
        engine = RelayEngine.create(config(), store, relayKey, clock);
    }

    @AfterEach
    void stopEngine() {
        engine.close();
    }

    /**
     * The real store, except that {@code method} fails as a broken disk would: fault injection for the paths where the
     * engine must turn a store fault into a clear answer.
     */
    RelayStore storeFailingOn(String method) {
        return (RelayStore) Proxy.newProxyInstance(RelayStore.class.getClassLoader(), new Class<?>[] {RelayStore.class},
                (proxy, called, args) -> {
                    if (called.getName().equals(method)) {
                        throw new StoreException("disk on fire (test)", null);
                    }
                    try {
                        return called.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A second engine over the same store, key and clock with other settings (not closed separately). */
    RelayEngine engineWith(RelayConfig config) {
        return RelayEngine.create(config, store, relayKey, clock);
    }

    long now() {
        return clock.millis();
    }

    static String id(RelayKeyPair key) {
        return key.keyId().toString();
    }

    // ------------------------------------------------------------ envelopes

    Envelope.Builder message(RelayKeyPair to) {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).ts(now()).contentType("text/plain").body("hello");
    }

    Envelope.Builder receiptFor(Envelope received, String status) {
        return Envelope.builder(Kind.RECEIPT).to(received.from()).inReplyTo(received.id())
                .threadId(received.threadId()).ts(now()).contentType(JsonBodies.CONTENT_TYPE)
                .body(JsonBodies.receipt(received, status));
    }

    static Envelope sign(Envelope.Builder builder, RelayKeyPair key) {
        try {
            return builder.sign(key);
        } catch (RelayException e) {
            throw new AssertionError("test built an invalid envelope: " + e.reasonString(), e);
        }
    }

    static Address inboxOf(RelayKeyPair key) {
        return Addressing.parseMqttTopic(Addressing.mqttInbox(id(key)));
    }

    static Address systemAddress() {
        return Addressing.parseMqttTopic(Addressing.MQTT_SYSTEM_TOPIC);
    }

    /** {@code publisher}'s connection publishes {@code envelope} into {@code inbox}'s inbox topic. */
    PublishOutcome publish(RelayKeyPair publisher, RelayKeyPair inbox, Envelope envelope) {
        return engine.onPublish(publisher.keyId(), LASTING, inboxOf(inbox), envelope.toJson());
    }

    /** Signs as {@code from} and publishes into the inbox named by the envelope's {@code to}. */
    PublishOutcome send(RelayKeyPair from, RelayKeyPair to, Envelope.Builder builder) {
        return publish(from, to, sign(builder, from));
    }

    /** Sends and asserts that the relay lets it through; returns the envelope. */
    Envelope deliver(RelayKeyPair from, RelayKeyPair to, Envelope.Builder builder) {
        Envelope envelope = sign(builder, from);
        PublishOutcome outcome = publish(from, to, envelope);
        assertThat(outcome).as("outcome of %s", envelope).isInstanceOf(PublishOutcome.Deliver.class);
        return envelope;
    }

    static PublishOutcome.Deliver delivered(PublishOutcome outcome) {
        assertThat(outcome).isInstanceOf(PublishOutcome.Deliver.class);
        return (PublishOutcome.Deliver) outcome;
    }

    static PublishOutcome.Reject rejected(PublishOutcome outcome) {
        assertThat(outcome).isInstanceOf(PublishOutcome.Reject.class);
        return (PublishOutcome.Reject) outcome;
    }

    static ErrorCode refusal(PublishOutcome outcome) {
        return rejected(outcome).code();
    }

    /** The code of the RelayException the call throws (fails if it throws nothing). */
    static ErrorCode failureCode(ThrowingCallable call) {
        RelayException e = catchThrowableOfType(RelayException.class, call);
        assertThat(e).as("expected a RelayException").isNotNull();
        return e.code();
    }

    /** The refused envelope left no trace: no message record and no message.sent audit record. */
    void assertNotRecorded(Envelope envelope) {
        assertThat(store.message(envelope.from(), envelope.id())).as("record of refused %s", envelope).isEmpty();
        assertThat(audit("message.sent")).extracting(AuditRecord::detail)
                .noneMatch(detail -> detail.endsWith(" " + envelope.id()));
    }

    // ------------------------------------------------------------ system requests

    Envelope request(RelayKeyPair requester, SystemOp op, Map<String, ?> args) {
        return sign(Envelope.builder(Kind.REQUEST).to(Envelope.SYSTEM_RECIPIENT).ts(now())
                .contentType(JsonBodies.CONTENT_TYPE).body(SystemRequest.body(op, args)), requester);
    }

    /**
     * Publishes a request to the system address and checks the reply's framing: a Reply for the requester, signed by
     * the relay key, into the requester's inbox, in_reply_to = request id, a response or an error.
     */
    Envelope ask(RelayKeyPair requester, Envelope request) {
        PublishOutcome outcome = engine.onPublish(requester.keyId(), LASTING, systemAddress(), request.toJson());
        assertThat(outcome).as("outcome of %s", request).isInstanceOf(PublishOutcome.Reply.class);
        PublishOutcome.Reply reply = (PublishOutcome.Reply) outcome;
        assertThat(reply.requester()).isEqualTo(requester.keyId());
        Envelope answer = reply.reply();
        try {
            assertThat(answer.verify()).as("signer of the reply").isEqualTo(engine.relayKeyId());
        } catch (RelayException e) {
            throw new AssertionError("reply does not verify: " + e.reasonString(), e);
        }
        assertThat(answer.from()).isEqualTo(id(relayKey));
        assertThat(answer.to()).isEqualTo(id(requester));
        assertThat(answer.inReplyTo()).isEqualTo(request.id());
        assertThat(answer.kind()).isIn(Kind.RESPONSE, Kind.ERROR);
        assertThat(answer.contentType()).isEqualTo(JsonBodies.CONTENT_TYPE);
        return answer;
    }

    Envelope ask(RelayKeyPair requester, SystemOp op, Map<String, ?> args) {
        return ask(requester, request(requester, op, args));
    }

    /** The result of a request that must succeed. */
    JsonNode result(RelayKeyPair requester, SystemOp op, Map<String, ?> args) {
        Envelope answer = ask(requester, op, args);
        JsonNode body = body(answer);
        assertThat(answer.kind()).as("reply to %s: %s", op.wireName(), body).isEqualTo(Kind.RESPONSE);
        assertThat(body.get("op").asText()).isEqualTo(op.wireName());
        return body.get("result");
    }

    /** The error code of a request that must fail; checks the error body shape. */
    String errorCode(RelayKeyPair requester, Envelope request) {
        Envelope answer = ask(requester, request);
        JsonNode body = body(answer);
        assertThat(answer.kind()).as("reply: %s", body).isEqualTo(Kind.ERROR);
        assertThat(fieldNames(body)).containsExactlyInAnyOrder("code", "message");
        assertThat(body.get("message").asText()).isNotBlank();
        return body.get("code").asText();
    }

    String errorCode(RelayKeyPair requester, SystemOp op, Map<String, ?> args) {
        return errorCode(requester, request(requester, op, args));
    }

    static JsonNode body(Envelope envelope) {
        try {
            return JSON.readTree(envelope.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(item -> out.add(item.asText()));
        return out;
    }

    /** An envelope given as a JSON object in an answer, parsed strictly and signature-checked. */
    static Envelope envelopeIn(JsonNode node) {
        assertThat(node.isObject()).as("envelope given as a JSON object: %s", node).isTrue();
        try {
            Envelope envelope = Envelope.parse(JSON.writeValueAsBytes(node));
            envelope.verify();
            return envelope;
        } catch (RelayException | IOException e) {
            throw new AssertionError("not a valid signed envelope: " + node, e);
        }
    }

    // ------------------------------------------------------------ audit

    List<AuditRecord> audit() {
        return store.audit(1, 100_000);
    }

    List<AuditRecord> audit(String type) {
        return audit().stream().filter(r -> r.type().equals(type)).toList();
    }
}
