package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReceiptTest {

    private static Envelope sent() throws RelayException {
        return Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(1)).to(TestKeys.bob().keyId()).ts(TestKeys.T0)
                .threadId(TestKeys.messageId(9)).body("turn the fan on").sign(TestKeys.alice());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"delivered", "read"})
    void createParseMatches(String status) throws Exception {
        Envelope sent = sent();
        Envelope receipt = Receipt.create(TestKeys.bob(), sent, status);

        assertThat(receipt.kind()).isEqualTo(Kind.RECEIPT);
        assertThat(receipt.from()).isEqualTo(TestKeys.bob().keyId().toString());
        assertThat(receipt.to()).isEqualTo(sent.from());
        assertThat(receipt.inReplyTo()).isEqualTo(sent.id());
        assertThat(receipt.threadId()).isEqualTo(sent.threadId());
        assertThat(receipt.contentType()).isEqualTo("application/json");
        assertThat(receipt.verify()).isEqualTo(TestKeys.bob().keyId());

        JsonNode body = Json.MAPPER.readTree(receipt.body());
        assertThat(body.get("message_id").asText()).isEqualTo(sent.id());
        assertThat(body.get("digest").asText()).isEqualTo(Base64Url.encode(sent.digest()));
        assertThat(body.get("status").asText()).isEqualTo(status);
        assertThat(body.size()).isEqualTo(3);

        Receipt parsed = Receipt.parse(Envelope.parse(receipt.toJson()));
        assertThat(parsed.messageId()).isEqualTo(sent.id());
        assertThat(parsed.digest()).isEqualTo(sent.digest());
        assertThat(parsed.status()).isEqualTo(status);
        assertThat(parsed.matches(sent)).isTrue();
    }

    @Test
    void matchesIsFalseForADifferentMessage() throws RelayException {
        Envelope sent = sent();
        Receipt receipt = Receipt.parse(Receipt.create(TestKeys.bob(), sent, "delivered"));
        Envelope otherId = Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(2)).to(TestKeys.bob().keyId()).ts(TestKeys.T0)
                .threadId(TestKeys.messageId(9)).body("turn the fan on").sign(TestKeys.alice());
        Envelope sameIdOtherBody = Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(1)).to(TestKeys.bob().keyId())
                .ts(TestKeys.T0).threadId(TestKeys.messageId(9)).body("turn the fan off").sign(TestKeys.alice());
        Envelope sameIdOtherTs = Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(1)).to(TestKeys.bob().keyId())
                .ts(TestKeys.T0 + 1).threadId(TestKeys.messageId(9)).body("turn the fan on").sign(TestKeys.alice());

        assertThat(receipt.matches(sent)).isTrue();
        assertThat(receipt.matches(otherId)).isFalse();
        assertThat(receipt.matches(sameIdOtherBody)).isFalse();
        assertThat(receipt.matches(sameIdOtherTs)).isFalse();
    }

    @Test
    void createRejectsABadStatus() {
        assertThatThrownBy(() -> Receipt.create(TestKeys.bob(), sent(), "seen"))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    static Stream<Arguments> badBodies() throws RelayException {
        String id = TestKeys.messageId(1);
        String digest = Base64Url.encode(sent().digest());
        return Stream.of(
                Arguments.of("message_id differs from in_reply_to",
                        "{\"message_id\":\"" + TestKeys.messageId(2) + "\",\"digest\":\"" + digest + "\",\"status\":\"delivered\"}"),
                Arguments.of("message_id not an id", "{\"message_id\":\"x\",\"digest\":\"" + digest + "\",\"status\":\"delivered\"}"),
                Arguments.of("message_id missing", "{\"digest\":\"" + digest + "\",\"status\":\"delivered\"}"),
                Arguments.of("message_id a number", "{\"message_id\":1,\"digest\":\"" + digest + "\",\"status\":\"delivered\"}"),
                Arguments.of("status unknown", "{\"message_id\":\"" + id + "\",\"digest\":\"" + digest + "\",\"status\":\"seen\"}"),
                Arguments.of("status upper case", "{\"message_id\":\"" + id + "\",\"digest\":\"" + digest + "\",\"status\":\"READ\"}"),
                Arguments.of("status missing", "{\"message_id\":\"" + id + "\",\"digest\":\"" + digest + "\"}"),
                Arguments.of("status a boolean", "{\"message_id\":\"" + id + "\",\"digest\":\"" + digest + "\",\"status\":true}"),
                Arguments.of("digest 31 bytes", "{\"message_id\":\"" + id + "\",\"digest\":\"" + Base64Url.encode(new byte[31])
                        + "\",\"status\":\"read\"}"),
                Arguments.of("digest 33 bytes", "{\"message_id\":\"" + id + "\",\"digest\":\"" + Base64Url.encode(new byte[33])
                        + "\",\"status\":\"read\"}"),
                Arguments.of("digest with padding", "{\"message_id\":\"" + id + "\",\"digest\":\"" + digest + "=\",\"status\":\"read\"}"),
                Arguments.of("digest non-canonical", "{\"message_id\":\"" + id + "\",\"digest\":\""
                        + TestKeys.bumpBase64Char(digest, 42) + "\",\"status\":\"read\"}"),
                Arguments.of("digest hex", "{\"message_id\":\"" + id + "\",\"digest\":\"" + "ab".repeat(32) + "\",\"status\":\"read\"}"),
                Arguments.of("digest missing", "{\"message_id\":\"" + id + "\",\"status\":\"read\"}"),
                Arguments.of("body not JSON", "delivered"),
                Arguments.of("body an array", "[]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void parseRejectsMalformedBodies(String name, String body) throws RelayException {
        Envelope receipt = Envelope.builder(Kind.RECEIPT).to(TestKeys.alice().keyId()).inReplyTo(TestKeys.messageId(1))
                .contentType("application/json").body(body).sign(TestKeys.bob());
        assertThatThrownBy(() -> Receipt.parse(receipt))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void parseRejectsEnvelopesThatAreNotReceipts() throws RelayException {
        assertThatThrownBy(() -> Receipt.parse(sent()))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }
}
