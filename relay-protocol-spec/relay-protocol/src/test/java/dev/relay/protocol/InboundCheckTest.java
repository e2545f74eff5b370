package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class InboundCheckTest {
    private static final KeyId ALICE = TestKeys.alice().keyId();
    private static final KeyId BOB = TestKeys.bob().keyId();
    private static final KeyId MALLORY = TestKeys.mallory().keyId();
    private static final long TS = TestKeys.T0;
    private static final long DAY_MS = 86_400_000L;

    private static Envelope message(Long expiresIn) throws RelayException {
        return Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(1)).to(BOB).ts(TS).expiresIn(expiresIn)
                .body("turn the fan on").sign(TestKeys.alice());
    }

    private static ErrorCode check(byte[] payload, KeyId connection, String inbox, long now) {
        try {
            Envelope e = InboundCheck.check(payload, connection, inbox, now, Ttl.MAX_SECONDS, InboundCheck.DEFAULT_MAX_SKEW_MILLIS);
            assertThat(e).isNotNull();
            return null;
        } catch (RelayException e) {
            return e.code();
        }
    }

    @Test
    void okPathReturnsTheVerifiedEnvelope() throws RelayException {
        Envelope sent = message(3600L);
        Envelope checked = InboundCheck.check(sent.toJson(), ALICE, BOB.toString(), TS + 1000, Ttl.MAX_SECONDS,
                InboundCheck.DEFAULT_MAX_SKEW_MILLIS);
        assertThat(checked).isEqualTo(sent);
    }

    @Test
    void requestToSysPasses() throws RelayException {
        Envelope request = SystemRequest.envelope(TestKeys.alice(), SystemOp.RELAY_INFO, java.util.Map.of());
        assertThat(check(request.toJson(), ALICE, "sys", request.ts())).isNull();
        assertThat(check(request.toJson(), ALICE, BOB.toString(), request.ts())).isEqualTo(ErrorCode.RECIPIENT_MISMATCH);
    }

    static Stream<Arguments> faults() throws RelayException {
        byte[] json = message(3600L).toJson();
        String text = TestKeys.str(json);
        String tamperedBody = text.replace("\"body\":\"" + Base64Url.encode(TestKeys.utf8("turn the fan on")) + "\"",
                "\"body\":\"" + Base64Url.encode(TestKeys.utf8("turn the fan off")) + "\"");
        Envelope forged = Envelope.builder(Kind.MESSAGE).id(TestKeys.messageId(1)).to(BOB).ts(TS).body("x").sign(TestKeys.mallory());
        String claimsAlice = forged.toJsonString().replace(MALLORY.toString(), ALICE.toString());
        String b = BOB.toString();
        return Stream.of(
                Arguments.of("control", json, ALICE, b, TS + 1000, null),
                Arguments.of("malformed first", TestKeys.utf8(text.replace("{\"v\":1", "{\"v\":1,\"x\":1")), MALLORY, "sys", TS, ErrorCode.MALFORMED),
                Arguments.of("sender mismatch", json, MALLORY, b, TS + 1000, ErrorCode.SENDER_MISMATCH),
                Arguments.of("sender mismatch before recipient", json, MALLORY, MALLORY.toString(), TS + 1000, ErrorCode.SENDER_MISMATCH),
                Arguments.of("body tampered in the JSON", TestKeys.utf8(tamperedBody), ALICE, b, TS + 1000, ErrorCode.BAD_SIGNATURE),
                Arguments.of("claims alice, signed by mallory", TestKeys.utf8(claimsAlice), ALICE, b, TS + 1000, ErrorCode.BAD_SIGNATURE),
                Arguments.of("bad signature before recipient", TestKeys.utf8(tamperedBody), ALICE, "sys", TS + 1000, ErrorCode.BAD_SIGNATURE),
                Arguments.of("recipient mismatch", json, ALICE, MALLORY.toString(), TS + 1000, ErrorCode.RECIPIENT_MISMATCH),
                Arguments.of("message published to sys", json, ALICE, "sys", TS + 1000, ErrorCode.RECIPIENT_MISMATCH),
                Arguments.of("recipient mismatch before timestamp", json, ALICE, MALLORY.toString(), TS - 400_000, ErrorCode.RECIPIENT_MISMATCH),
                Arguments.of("ts 301 s ahead", json, ALICE, b, TS - 301_000, ErrorCode.BAD_TIMESTAMP),
                Arguments.of("ts 300.001 s ahead", json, ALICE, b, TS - 300_001, ErrorCode.BAD_TIMESTAMP),
                Arguments.of("ts exactly 300 s ahead", json, ALICE, b, TS - 300_000, null),
                Arguments.of("ts 299 s ahead", json, ALICE, b, TS - 299_000, null),
                Arguments.of("now = ts", json, ALICE, b, TS, null),
                Arguments.of("1 ms before expiry", json, ALICE, b, TS + 3_600_000 - 1, null),
                Arguments.of("now = ts + expires_in", json, ALICE, b, TS + 3_600_000, ErrorCode.EXPIRED),
                Arguments.of("long after expiry", json, ALICE, b, TS + 100 * DAY_MS, ErrorCode.EXPIRED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void refusesInTheDesignedOrder(String name, byte[] payload, KeyId connection, String inbox, long now, ErrorCode expected) {
        assertThat(check(payload, connection, inbox, now)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "expires_in={0} now=ts+{1}ms -> {2}")
    @CsvSource({
            // absent: the default of 7 days
            ", 604799999, ok",
            ", 604800000, expired",
            // one second
            "1, 999, ok",
            "1, 1000, expired",
            // 90 days is clamped to 30 days
            "7776000, 2591999999, ok",
            "7776000, 2592000000, expired",
            "7776000, 7775999999, expired",
            // exactly the max
            "2592000, 2591999999, ok",
            "2592000, 2592000000, expired",
            // the largest signed value is clamped too
            "2147483647, 2592000000, expired",
    })
    void expiryUsesTheClampedTtl(Long expiresIn, long offsetMillis, String outcome) throws RelayException {
        ErrorCode code = check(message(expiresIn).toJson(), ALICE, BOB.toString(), TS + offsetMillis);
        assertThat(code).isEqualTo(outcome.equals("ok") ? null : ErrorCode.EXPIRED);
    }

    @Test
    void ninetyDayTtlExpiresAtThirtyDays() throws RelayException {
        Envelope e = message(90L * 86_400);
        assertThat(e.expiresIn()).as("the signed value is kept").isEqualTo(7_776_000L);
        assertThat(e.expiresAtMillis(Ttl.MAX_SECONDS)).isEqualTo(TS + 30 * DAY_MS);
    }

    @Test
    void operatorMaxTtlAndSkewAreParameters() throws RelayException {
        byte[] json = message(3600L).toJson();
        // max TTL of 60 s: expired one minute after ts
        assertThat(codeWith(json, TS + 60_000, 60, 300_000)).isEqualTo(ErrorCode.EXPIRED);
        assertThat(codeWith(json, TS + 59_999, 60, 300_000)).isNull();
        // skew of 10 s
        assertThat(codeWith(json, TS - 10_001, Ttl.MAX_SECONDS, 10_000)).isEqualTo(ErrorCode.BAD_TIMESTAMP);
        assertThat(codeWith(json, TS - 10_000, Ttl.MAX_SECONDS, 10_000)).isNull();
    }

    private static ErrorCode codeWith(byte[] json, long now, long maxTtl, long skew) {
        try {
            InboundCheck.check(json, ALICE, BOB.toString(), now, maxTtl, skew);
            return null;
        } catch (RelayException e) {
            return e.code();
        }
    }
}
