package dev.relay.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.agent.AgentFrames.Accepted;
import dev.relay.agent.AgentFrames.Challenge;
import dev.relay.agent.AgentFrames.Delivery;
import dev.relay.agent.AgentFrames.ErrorFrame;
import dev.relay.agent.AgentFrames.Other;
import dev.relay.agent.AgentFrames.Pong;
import dev.relay.agent.AgentFrames.Welcome;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AgentFramesTest {
    private static final RelayKeyPair ALICE = RelayKeyPair.generate();
    private static final RelayKeyPair BOB = RelayKeyPair.generate();

    @Test
    void sendFrameCarriesTheEnvelopeBytesVerbatimAndEscapesTheRef() throws Exception {
        Envelope envelope = message("hello");
        String ref = "r\"1\\\u00e9\n";

        String frame = AgentFrames.send(ref, envelope.toJson());

        JsonNode parsed = Json.MAPPER.readTree(frame);
        assertThat(parsed.get("type").asText()).isEqualTo("send");
        assertThat(parsed.get("ref").asText()).isEqualTo(ref);
        assertThat(frame).contains("\"envelope\":" + envelope.toJsonString() + "}");
    }

    @Test
    void messageFrameYieldsTheExactEnvelopeText() throws Exception {
        // Escapes, braces inside strings and whitespace: the text must come back byte for byte, not re-serialised.
        Envelope envelope = Envelope.builder(Kind.MESSAGE).to(BOB.keyId()).contentType("text/x; q=\"}{\\\"")
                .body("{\"nested\": [1, {\"a\": \"}\"}]}").sign(ALICE);
        String envelopeText = envelope.toJsonString().replace(",", " ,\n ").replace("\"body\"", "\"b\\u006fdy\"");
        String frame = "{\"type\":\"message\",\"extra\":{\"x\":[{\"y\":\"}}\\\"{\"}]},\"delivery\":17,"
                + "\"envelope\": " + envelopeText + " ,\"after\":\"{\"}";

        Delivery delivery = (Delivery) AgentFrames.parse(frame);

        assertThat(delivery.delivery()).isEqualTo(17);
        assertThat(delivery.envelopeJson()).isEqualTo(envelopeText);
        Envelope parsed = Envelope.parse(delivery.envelopeJson().getBytes(StandardCharsets.UTF_8));
        assertThat(parsed).isEqualTo(envelope);
        parsed.verify();
    }

    @Test
    void extractsLargeEnvelopesExactly() throws Exception {
        // Beyond Jackson's first input buffer, where char offsets must still be absolute.
        byte[] body = new byte[100_000];
        Arrays.fill(body, (byte) 'x');
        Envelope envelope = Envelope.builder(Kind.MESSAGE).to(BOB.keyId()).body(body).sign(ALICE);
        String padding = " ".repeat(40_000);
        String frame = "{\"type\":\"message\",\"delivery\":3," + padding + "\"envelope\":" + envelope.toJsonString()
                + padding + "}";

        Delivery delivery = (Delivery) AgentFrames.parse(frame);

        assertThat(delivery.envelopeJson()).isEqualTo(envelope.toJsonString());
    }

    @Test
    void refusesBrokenFrames() {
        assertProtocolError("[1,2]");
        assertProtocolError("not json");
        assertProtocolError("{\"type\":\"message\",\"delivery\":1}");
        assertProtocolError("{\"type\":\"message\",\"delivery\":0,\"envelope\":{}}");
        assertProtocolError("{\"type\":\"message\",\"delivery\":1,\"envelope\":\"{}\"}");
        assertProtocolError("{\"type\":\"pong\",\"ref\":\"a\"} {}");
        assertProtocolError("{\"type\":\"pong\",\"type\":\"pong\",\"ref\":\"a\"}");
        assertProtocolError("{\"ref\":\"a\"}");
        assertProtocolError("{\"type\":\"accepted\"}");
    }

    @Test
    void parsesTheOtherServerFrames() throws Exception {
        assertThat(AgentFrames.parse("{\"type\":\"challenge\",\"nonce\":\"n\",\"realm\":\"r\",\"auth_timeout\":7}"))
                .isEqualTo(new Challenge("n", "r", 7));
        assertThat(AgentFrames.parse("{\"type\":\"welcome\",\"key_id\":\"k\",\"client_id\":\"k.ws\","
                + "\"session_present\":true,\"realm\":\"r\",\"limits\":{\"max_frame_bytes\":1000,\"max_unacked\":4,"
                + "\"max_pending_sends\":5,\"idle_timeout\":30,\"new_limit\":1}}"))
                .isEqualTo(new Welcome("k", "k.ws", true, "r", 1000, 4, 5, 30));
        assertThat(AgentFrames.parse("{\"type\":\"accepted\",\"ref\":\"s1\",\"id\":\"i\"}"))
                .isEqualTo(new Accepted("s1", "i"));
        assertThat(AgentFrames.parse("{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"retry_after=12\","
                + "\"ref\":\"s2\",\"id\":\"i\",\"retry_after\":12}"))
                .isEqualTo(new ErrorFrame("rate_limited", "retry_after=12", "s2", "i", 12L));
        assertThat(AgentFrames.parse("{\"type\":\"error\",\"code\":\"bad_frame\",\"message\":\"m\",\"ref\":null}"))
                .isEqualTo(new ErrorFrame("bad_frame", "m", null, null, null));
        assertThat(AgentFrames.parse("{\"type\":\"pong\",\"ref\":\"p1\",\"ts\":1767225600123}"))
                .isEqualTo(new Pong("p1", 1767225600123L));
        assertThat(AgentFrames.parse("{\"type\":\"news\",\"x\":[1]}")).isEqualTo(new Other("news"));
    }

    @Test
    void buildsClientFrames() throws Exception {
        JsonNode auth = Json.MAPPER.readTree(AgentFrames.auth("key", "v1.1.n.s", "kitchen"));
        assertThat(auth.get("type").asText()).isEqualTo("auth");
        assertThat(auth.get("key_id").asText()).isEqualTo("key");
        assertThat(auth.get("token").asText()).isEqualTo("v1.1.n.s");
        assertThat(auth.get("session").asText()).isEqualTo("kitchen");
        assertThat(Json.MAPPER.readTree(AgentFrames.auth("key", "t", null)).has("session")).isFalse();
        assertThat(Json.MAPPER.readTree(AgentFrames.auth("key", "t", "cli", true)).path("transient").asBoolean())
                .isTrue();
        assertThat(Json.MAPPER.readTree(AgentFrames.auth("key", "t", "cli", false)).has("transient")).isFalse();
        assertThat(AgentFrames.ack(17)).isEqualTo("{\"type\":\"ack\",\"delivery\":17}");
        assertThat(AgentFrames.ping("p\"1")).isEqualTo("{\"type\":\"ping\",\"ref\":\"p\\\"1\"}");
    }

    private static Envelope message(String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(BOB.keyId()).contentType("text/plain").body(text).sign(ALICE);
    }

    private static void assertProtocolError(String frame) {
        assertThatThrownBy(() -> AgentFrames.parse(frame)).isInstanceOfSatisfying(AgentException.class,
                e -> assertThat(e.code()).isEqualTo(AgentException.PROTOCOL_ERROR));
    }
}
