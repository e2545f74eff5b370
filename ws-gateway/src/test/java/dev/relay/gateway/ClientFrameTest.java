package dev.relay.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientFrameTest {
    @Test
    void theEnvelopeIsKeptAsTheExactTextTheClientSent() throws Exception {
        String envelope = "{ \"v\":1, \"body\":\"a}\\\"b{\", \"nested\":{\"x\":[1,{\"y\":2}]} }";
        ClientFrame frame = ClientFrame.parse("{\"ref\":\"r1\",\"envelope\":" + envelope + ",\"type\":\"send\",\"x\":[1]}");
        assertThat(frame.type()).isEqualTo("send");
        assertThat(frame.ref()).isEqualTo("r1");
        assertThat(frame.envelopeJson()).isEqualTo(envelope);
    }

    @Test
    void badFramesAreRefusedWithTheRefWhenItWasRead() {
        assertThatThrownBy(() -> ClientFrame.parse("[]")).isInstanceOf(ClientFrame.BadFrame.class);
        assertThatThrownBy(() -> ClientFrame.parse("{\"ref\":\"a\",\"type\":1}"))
                .isInstanceOf(ClientFrame.BadFrame.class)
                .satisfies(e -> assertThat(((ClientFrame.BadFrame) e).ref).isEqualTo("a"));
        assertThatThrownBy(() -> ClientFrame.parse("{\"type\":\"ack\",\"delivery\":1.5}"))
                .hasMessageContaining("delivery");
        assertThatThrownBy(() -> ClientFrame.parse("{\"type\":\"ping\"} {}")).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> ClientFrame.parse("{\"ref\":\"\",\"type\":\"ping\"}")).hasMessageContaining("ref");
        assertThatThrownBy(() -> ClientFrame.parse("{\"x\":1}")).hasMessageContaining("type");
    }

    @Test
    void aFrameThatIsNotJsonStartsWithAByteOrderMarkOrHasADuplicateMemberIsABadFrame() {
        String send = "{\"type\":\"send\",\"ref\":\"s1\",\"envelope\":{\"v\":1,\"to\":\"sys\"}}";
        for (String frame : new String[] {
                "send this", "", "{\"type\":\"send\",", "\uFEFF" + send,
                send.replace("{\"type\"", "{\"ref\":\"s0\",\"type\""),                 // duplicate ref
                send.replace("{\"type\":\"send\"", "{\"type\":\"send\",\"type\":\"ping\""),
                send.replace("{\"v\":1", "{\"v\":1,\"v\":1")}) {                           // inside the envelope
            assertThatThrownBy(() -> ClientFrame.parse(frame)).as(frame).isInstanceOf(ClientFrame.BadFrame.class);
        }
    }

    @Test
    void anAuthFrameMayAskForATransientSession() throws Exception {
        assertThat(ClientFrame.parse("{\"type\":\"auth\",\"session\":\"cli\",\"transient\":true}").transientSession())
                .isTrue();
        assertThat(ClientFrame.parse("{\"type\":\"auth\"}").transientSession()).isFalse();
        assertThatThrownBy(() -> ClientFrame.parse("{\"type\":\"auth\",\"transient\":\"yes\"}"))
                .hasMessageContaining("transient must be true or false");
    }

    @Test
    void utf8LengthCountsWithoutEncoding() {
        for (String text : new String[] {"", "ascii", "é", "€uro", "😀 emoji", "mixed é€😀"}) {
            assertThat(ServerFrames.utf8Length(text)).as(text)
                    .isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void closeReasonsFitTheFrameAndClientTextIsShortened() {
        assertThat(ServerFrames.fitCloseReason("é".repeat(100)).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .hasSizeLessThanOrEqualTo(123);
        assertThat(ServerFrames.shorten("x".repeat(50))).hasSize(41).endsWith("…");
    }

    @Test
    void anAuthFrameIsCheckedAgainstTheChallengeBeforeTheBrokerIsAsked() throws Exception {
        dev.relay.protocol.RelayKeyPair key = dev.relay.protocol.RelayKeyPair.generate();
        byte[] nonce = new byte[32];
        String challenge = dev.relay.protocol.Base64Url.encode(nonce);
        String token = dev.relay.protocol.ConnectToken.create(key, "realm", 1, nonce).password();
        String auth = "{\"type\":\"auth\",\"key_id\":\"" + key.keyId() + "\",\"token\":\"" + token + "\"";

        assertThat(HandshakeCredentials.ofAuthFrame(ClientFrame.parse(auth + "}"), challenge))
                .isEqualTo(new HandshakeCredentials(key.keyId().toString(), token, "ws", false));
        assertThatThrownBy(() -> HandshakeCredentials.ofAuthFrame(ClientFrame.parse(auth + "}"), "other"))
                .hasMessageStartingWith("bad_credentials: the token's nonce");
        assertThatThrownBy(() -> HandshakeCredentials.ofAuthFrame(ClientFrame.parse(auth + ",\"session\":\"a b\"}"),
                challenge)).hasMessageStartingWith("bad_client_id: ");
        assertThatThrownBy(() -> HandshakeCredentials.ofAuthFrame(ClientFrame.parse("{\"type\":\"auth\"}"), challenge))
                .hasMessage("bad_credentials: auth needs key_id and token");
    }
}
