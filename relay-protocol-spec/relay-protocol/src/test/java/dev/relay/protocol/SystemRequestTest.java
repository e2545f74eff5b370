package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class SystemRequestTest {

    private static Envelope request(byte[] body) throws RelayException {
        return Envelope.builder(Kind.REQUEST).id(TestKeys.messageId(1)).to("sys").ts(TestKeys.T0)
                .contentType("application/json").body(body).sign(TestKeys.alice());
    }

    private static Envelope request(String body) throws RelayException {
        return request(TestKeys.utf8(body));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SystemOp.class)
    void everyOpRoundTrips(SystemOp op) throws RelayException {
        Envelope envelope = SystemRequest.envelope(TestKeys.alice(), op, Map.of("limit", 5, "tag", "iot"));
        assertThat(envelope.kind()).isEqualTo(Kind.REQUEST);
        assertThat(envelope.to()).isEqualTo("sys");
        assertThat(envelope.contentType()).isEqualTo("application/json");
        assertThat(envelope.verify()).isEqualTo(TestKeys.alice().keyId());

        SystemRequest parsed = SystemRequest.parse(Envelope.parse(envelope.toJson()));
        assertThat(parsed.op()).isEqualTo(op);
        assertThat(parsed.args().get("limit").asInt()).isEqualTo(5);
        assertThat(parsed.args().get("tag").asText()).isEqualTo("iot");
        assertThat(SystemOp.fromWire(op.wireName())).isEqualTo(op);
    }

    @Test
    void wireNamesAreTheDesignedOps() {
        assertThat(Stream.of(SystemOp.values()).map(SystemOp::wireName)).containsExactlyInAnyOrder("relay.info", "policy.get",
                "policy.set", "policy.add", "policy.remove", "profile.set", "profile.get", "discover", "presence.get",
                "thread.history");
    }

    @Test
    void argsDefaultToAnEmptyObject() throws RelayException {
        SystemRequest parsed = SystemRequest.parse(request("{\"op\":\"relay.info\"}"));
        assertThat(parsed.op()).isEqualTo(SystemOp.RELAY_INFO);
        assertThat(parsed.args().isObject()).isTrue();
        assertThat(parsed.args().size()).isZero();
    }

    @Test
    void parsesNestedArgs() throws RelayException {
        SystemRequest parsed = SystemRequest.parse(request("{\"args\":{\"card\":{\"name\":\"x\",\"tags\":[\"a\"]}},\"op\":\"profile.set\"}"));
        assertThat(parsed.op()).isEqualTo(SystemOp.PROFILE_SET);
        assertThat(parsed.args().get("card").get("tags").get(0).asText()).isEqualTo("a");
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("unknown op", "{\"op\":\"policy.delete\",\"args\":{}}", ErrorCode.UNKNOWN_OP),
                Arguments.of("op in upper case", "{\"op\":\"RELAY.INFO\"}", ErrorCode.UNKNOWN_OP),
                Arguments.of("empty op", "{\"op\":\"\"}", ErrorCode.UNKNOWN_OP),
                Arguments.of("op not a string", "{\"op\":1,\"args\":{}}", ErrorCode.MALFORMED),
                Arguments.of("op an object", "{\"op\":{},\"args\":{}}", ErrorCode.MALFORMED),
                Arguments.of("op null", "{\"op\":null}", ErrorCode.MALFORMED),
                Arguments.of("op missing", "{\"args\":{}}", ErrorCode.MALFORMED),
                Arguments.of("args an array", "{\"op\":\"relay.info\",\"args\":[]}", ErrorCode.MALFORMED),
                Arguments.of("args a string", "{\"op\":\"relay.info\",\"args\":\"{}\"}", ErrorCode.MALFORMED),
                Arguments.of("args null", "{\"op\":\"relay.info\",\"args\":null}", ErrorCode.MALFORMED),
                Arguments.of("extra field", "{\"op\":\"relay.info\",\"args\":{},\"owner\":\"x\"}", ErrorCode.MALFORMED),
                Arguments.of("duplicate op", "{\"op\":\"relay.info\",\"op\":\"policy.get\"}", ErrorCode.MALFORMED),
                Arguments.of("body not JSON", "op=relay.info", ErrorCode.MALFORMED),
                Arguments.of("body empty", "", ErrorCode.MALFORMED),
                Arguments.of("body an array", "[{\"op\":\"relay.info\"}]", ErrorCode.MALFORMED),
                Arguments.of("body null", "null", ErrorCode.MALFORMED),
                Arguments.of("trailing data", "{\"op\":\"relay.info\"}{}", ErrorCode.MALFORMED),
                Arguments.of("truncated", "{\"op\":\"relay.info\"", ErrorCode.MALFORMED),
                Arguments.of("deeply nested args", "{\"op\":\"relay.info\",\"args\":" + "{\"a\":".repeat(10_000), ErrorCode.MALFORMED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refuses(String name, String body, ErrorCode expected) throws RelayException {
        Envelope envelope = request(body);
        assertThatThrownBy(() -> SystemRequest.parse(envelope))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(expected));
    }

    @Test
    void refusesInvalidUtf8Body() throws RelayException {
        Envelope envelope = request(new byte[] {'{', '"', 'o', 'p', '"', ':', '"', (byte) 0xc3, 0x28, '"', '}'});
        assertThatThrownBy(() -> SystemRequest.parse(envelope))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void refusesEnvelopesThatAreNotRequests() throws RelayException {
        Envelope message = Envelope.builder(Kind.MESSAGE).to(TestKeys.bob().keyId()).body("{\"op\":\"relay.info\"}")
                .sign(TestKeys.alice());
        assertThatThrownBy(() -> SystemRequest.parse(message))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void bodyHasOpAndArgs() throws Exception {
        byte[] body = SystemRequest.body(SystemOp.POLICY_ADD, Map.of("list", "allow"));
        assertThat(Json.MAPPER.readTree(body).toString()).isEqualTo("{\"op\":\"policy.add\",\"args\":{\"list\":\"allow\"}}");
    }
}
