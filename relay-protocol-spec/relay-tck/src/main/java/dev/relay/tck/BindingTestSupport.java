package dev.relay.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import dev.relay.tck.RelayBinding.Client;
import dev.relay.tck.RelayBinding.ConnectRefusedException;
import dev.relay.tck.RelayBinding.Sent;
import java.time.Duration;
import java.util.Map;

/**
 * What the kit's suites ({@link ConformanceSuite}, {@link AttackSuite}) share: the binding under test and helpers that
 * work the same over every transport. A binding's own tests may use them too.
 */
public abstract class BindingTestSupport {
    /** How long a message may take to arrive; a refusal's absence is proved by a later control message instead. */
    protected static final Duration ARRIVAL = Duration.ofSeconds(10);

    /** The binding under test. */
    protected abstract RelayBinding binding();

    /** Connects and subscribes to the own inbox. */
    protected Client online(RelayKeyPair identity) throws Exception {
        return online(binding(), identity);
    }

    /** Connects through {@code binding} and subscribes to the own inbox. */
    protected static Client online(RelayBinding binding, RelayKeyPair identity) throws Exception {
        Client client = binding.connect(identity);
        try {
            client.subscribeOwnInbox();
        } catch (Exception | Error e) {
            client.close();
            throw e;
        }
        return client;
    }

    protected static Envelope message(RelayKeyPair from, RelayKeyPair to, String text) throws RelayException {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from);
    }

    protected static byte[] arrival(Client client) throws Exception {
        byte[] payload = client.receive(ARRIVAL);
        if (payload == null) {
            fail("nothing arrived within " + ARRIVAL);
        }
        return payload;
    }

    protected static void assertAccepted(Sent sent) {
        assertThat(sent.refused()).as("refused: %s", sent.reasonString()).isFalse();
    }

    /**
     * The publish was refused with {@code code}: in the transport's answer (reason string {@code "<code>: ..."}), or,
     * on transports without one (or with a negative acknowledgement that carries no text, like Artemis' MQTT 5
     * PUBACK), as an error envelope from the relay in the sender's inbox (SPEC §10.2).
     */
    protected static void assertRefused(Client sender, Sent sent, String code) throws Exception {
        refusal(sender, sent, code);
    }

    /**
     * As {@link #assertRefused}; when the refusal came as an error envelope, that envelope also names the refused one
     * in {@code in_reply_to} (SPEC §3.5.6: whenever its id is readable, parse-stage refusals included).
     */
    protected static void assertRefusedNaming(Client sender, Sent sent, String code, String refusedId) throws Exception {
        Envelope error = refusal(sender, sent, code);
        if (error != null) {
            assertThat(error.inReplyTo()).as("in_reply_to of the error envelope for %s", code).isEqualTo(refusedId);
        }
    }

    /** Checks the refusal's code; returns the error envelope it came in, or null if the transport answer said it. */
    private static Envelope refusal(Client sender, Sent sent, String code) throws Exception {
        if (sent.refused() && sent.reasonString() != null) {
            assertThat(sent.reasonString()).startsWith(code + ":");
            return null;
        }
        Envelope error = Envelope.parse(arrival(sender));
        assertThat(error.kind()).as("expected an error envelope for %s", code).isEqualTo(Kind.ERROR);
        error.verify();
        assertThat(Json.readObject(error.body(), "error body").get("code").asText()).isEqualTo(code);
        return error;
    }

    /**
     * Connecting with these credentials is refused, with {@code code} in the transport's reason text where it carries
     * one (SPEC §10.2).
     */
    protected void assertConnectRefused(RelayKeyPair identity, String username, String password, String code) {
        Throwable refused = catchThrowable(() -> binding().connect(identity, username, password).close());
        assertThat(refused).as("connect as %s with password '%s'", username, password)
                .isInstanceOf(ConnectRefusedException.class);
        String reason = ((ConnectRefusedException) refused).reasonString();
        if (reason != null) {
            assertThat(reason).as("reason for the connect as %s with password '%s'", username, password)
                    .startsWith(code + ": ");
        }
    }

    /** A control message from {@code controlSender} arrives, and nothing arrived before it. */
    protected static void assertOnlyControlArrives(Client controlClient, RelayKeyPair controlSender, Client recipient,
                                                   RelayKeyPair recipientKey) throws Exception {
        Envelope control = message(controlSender, recipientKey, "control");
        assertAccepted(controlClient.publishToInbox(id(recipientKey), control.toJson()));
        assertThat(Envelope.parse(arrival(recipient)).id()).as("the first message to arrive is the control")
                .isEqualTo(control.id());
    }

    /** As above, with a control message from a fresh identity. */
    protected void assertOnlyControlArrives(Client recipient, RelayKeyPair recipientKey) throws Exception {
        RelayKeyPair controller = RelayKeyPair.generate();
        try (Client c = online(controller)) {
            assertOnlyControlArrives(c, controller, recipient, recipientKey);
        }
    }

    /** Sends a system request and returns the result of its response (fails on an error answer). */
    protected static JsonNode ask(Client client, RelayKeyPair requester, SystemOp op, Map<String, ?> args) throws Exception {
        Envelope answer = answer(client, requester, op, args);
        JsonNode body = Json.readObject(answer.body(), "answer");
        assertThat(answer.kind()).as("answer: %s", body).isEqualTo(Kind.RESPONSE);
        return body.get("result");
    }

    /** Sends a system request and returns the error code of its answer (fails on a response). */
    protected static String askExpectingError(Client client, RelayKeyPair requester, SystemOp op, Map<String, ?> args)
            throws Exception {
        Envelope answer = answer(client, requester, op, args);
        JsonNode body = Json.readObject(answer.body(), "answer");
        assertThat(answer.kind()).as("answer: %s", body).isEqualTo(Kind.ERROR);
        return body.get("code").asText();
    }

    /** Sends a system request and returns the relay's signed answer to it. */
    protected static Envelope answer(Client client, RelayKeyPair requester, SystemOp op, Map<String, ?> args)
            throws Exception {
        Envelope request = SystemRequest.envelope(requester, op, args);
        assertAccepted(client.publishRequest(request.toJson()));
        Envelope answer = Envelope.parse(arrival(client));
        assertThat(answer.inReplyTo()).isEqualTo(request.id());
        KeyId relayKey = answer.verify();
        assertThat(relayKey).isNotEqualTo(requester.keyId());
        return answer;
    }

    protected static String id(RelayKeyPair key) {
        return key.keyId().toString();
    }

    protected static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }
}
