package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class Base64UrlTest {

    static IntStream lengths0to70() {
        return IntStream.rangeClosed(0, 70);
    }

    @ParameterizedTest(name = "length {0}")
    @MethodSource("lengths0to70")
    void roundTripsEveryLength(int length) throws RelayException {
        byte[] bytes = new byte[length];
        new Random(1000L + length).nextBytes(bytes);
        String text = Base64Url.encode(bytes);

        assertThat(text).hasSize((length * 4 + 2) / 3).matches("[A-Za-z0-9_-]*");
        assertThat(Base64Url.decode(text, "field")).isEqualTo(bytes);
        assertThat(Base64Url.decode(text, "field", length)).isEqualTo(bytes);
    }

    @ParameterizedTest(name = "length {0}, all 0xff")
    @MethodSource("lengths0to70")
    void roundTripsAllOnesUsingTheUrlAlphabet(int length) throws RelayException {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) 0xff);
        String text = Base64Url.encode(bytes);
        assertThat(text).doesNotContain("+", "/", "=");
        assertThat(Base64Url.decode(text, "field")).isEqualTo(bytes);
    }

    /** For lengths that are not a multiple of 3 the last char has unused bits; setting one must be refused. */
    static IntStream lengthsWithUnusedBits() {
        return IntStream.rangeClosed(1, 70).filter(n -> n % 3 != 0);
    }

    @ParameterizedTest(name = "length {0}")
    @MethodSource("lengthsWithUnusedBits")
    void rejectsNonCanonicalTrailingBits(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        String canonical = Base64Url.encode(bytes);
        String tweaked = TestKeys.bumpBase64Char(canonical, canonical.length() - 1);

        assertThatThrownBy(() -> Base64Url.decode(tweaked, "field"))
                .isInstanceOf(RelayException.class)
                .hasMessageContaining("canonical")
                .extracting(e -> ((RelayException) e).code()).isEqualTo(ErrorCode.MALFORMED);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {
            "AA==", "AA=", "AAA=", "AAAA====", "=", // padding
            "AA+A", "+AAA", "AA/A", "AAA/", // standard alphabet
            "AA A", " AAA", "AAAA ", "AAAA\n", "AA\tA", "AA\r\nAA", // whitespace
            "A", "AAAAA", "AAAAAAAAA", // length % 4 == 1
            "AB", "AAB", "AAAAAB", "AAAAAAC", "_x", "__9", // non-canonical trailing bits
            "AAé", "AAAÀ", "ＡＡＡＡ", "AA\u0000A", "AA.A", "AA*A", "AA%A", "AA\\A", // not in the alphabet
    })
    void rejectsNonCanonicalOrForeignText(String text) {
        assertThatThrownBy(() -> Base64Url.decode(text, "field"))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource({
            "'', ''",
            "AA, 00",
            "AAA, 0000",
            "AAAA, 000000",
            "_w, ff",
            "__8, ffff",
            "____, ffffff",
            "-_-_, fbffbf",
            "Zm9v, 666f6f",
            "Zm9vYg, 666f6f62",
            "Zm9vYmE, 666f6f6261",
    })
    void decodesKnownValues(String text, String hex) throws RelayException {
        assertThat(Base64Url.decode(text, "field")).isEqualTo(TestKeys.HEX.parseHex(hex));
        assertThat(Base64Url.encode(TestKeys.HEX.parseHex(hex))).isEqualTo(text);
    }

    @Test
    void rejectsNullNamingTheField() {
        assertThatThrownBy(() -> Base64Url.decode(null, "nonce"))
                .isInstanceOfSatisfying(RelayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED);
                    assertThat(e.getMessage()).contains("nonce");
                });
    }

    static Stream<Arguments> wrongDecodedLengths() {
        return Stream.of(Arguments.of(0, 1), Arguments.of(31, 32), Arguments.of(33, 32), Arguments.of(63, 64),
                Arguments.of(65, 64), Arguments.of(15, 16));
    }

    @ParameterizedTest(name = "{0} bytes where {1} expected")
    @MethodSource("wrongDecodedLengths")
    void rejectsWrongDecodedLength(int actual, int expected) {
        String text = Base64Url.encode(new byte[actual]);
        assertThatThrownBy(() -> Base64Url.decode(text, "sig", expected))
                .isInstanceOfSatisfying(RelayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED);
                    assertThat(e.getMessage()).contains("sig").contains(String.valueOf(expected));
                });
    }
}
