package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the connect token (SPEC §2), the first bytes any client sends. Contract: on any username
 * and password, {@link ConnectToken#verify} returns a verified token or throws a {@link RelayException} with a
 * credentials code; anything else (NPE, NumberFormatException, StackOverflowError...) or a hang is a finding.
 *
 * <p>Input layout: {@code username LF password} (UTF-8; no LF means an empty username), so that seeds are written by
 * hand. The seeds in {@code ConnectTokenFuzzTestsInputs/verifyIsTotal/} run in every build.
 *
 * <p>Fuzz it (30 s, or as long as {@code JAZZER_MAX_DURATION} says, e.g. {@code 10m}); a finding fails the build and
 * is written as {@code crash-<sha1>} into the inputs directory, where it then runs in every build:
 * {@code JAZZER_FUZZ=1 ./mvnw -B test -pl relay-protocol-spec/relay-protocol -Dtest='ConnectTokenFuzzTests#verifyIsTotal' -Dsurefire.failIfNoSpecifiedTests=false}
 */
class ConnectTokenFuzzTests {
    /** The realm and clock of {@code vectors/connect-tokens.json}, so that its tokens verify and the fuzzer sees the success path. */
    private static final String REALM = "example-realm";
    private static final long NOW_SECONDS = 1_767_225_600L;
    private static final long WINDOW_SECONDS = 120;

    @FuzzTest(maxDuration = "30s")
    void verifyIsTotal(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        String username = newline < 0 ? "" : text.substring(0, newline);
        String password = text.substring(newline + 1);

        ConnectToken parsed = null;
        try {
            parsed = ConnectToken.parse(password);
        } catch (RelayException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_CREDENTIALS);
        }
        if (parsed != null) {
            // Canonical: one token has exactly one password text, so a replay cannot hide behind another spelling.
            assertThat(parsed.password()).isEqualTo(password);
            assertThat(parsed.signature()).hasSize(64);
        }

        try {
            ConnectToken.Verified verified = ConnectToken.verify(username, password, REALM, NOW_SECONDS, WINDOW_SECONDS);
            assertThat(parsed).as("a token that verifies also parses").isNotNull();
            assertThat(verified.keyId().toString()).isEqualTo(username);
            assertThat(verified.nonce()).isEqualTo(parsed.nonce());
            assertThat(Math.abs(NOW_SECONDS - verified.timestampSeconds())).isLessThanOrEqualTo(WINDOW_SECONDS);
            assertThat(verified.rememberUntilSeconds()).isGreaterThan(NOW_SECONDS);
        } catch (RelayException e) {
            assertThat(e.code()).isIn(ErrorCode.BAD_CREDENTIALS, ErrorCode.EXPIRED_TOKEN, ErrorCode.BAD_SIGNATURE);
            assertThat(e.reasonString()).startsWith(e.code().code() + ": ");
        }
    }
}
