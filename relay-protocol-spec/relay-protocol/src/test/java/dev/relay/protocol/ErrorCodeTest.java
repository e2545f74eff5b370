package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ErrorCodeTest {
    /** SPEC §10, in the design's order. */
    private static final String[] DESIGNED = {"bad_credentials", "bad_signature", "expired_token", "replay", "bad_client_id",
            "malformed", "too_large", "unsupported_version", "unsupported_kind", "bad_ttl", "bad_timestamp", "expired",
            "sender_mismatch", "recipient_mismatch", "acl_denied", "forbidden", "not_owner", "not_found", "rate_limited",
            "queue_full", "unknown_op", "duplicate", "internal"};
    private static final Set<Integer> PUBACK_ALLOWED = Set.of(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99);
    private static final Set<Integer> CONNACK_ALLOWED = Set.of(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
            0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F);

    @Test
    void codesAreExactlyTheDesignedOnesAndUnique() {
        assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::code)).containsExactly(DESIGNED);
        assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::code).collect(Collectors.toSet()))
                .hasSize(ErrorCode.values().length);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ErrorCode.class)
    void codeIsLowerSnakeCaseAndRoundTrips(ErrorCode code) {
        assertThat(code.code()).matches("[a-z]+(_[a-z]+)*");
        assertThat(ErrorCode.fromCode(code.code())).contains(code);
        assertThat(code.description()).isNotBlank();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "MALFORMED", "Malformed", "malformed ", "bad-credentials", "unknown"})
    void fromCodeRejectsOtherStrings(String text) {
        assertThat(ErrorCode.fromCode(text)).isEmpty();
    }

    @Test
    void fromCodeOfNullIsEmpty() {
        assertThat(ErrorCode.fromCode(null)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ErrorCode.class)
    void mqttReasonCodesAreOnesTheirPacketAllows(ErrorCode code) {
        assertThat(PUBACK_ALLOWED).as("PUBACK reason 0x%02x", code.mqtt5PubackReason()).contains(code.mqtt5PubackReason());
        assertThat(CONNACK_ALLOWED).as("CONNACK reason 0x%02x", code.mqtt5ConnackReason()).contains(code.mqtt5ConnackReason());
        assertThat(code.mqtt3ConnackReturnCode()).isBetween(0, 5);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ErrorCode.class, mode = EnumSource.Mode.EXCLUDE, names = "DUPLICATE")
    void refusalsAreFailureCodes(ErrorCode code) {
        assertThat(code.mqtt5PubackReason()).isGreaterThanOrEqualTo(0x80);
        assertThat(code.mqtt5ConnackReason()).isGreaterThanOrEqualTo(0x80);
        assertThat(code.mqtt3ConnackReturnCode()).isPositive();
        assertThat(code.amqpCondition()).startsWith("amqp:");
    }

    @Test
    void duplicateIsATransportLevelSuccess() {
        assertThat(ErrorCode.DUPLICATE.mqtt5PubackReason()).isZero();
    }

    @Test
    void connectRefusalsUseTheAuthenticationCodes() {
        for (ErrorCode code : new ErrorCode[] {ErrorCode.BAD_CREDENTIALS, ErrorCode.BAD_SIGNATURE, ErrorCode.EXPIRED_TOKEN,
                ErrorCode.REPLAY}) {
            assertThat(code.mqtt5ConnackReason()).isEqualTo(0x86);
            assertThat(code.mqtt3ConnackReturnCode()).isEqualTo(4);
        }
        assertThat(ErrorCode.BAD_CLIENT_ID.mqtt5ConnackReason()).isEqualTo(0x85);
        assertThat(ErrorCode.BAD_CLIENT_ID.mqtt3ConnackReturnCode()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ErrorCode.class)
    void reasonStringIsCodeColonText(ErrorCode code) {
        assertThat(code.reasonString("detail here")).isEqualTo(code.code() + ": detail here");
        assertThat(code.reasonString(null)).isEqualTo(code.code() + ": " + code.description());
        assertThat(code.reasonString("  ")).isEqualTo(code.code() + ": " + code.description());
        RelayException e = new RelayException(code, "why");
        assertThat(e.reasonString()).isEqualTo(code.code() + ": why");
        assertThat(e.toString()).isEqualTo(e.reasonString());
        assertThat(e.code()).isEqualTo(code);
    }
}
