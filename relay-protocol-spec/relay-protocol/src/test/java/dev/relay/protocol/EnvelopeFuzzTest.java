package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomised robustness: the parser is total (an envelope or a RelayException, never anything else), and a mutated
 * envelope that still parses and verifies signs exactly the same content as the original.
 */
class EnvelopeFuzzTest {
    private static final long SEED = 0x5EED_2026_0101L;
    private static final int RANDOM_INPUTS = 20_000;
    private static final int MUTATIONS = 20_000;
    private static final byte[] INTERESTING = TestKeys.utf8("{}[]\",:0123456789-+.eE \\/ntfu=_AaQw\u0000");

    private static Envelope original() throws RelayException {
        return Envelope.builder(Kind.STREAM).id(TestKeys.messageId(0x21)).to(TestKeys.bob().keyId()).ts(TestKeys.T0)
                .expiresIn(3600L).threadId(TestKeys.messageId(0x22)).inReplyTo(TestKeys.messageId(0x23)).seq(5)
                .contentType("text/plain").body("turn the fan on").sign(TestKeys.alice());
    }

    /** Parses; returns null on a RelayException and fails the test on anything else. */
    private static Envelope parseTotal(byte[] input, String what) {
        try {
            return Envelope.parse(input);
        } catch (RelayException e) {
            assertThat(e.code()).isNotNull();
            assertThat(e.reasonString()).startsWith(e.code().code() + ": ");
            return null;
        } catch (Throwable t) {
            fail("Envelope.parse threw " + t + " for " + what + " (seed " + SEED + "): "
                    + new String(input, StandardCharsets.ISO_8859_1), t);
            return null;
        }
    }

    @Test
    void randomBytesNeverThrowAnythingButRelayException() {
        System.out.println("EnvelopeFuzzTest random bytes seed = " + SEED);
        Random random = new Random(SEED);
        int parsed = 0;
        for (int i = 0; i < RANDOM_INPUTS; i++) {
            byte[] input;
            switch (i % 4) {
                case 0 -> { // arbitrary bytes
                    input = new byte[random.nextInt(300)];
                    random.nextBytes(input);
                }
                case 1 -> { // JSON-ish punctuation soup
                    input = new byte[random.nextInt(300)];
                    for (int j = 0; j < input.length; j++) {
                        input[j] = INTERESTING[random.nextInt(INTERESTING.length)];
                    }
                }
                case 2 -> { // starts like an object
                    input = new byte[1 + random.nextInt(300)];
                    random.nextBytes(input);
                    input[0] = '{';
                }
                default -> { // printable ASCII
                    input = new byte[random.nextInt(300)];
                    for (int j = 0; j < input.length; j++) {
                        input[j] = (byte) (0x20 + random.nextInt(0x5f));
                    }
                }
            }
            if (parseTotal(input, "random input #" + i) != null) {
                parsed++;
            }
        }
        assertThat(parsed).as("random bytes never form a valid envelope").isZero();
    }

    @Test
    void mutatedEnvelopesParseOnlyIntoTheSameSignedContent() throws RelayException {
        System.out.println("EnvelopeFuzzTest mutations seed = " + SEED);
        Envelope original = original();
        byte[] json = original.toJson();
        byte[] signed = original.signingInput();
        Random random = new Random(SEED ^ 0xA5A5A5A5L);
        int stillParsed = 0;
        int stillVerified = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] mutant = json;
            for (int n = 1 + random.nextInt(3); n > 0; n--) {
                mutant = mutate(mutant, random);
            }
            Envelope parsed = parseTotal(mutant, "mutation #" + i);
            if (parsed == null) {
                continue;
            }
            stillParsed++;
            assertThat(Envelope.parse(parsed.toJson())).as("canonical re-encoding of mutation #%d", i).isEqualTo(parsed);
            boolean verifies;
            try {
                parsed.verify();
                verifies = true;
            } catch (RelayException e) {
                assertThat(e.code()).isIn(ErrorCode.BAD_SIGNATURE, ErrorCode.SENDER_MISMATCH);
                verifies = false;
            } catch (Throwable t) {
                fail("verify threw " + t + " for mutation #" + i + " (seed " + SEED + ")", t);
                return;
            }
            if (verifies) {
                stillVerified++;
                assertThat(parsed.signingInput())
                        .as("mutation #%d verifies, so it must sign the original content: %s", i,
                                new String(mutant, StandardCharsets.ISO_8859_1))
                        .isEqualTo(signed);
            }
        }
        System.out.println("EnvelopeFuzzTest: " + stillParsed + " of " + MUTATIONS + " mutants parsed, " + stillVerified
                + " still verified");
        assertThat(stillParsed).as("some mutations (e.g. whitespace) keep the envelope parseable").isPositive();
    }

    private static byte[] mutate(byte[] input, Random random) {
        int op = random.nextInt(5);
        if (input.length == 0) {
            op = 1;
        }
        int at = random.nextInt(Math.max(1, input.length));
        switch (op) {
            case 0 -> { // flip one bit
                byte[] out = input.clone();
                out[at] ^= (byte) (1 << random.nextInt(8));
                return out;
            }
            case 1 -> { // insert a byte (random or interesting)
                byte b = random.nextBoolean() ? (byte) random.nextInt(256) : INTERESTING[random.nextInt(INTERESTING.length)];
                int pos = random.nextInt(input.length + 1);
                byte[] out = new byte[input.length + 1];
                System.arraycopy(input, 0, out, 0, pos);
                out[pos] = b;
                System.arraycopy(input, pos, out, pos + 1, input.length - pos);
                return out;
            }
            case 2 -> { // delete a byte
                byte[] out = new byte[input.length - 1];
                System.arraycopy(input, 0, out, 0, at);
                System.arraycopy(input, at + 1, out, at, input.length - at - 1);
                return out;
            }
            case 3 -> { // replace with an interesting byte
                byte[] out = input.clone();
                out[at] = INTERESTING[random.nextInt(INTERESTING.length)];
                return out;
            }
            default -> { // duplicate or drop a run
                int length = 1 + random.nextInt(Math.min(16, input.length - at));
                if (random.nextBoolean()) {
                    byte[] out = new byte[input.length + length];
                    System.arraycopy(input, 0, out, 0, at + length);
                    System.arraycopy(input, at, out, at + length, input.length - at);
                    return out;
                }
                byte[] out = new byte[input.length - length];
                System.arraycopy(input, 0, out, 0, at);
                System.arraycopy(input, at + length, out, at, input.length - at - length);
                return out;
            }
        }
    }

    @Test
    void mutatorChangesItsInput() {
        Random random = new Random(SEED);
        byte[] input = TestKeys.utf8("{\"v\":1}");
        int changed = 0;
        for (int i = 0; i < 100; i++) {
            if (!Arrays.equals(mutate(input, random), input)) {
                changed++;
            }
        }
        assertThat(changed).isGreaterThan(80);
    }
}
