package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.ErrorMapping.Refusal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ErrorMappingTest {
    // ---------------------------------------------------------------- reason strings

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "acl_denied: recipient does not accept messages from this sender|acl_denied",
            "rate_limited: retry_after=12; more than 30 sends per minute|rate_limited",
            "too_many_sessions: 8 sessions: all open|too_many_sessions",
            "internal|internal",
            "'queue_full: '|queue_full",
            "a2: digits after the first letter|a2",
            "Something else|null",
            "Too many bad frames: 20|null",
            "not a code: text|null",
            "ACL_DENIED: shouting|null",
            "2fast: starts with a digit|null",
            ": no code|null",
            "|null",
            "acl_denied:no space|null",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: 41 letters|null",
    })
    void theCodeIsTheTextBeforeTheFirstColonSpace(String reasonString, String code) {
        assertThat(ErrorMapping.codeOf(reasonString == null ? "" : reasonString)).isEqualTo(code);
    }

    @Test
    void aReasonStringKeepsItsCodeAndTextAndAStringWithoutOneGetsTheFallback() {
        assertThat(ErrorMapping.fromReason("acl_denied: not allowed: really", "internal"))
                .isEqualTo(new Refusal("acl_denied", "not allowed: really", null));
        assertThat(ErrorMapping.fromReason("forbidden", "internal")).isEqualTo(new Refusal("forbidden", "", null));
        assertThat(ErrorMapping.fromReason("Something else", "connection_lost"))
                .isEqualTo(new Refusal("connection_lost", "Something else", null));
        assertThat(ErrorMapping.fromReason(null, "internal")).isEqualTo(new Refusal("internal", "", null));
        assertThat(ErrorMapping.codeOf(null)).isNull();
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "retry_after=12|12",
            "retry_after=12; more than 30 sends per minute|12",
            "retry_after=1 and more|1",
            "retry_after=999999999|999999999",
            "retry_after=1234567890|null",
            "retry_after=|null",
            "retry_after=-3|null",
            "retry_after=12s|null",
            "wait: retry_after=12|null",
            "' retry_after=12'|null",
            "null|null",
    })
    void retryAfterIsTheNumberAtTheStartOfTheText(String text, Long seconds) {
        assertThat(ErrorMapping.retryAfterSeconds(text)).isEqualTo(seconds);
    }

    @Test
    void retryAfterIsReadForRateLimitedRefusalsOnly() {
        Refusal limited = ErrorMapping.fromReason("rate_limited: retry_after=7; more than 30 sends", "internal");
        assertThat(limited.retryAfter()).hasValue(7);
        assertThat(limited.message()).isEqualTo("retry_after=7; more than 30 sends");
        assertThat(ErrorMapping.fromReason("queue_full: retry_after=7", "internal").retryAfter()).isEmpty();
        assertThat(ErrorMapping.fromReason("rate_limited: slow down", "internal").retryAfter()).isEmpty();
    }

    @Test
    void theRetryAfterTextRoundTrips() {
        String text = ErrorMapping.retryAfterText(3, "32 sends are awaiting the broker's answer");
        assertThat(text).isEqualTo("retry_after=3; 32 sends are awaiting the broker's answer");
        assertThat(ErrorMapping.retryAfterSeconds(text)).isEqualTo(3L);
        assertThat(ErrorMapping.retryAfterText(1, null)).isEqualTo("retry_after=1");
        Refusal refusal = ErrorMapping.fromReason(ErrorCode.RATE_LIMITED.reasonString(text), "internal");
        assertThat(refusal.reasonString()).isEqualTo("rate_limited: " + text);
        assertThat(refusal.retryAfter()).hasValue(3);
    }

    // ---------------------------------------------------------------- MQTT

    @ParameterizedTest(name = "PUBACK 0x{0} -> {1}")
    @CsvSource({"87, forbidden", "97, rate_limited", "99, malformed", "83, internal", "80, internal", "10, internal",
            "90, internal", "91, internal"})
    void aBarePubackReasonCodeIsReadAsSection134Says(String hex, String code) {
        int reasonCode = Integer.parseInt(hex, 16);
        assertThat(ErrorMapping.codeForPubackReason(reasonCode)).isEqualTo(code);
        Refusal refusal = ErrorMapping.fromPuback(reasonCode, null);
        assertThat(refusal.code()).isEqualTo(code);
        assertThat(refusal.message()).contains("PUBACK 0x" + hex);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ErrorCode.class)
    void aPubackWithAReasonStringAlwaysReportsTheStringsCode(ErrorCode code) {
        Refusal refusal = ErrorMapping.fromPuback(code.mqtt5PubackReason(), code.reasonString(null));
        assertThat(refusal.code()).isEqualTo(code.code());
        assertThat(refusal.message()).isEqualTo(code.description());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ErrorCode.class)
    void aBarePubackIsReadAsTheCodeThatSharesItsReasonCodeOrInternal(ErrorCode code) {
        // The fallback never invents a code the reason code cannot stand for.
        String read = ErrorMapping.codeForPubackReason(code.mqtt5PubackReason());
        assertThat(ErrorCode.fromCode(read)).hasValueSatisfying(fallback -> assertThat(
                fallback.mqtt5PubackReason() == code.mqtt5PubackReason() || fallback == ErrorCode.INTERNAL).isTrue());
    }

    @Test
    void aPubackReasonStringWithoutACodeIsKeptAsTextBesideTheFallback() {
        Refusal refusal = ErrorMapping.fromPuback(0x87, "Not authorized");
        assertThat(refusal.code()).isEqualTo("forbidden");
        assertThat(refusal.message()).isEqualTo("the broker refused the envelope (PUBACK 0x87): Not authorized");
    }

    @ParameterizedTest(name = "CONNACK {0} -> {1}")
    @CsvSource(nullValues = "null", value = {
            // MQTT 3.1.1 return codes (SPEC §10.3)
            "1, bad_credentials", "2, bad_client_id", "3, internal", "4, bad_credentials", "5, forbidden",
            // MQTT 5 reason codes (SPEC §10.4, §13.2)
            "128, internal", "133, bad_client_id", "134, bad_credentials", "135, forbidden", "136, internal",
            "137, internal", "140, bad_credentials", "138, bad_credentials", "159, bad_credentials",
            // not CONNACK refusals
            "0, null", "6, null", "127, null", "256, null", "32103, null", "-1, null"})
    void aBareConnackCodeIsReadTheSameForBothVersions(int reasonCode, String code) {
        assertThat(ErrorMapping.codeForConnackReason(reasonCode)).isEqualTo(code);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ErrorCode.class)
    void everyCodeThatRefusesAConnectionIsReadBackFromItsConnackAsItselfOrAsItsGroup(ErrorCode code) {
        if (code.mqtt5ConnackReason() < 0x80) {
            return; // never refuses a connection
        }
        String v5 = ErrorMapping.codeForConnackReason(code.mqtt5ConnackReason());
        String v3 = ErrorMapping.codeForConnackReason(code.mqtt3ConnackReturnCode());
        switch (code) {
            case BAD_CLIENT_ID, INTERNAL -> assertThat(v5).isEqualTo(code.code());
            case BAD_CREDENTIALS, BAD_SIGNATURE, EXPIRED_TOKEN, REPLAY -> assertThat(v5).isEqualTo("bad_credentials");
            default -> assertThat(v5).isIn("forbidden", "malformed", "rate_limited", "bad_credentials", "internal");
        }
        assertThat(v3).isNotNull();
        assertThat(ErrorMapping.fromConnack(code.mqtt5ConnackReason(), code.reasonString("x")).code())
                .isEqualTo(code.code());
    }

    @Test
    void aConnackWithoutAReasonStringNamesTheCodeItWasReadFrom() {
        Refusal refusal = ErrorMapping.fromConnack(0x86, null);
        assertThat(refusal).isEqualTo(new Refusal("bad_credentials",
                "the broker refused the connection (CONNACK 0x86)", null));
        assertThat(ErrorMapping.fromConnack(0x87, "forbidden: the will lies in the namespace").message())
                .isEqualTo("the will lies in the namespace");
    }

    @Test
    void aRefusedSubscriptionIsForbiddenUnlessItsReasonStringSaysOtherwise() {
        assertThat(ErrorMapping.fromSuback(0x80, null).code()).isEqualTo("forbidden");
        assertThat(ErrorMapping.fromSuback(0x87, null).message()).contains("SUBACK 0x87");
        assertThat(ErrorMapping.fromSuback(0x87, "forbidden: wildcards are not allowed"))
                .isEqualTo(new Refusal("forbidden", "wildcards are not allowed", null));
        assertThat(ErrorMapping.fromSuback(0x87, "malformed: bad key id").code()).isEqualTo("malformed");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ErrorCode.class)
    void theWayBackIsErrorCodesTable(ErrorCode code) {
        assertThat(ErrorMapping.pubackReason(code.code())).isEqualTo(code.mqtt5PubackReason());
        assertThat(ErrorMapping.mqtt5ConnackReason(code.code())).isEqualTo(code.mqtt5ConnackReason());
        assertThat(ErrorMapping.mqtt3ConnackReturnCode(code.code())).isEqualTo(code.mqtt3ConnackReturnCode());
    }

    @Test
    void unknownCodesAreSignalledAsInternal() {
        assertThat(ErrorMapping.pubackReason("too_many_sessions")).isEqualTo(0x80);
        assertThat(ErrorMapping.mqtt5ConnackReason("whatever")).isEqualTo(0x80);
        assertThat(ErrorMapping.mqtt3ConnackReturnCode("whatever")).isEqualTo(3);
        assertThat(ErrorMapping.amqpCondition("whatever")).isEqualTo("amqp:internal-error");
    }

    // ---------------------------------------------------------------- AMQP

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "null", value = {"amqp:unauthorized-access, forbidden", "amqp:invalid-field, malformed",
            "amqp:resource-limit-exceeded, rate_limited", "amqp:not-found, not_found",
            "amqp:not-implemented, unknown_op", "amqp:internal-error, internal", "failed, internal",
            "amqp:precondition-failed, internal", "null, internal"})
    void aBareAmqpConditionIsReadAsTheGroupsLeastSpecificCode(String condition, String code) {
        assertThat(ErrorMapping.codeForAmqpCondition(condition)).isEqualTo(code);
        assertThat(ErrorMapping.fromAmqp(condition, "no code here").code()).isEqualTo(code);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ErrorCode.class)
    void anAmqpDescriptionWinsOverItsCondition(ErrorCode code) {
        // Artemis answers "failed" for most codes (SPEC §10.9): the description still carries the code.
        assertThat(ErrorMapping.fromAmqp("failed", code.reasonString(null)).code()).isEqualTo(code.code());
        if (!code.amqpCondition().isEmpty()) {
            assertThat(ErrorMapping.amqpCondition(code.code())).isEqualTo(code.amqpCondition());
            String read = ErrorMapping.codeForAmqpCondition(code.amqpCondition());
            assertThat(ErrorCode.fromCode(read).orElseThrow().amqpCondition()).isEqualTo(code.amqpCondition());
        }
    }

    @Test
    void anAmqpRateLimitCarriesItsNumber() {
        Refusal refusal = ErrorMapping.fromAmqp("amqp:resource-limit-exceeded", "rate_limited: retry_after=9");
        assertThat(refusal.retryAfter()).hasValue(9);
    }

    // ---------------------------------------------------------------- STOMP

    @Test
    void aStompErrorIsItsMessageHeadersReasonString() {
        assertThat(ErrorMapping.fromStompError("acl_denied: the inbox is closed"))
                .isEqualTo(new Refusal("acl_denied", "the inbox is closed", null));
        assertThat(ErrorMapping.fromStompError("rate_limited: retry_after=4; slow down").retryAfter()).hasValue(4);
        assertThat(ErrorMapping.fromStompError("AMQ229031: Unable to validate user").code()).isEqualTo("internal");
        assertThat(ErrorMapping.fromStompError(null).code()).isEqualTo("internal");
        assertThat(ErrorMapping.stompMessage("forbidden", "not your inbox")).isEqualTo("forbidden: not your inbox");
    }

    // ---------------------------------------------------------------- WebSocket error frames

    @Test
    void anErrorFramesMembersWinAndItsTextIsTheFallbackForTheNumber() {
        assertThat(ErrorMapping.fromErrorFrame("rate_limited", "retry_after=12", 12L))
                .isEqualTo(new Refusal("rate_limited", "retry_after=12", 12L));
        assertThat(ErrorMapping.fromErrorFrame("rate_limited", "retry_after=5; more than 100 frames", null)
                .retryAfter()).hasValue(5);
        assertThat(ErrorMapping.fromErrorFrame("rate_limited", "retry_after=5", 9L).retryAfter()).hasValue(9);
        assertThat(ErrorMapping.fromErrorFrame("acl_denied", null, null))
                .isEqualTo(new Refusal("acl_denied", "", null));
        assertThat(ErrorMapping.fromErrorFrame(null, "what", null).code()).isEqualTo("internal");
    }

    // ---------------------------------------------------------------- error envelopes

    @Test
    void anErrorEnvelopesBodyIsItsRefusal() {
        assertThat(ErrorMapping.fromErrorBody(JsonBodies.error(ErrorCode.ACL_DENIED, "closed inbox")))
                .isEqualTo(new Refusal("acl_denied", "closed inbox", null));
        assertThat(ErrorMapping.fromErrorBody(JsonBodies.rateLimited("retry_after=30; slow down", 30)))
                .isEqualTo(new Refusal("rate_limited", "retry_after=30; slow down", 30L));
        assertThat(ErrorMapping.fromErrorBody(utf8("{\"code\":\"rate_limited\",\"message\":\"retry_after=8\"}"))
                .retryAfter()).hasValue(8);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"not json", "[]", "{}", "{\"code\":7}", "{\"code\":\"NOT A CODE\"}"})
    void anUnreadableErrorBodyIsInternal(String body) {
        Refusal refusal = ErrorMapping.fromErrorBody(utf8(body));
        assertThat(refusal.code()).isEqualTo("internal");
        assertThat(refusal.message()).isNotEmpty();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
