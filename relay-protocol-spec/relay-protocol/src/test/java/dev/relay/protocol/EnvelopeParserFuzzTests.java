package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the strict envelope parser (SPEC §3.3) and signature check, which see every byte a
 * client publishes. Contract: {@link Envelope#parse} returns an envelope or throws a {@link RelayException} (never
 * anything else, never hangs); a parsed envelope re-encodes canonically to bytes that parse to an equal envelope; and
 * {@link Envelope#verify()} either returns the sender or refuses with bad_signature.
 *
 * <p>The input is the raw payload. Seeds ({@code EnvelopeParserFuzzTestsInputs/parseIsTotal/}) are the valid
 * envelopes of {@code vectors/envelopes.json} (they verify) and some near misses; they run in every build.
 *
 * <p>Fuzz it (30 s, or as long as {@code JAZZER_MAX_DURATION} says, e.g. {@code 10m}); a finding fails the build and
 * is written as {@code crash-<sha1>} into the inputs directory, where it then runs in every build:
 * {@code JAZZER_FUZZ=1 ./mvnw -B test -pl relay-protocol-spec/relay-protocol -Dtest='EnvelopeParserFuzzTests#parseIsTotal' -Dsurefire.failIfNoSpecifiedTests=false}
 */
class EnvelopeParserFuzzTests {

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"\"v\"", "\"id\"", "\"kind\"", "\"from\"", "\"to\"", "\"ts\"", "\"expires_in\"",
            "\"thread_id\"", "\"in_reply_to\"", "\"seq\"", "\"content_type\"", "\"body\"", "\"sig\"",
            "\"message\"", "\"receipt\"", "\"stream\"", "\"request\"", "\"response\"", "\"error\"", "\"sys\"",
            "9007199254740991", "2147483647", "\\u0000", "\\ud800"})
    void parseIsTotal(byte[] payload) throws RelayException {
        Envelope envelope;
        try {
            envelope = Envelope.parse(payload);
        } catch (RelayException e) {
            assertThat(e.code()).isNotNull();
            assertThat(e.reasonString()).startsWith(e.code().code() + ": ");
            return;
        }
        byte[] canonical = envelope.toJson();
        Envelope again = Envelope.parse(canonical); // a RelayException here fails the test: the re-encoding must parse
        assertThat(again).isEqualTo(envelope);
        assertThat(again.signingInput()).isEqualTo(envelope.signingInput());
        assertThat(again.toJson()).as("canonical form is a fixed point").isEqualTo(canonical);
        assertThat(canonical.length).isLessThanOrEqualTo(Envelope.MAX_ENVELOPE_BYTES);

        try {
            KeyId sender = envelope.verify();
            assertThat(sender.toString()).isEqualTo(envelope.from());
        } catch (RelayException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_SIGNATURE);
        }
    }
}
