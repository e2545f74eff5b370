package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyIdTest {
    private static final BigInteger P = Edwards25519.P;

    // ---------------------------------------------------------------- RFC 8032 test 1 key, key id and did:key

    @Test
    void rfc8032Test1KeyHasTheExpectedKeyIdAndDidKey() throws RelayException {
        KeyId id = KeyId.of(TestKeys.HEX.parseHex(TestKeys.RFC1_PUBLIC));

        assertThat(id.toString()).isEqualTo(TestKeys.RFC1_KEY_ID).hasSize(KeyId.TEXT_LENGTH);
        assertThat(id.raw()).isEqualTo(TestKeys.HEX.parseHex(TestKeys.RFC1_PUBLIC));
        assertThat(id.didKey()).isEqualTo(TestKeys.RFC1_DID).startsWith("did:key:z6Mk");
        assertThat(KeyId.parse(TestKeys.RFC1_KEY_ID)).isEqualTo(id).hasSameHashCodeAs(id);
        assertThat(KeyId.fromDidKey(id.didKey())).isEqualTo(id);
        assertThat(KeyId.fromDidKey(TestKeys.RFC1_DID).raw()).isEqualTo(id.raw());
    }

    @Test
    void rawReturnsACopy() throws RelayException {
        KeyId id = KeyId.parse(TestKeys.RFC1_KEY_ID);
        id.raw()[0] ^= 1;
        assertThat(id.raw()).isEqualTo(TestKeys.HEX.parseHex(TestKeys.RFC1_PUBLIC));
    }

    @Test
    void didKeyPrefixCarriesTheEd25519Multicodec() throws RelayException {
        KeyId id = KeyId.parse(TestKeys.RFC1_KEY_ID);
        byte[] decoded = Base58.decode(id.didKey().substring("did:key:z".length()));
        assertThat(decoded).hasSize(34);
        assertThat(Arrays.copyOf(decoded, 2)).isEqualTo(new byte[] {(byte) 0xed, 0x01});
        assertThat(Arrays.copyOfRange(decoded, 2, 34)).isEqualTo(id.raw());
    }

    // ---------------------------------------------------------------- Base58

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource({
            "'', ''",
            "00, 1",
            "0000, 11",
            "01, 2",
            "39, z",
            "3a, 21",
            "ff, 5Q",
            "0001, 12",
            "00ff, 15Q",
            "61, 2g",
            "626262, a3gV",
            "636363, aPEr",
            "73696d706c792061206c6f6e6720737472696e67, 2cFupjhnEsSn59qHXstmK2ffpLv2",
            "00eb15231dfceb60925886b67d065299925915aeb172c06647, 1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L",
    })
    void base58KnownValues(String hex, String text) throws RelayException {
        byte[] bytes = TestKeys.HEX.parseHex(hex);
        assertThat(Base58.encode(bytes)).isEqualTo(text);
        assertThat(Base58.decode(text)).isEqualTo(bytes);
    }

    @Test
    void base58RoundTripsRandomBytesWithLeadingZeros() throws RelayException {
        Random random = new Random(58);
        for (int i = 0; i < 500; i++) {
            byte[] bytes = new byte[random.nextInt(40)];
            random.nextBytes(bytes);
            for (int z = 0, zeros = random.nextInt(4); z < zeros && z < bytes.length; z++) {
                bytes[z] = 0;
            }
            assertThat(Base58.decode(Base58.encode(bytes))).as("round %d", i).isEqualTo(bytes);
        }
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"0", "O", "I", "l", "abc0", "+", "/", " z", "z ", "é", "z\n"})
    void base58RejectsCharactersOutsideTheAlphabet(String text) {
        assertThatThrownBy(() -> Base58.decode(text))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    // ---------------------------------------------------------------- did:key rejections

    static Stream<Arguments> badDids() throws RelayException {
        byte[] raw = TestKeys.HEX.parseHex(TestKeys.RFC1_PUBLIC);
        String good = TestKeys.RFC1_DID;
        String body = good.substring("did:key:z".length());
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("null", null));
        out.add(Arguments.of("empty", ""));
        out.add(Arguments.of("prefix only", "did:key:z"));
        out.add(Arguments.of("upper-case method", "DID:KEY:z" + body));
        out.add(Arguments.of("base64 multibase 'm'", "did:key:m" + body));
        out.add(Arguments.of("capital Z", "did:key:Z" + body));
        out.add(Arguments.of("did:web", "did:web:z" + body));
        out.add(Arguments.of("no multibase prefix", "did:key:" + body));
        out.add(Arguments.of("bad char 0", good.substring(0, 20) + "0" + good.substring(21)));
        out.add(Arguments.of("bad char l", good.substring(0, 20) + "l" + good.substring(21)));
        out.add(Arguments.of("trailing space", good + " "));
        out.add(Arguments.of("leading space", " " + good));
        out.add(Arguments.of("extra char", good + "1"));
        out.add(Arguments.of("leading '1' (zero byte)", "did:key:z1" + body));
        out.add(Arguments.of("last char dropped", good.substring(0, good.length() - 1)));
        out.add(Arguments.of("very long", "did:key:z" + "2".repeat(200)));
        out.add(Arguments.of("secp256k1 multicodec 0xe7 0x01", didOf(new byte[] {(byte) 0xe7, 0x01}, raw)));
        out.add(Arguments.of("x25519 multicodec 0xec 0x01", didOf(new byte[] {(byte) 0xec, 0x01}, raw)));
        out.add(Arguments.of("one-byte multicodec 0xed", didOf(new byte[] {(byte) 0xed}, raw)));
        out.add(Arguments.of("no multicodec", didOf(new byte[0], raw)));
        out.add(Arguments.of("key of 31 bytes", didOf(new byte[] {(byte) 0xed, 0x01}, Arrays.copyOf(raw, 31))));
        out.add(Arguments.of("key of 33 bytes", didOf(new byte[] {(byte) 0xed, 0x01}, Arrays.copyOf(raw, 33))));
        out.add(Arguments.of("identity point", didOf(new byte[] {(byte) 0xed, 0x01}, identityPoint())));
        return out.stream();
    }

    private static String didOf(byte[] prefix, byte[] key) {
        byte[] all = new byte[prefix.length + key.length];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(key, 0, all, prefix.length, key.length);
        return "did:key:z" + Base58.encode(all);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDids")
    void fromDidKeyRejects(String name, String did) {
        assertThatThrownBy(() -> KeyId.fromDidKey(did))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    // ---------------------------------------------------------------- key id text rejections

    static Stream<Arguments> badKeyIdTexts() {
        String good = TestKeys.RFC1_KEY_ID;
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("null", null));
        out.add(Arguments.of("empty", ""));
        out.add(Arguments.of("42 chars", good.substring(0, 42)));
        out.add(Arguments.of("44 chars", good + "A"));
        out.add(Arguments.of("with padding", good + "="));
        out.add(Arguments.of("standard alphabet '+'", good.substring(0, 10) + "+" + good.substring(11)));
        out.add(Arguments.of("standard alphabet '/'", good.substring(0, 10) + "/" + good.substring(11)));
        out.add(Arguments.of("space", good.substring(0, 10) + " " + good.substring(11)));
        out.add(Arguments.of("dot", good.substring(0, 10) + "." + good.substring(11)));
        out.add(Arguments.of("non-ASCII", good.substring(0, 10) + "é" + good.substring(11)));
        out.add(Arguments.of("did:key form", TestKeys.RFC1_DID));
        out.add(Arguments.of("sys", "sys"));
        for (int bump = 1; bump <= 3; bump++) {
            // The last char carries 2 unused bits; values +1..+3 set them.
            String last = good.substring(0, 42) + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".charAt(
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(good.charAt(42)) + bump);
            out.add(Arguments.of("non-canonical last char +" + bump, last));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badKeyIdTexts")
    void parseRejectsBadText(String name, String text) {
        assertThatThrownBy(() -> KeyId.parse(text))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    // ---------------------------------------------------------------- point rejections

    private static byte[] identityPoint() {
        byte[] b = new byte[32];
        b[0] = 1;
        return b;
    }

    private static byte[] littleEndian(BigInteger y, boolean signBit) {
        byte[] out = new byte[32];
        byte[] big = y.toByteArray();
        for (int i = 0; i < big.length && i < 32; i++) {
            out[i] = big[big.length - 1 - i];
        }
        if (signBit) {
            out[31] |= (byte) 0x80;
        }
        return out;
    }

    /** The 8 points of small order (canonical encodings), then non-canonical encodings of small-order points. */
    static Stream<Arguments> smallOrderPoints() {
        return Stream.of(
                Arguments.of("identity (order 1)", "0100000000000000000000000000000000000000000000000000000000000000"),
                Arguments.of("y=-1 (order 2)", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
                Arguments.of("y=0, x>0 (order 4)", "0000000000000000000000000000000000000000000000000000000000000000"),
                Arguments.of("y=0, x<0 (order 4)", "0000000000000000000000000000000000000000000000000000000000000080"),
                Arguments.of("order 8 #1", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
                Arguments.of("order 8 #2", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
                Arguments.of("order 8 #3", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
                Arguments.of("order 8 #4", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
                Arguments.of("identity with sign bit (x=-0)", "0100000000000000000000000000000000000000000000000000000000000080"),
                Arguments.of("y=-1 with sign bit", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
                Arguments.of("y=p (=0)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
                Arguments.of("y=p (=0) with sign bit", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
                Arguments.of("y=p+1 (=1)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
                Arguments.of("y=p+1 (=1) with sign bit", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"));
    }

    /** The 7 small-order points other than the identity, canonically encoded. */
    static Stream<Arguments> torsionPoints() {
        return smallOrderPoints().filter(point -> {
            Edwards25519.Point decoded = Edwards25519.decode(TestKeys.HEX.parseHex((String) point.get()[1]));
            return decoded != null && !decoded.equals(Edwards25519.IDENTITY);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallOrderPoints")
    void rejectsSmallOrderPoints(String name, String hex) {
        assertRejectedEverywhere(TestKeys.HEX.parseHex(hex));
    }

    /**
     * SPEC §1.1 rule 3 asks more than "not of small order": a valid key plus a point of order 2, 4 or 8 decodes
     * canonically and is not of small order, but [L]A is not the identity, so it is refused too.
     */
    @ParameterizedTest(name = "rfc8032-test-1 key + {0}")
    @MethodSource("torsionPoints")
    void rejectsMixedOrderPoints(String name, String hex) throws RelayException {
        Edwards25519.Point key = Edwards25519.decode(TestKeys.HEX.parseHex(TestKeys.RFC1_PUBLIC));
        Edwards25519.Point torsion = Edwards25519.decode(TestKeys.HEX.parseHex(hex));
        assertThat(key.times(Edwards25519.L)).as("the key is in the prime-order subgroup").isEqualTo(Edwards25519.IDENTITY);
        assertThat(KeyId.of(key.encode()).toString()).isEqualTo(TestKeys.RFC1_KEY_ID);

        byte[] mixed = key.plus(torsion).encode();
        assertThat(Edwards25519.decode(mixed)).as("canonical point").isEqualTo(key.plus(torsion));
        assertThat(key.plus(torsion).times(Edwards25519.L)).isEqualTo(torsion.times(Edwards25519.L))
                .isNotEqualTo(Edwards25519.IDENTITY);
        assertThat(key.plus(torsion).times(Edwards25519.L.shiftLeft(3))).as("order 8L at most").isEqualTo(Edwards25519.IDENTITY);
        assertRejectedEverywhere(mixed);
    }

    /** Every y in p..2^255-1 (non-canonical), with and without the sign bit: 38 encodings. */
    static Stream<Arguments> nonCanonicalY() {
        List<Arguments> out = new ArrayList<>();
        for (int k = 0; k < 19; k++) {
            BigInteger y = P.add(BigInteger.valueOf(k));
            out.add(Arguments.of("y=p+" + k, littleEndian(y, false)));
            out.add(Arguments.of("y=p+" + k + " with sign bit", littleEndian(y, true)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonCanonicalY")
    void rejectsNonCanonicalY(String name, byte[] raw) {
        assertThat(raw[31] & 0x7f).isEqualTo(0x7f);
        assertRejectedEverywhere(raw);
    }

    @Test
    void allOnesWithTopBitClearedIsTheLargestNonCanonicalY() {
        byte[] raw = new byte[32];
        Arrays.fill(raw, (byte) 0xff);
        raw[31] = 0x7f;
        assertThat(littleEndian(P.add(BigInteger.valueOf(18)), false)).isEqualTo(raw);
        assertRejectedEverywhere(raw);
    }

    @Test
    void rejectsAPointNotOnTheCurve() {
        // y = 2: (y^2 - 1) / (d y^2 + 1) is not a square mod p, so there is no x.
        byte[] raw = new byte[32];
        raw[0] = 2;
        assertRejectedEverywhere(raw);
    }

    private static void assertRejectedEverywhere(byte[] raw) {
        String text = Base64Url.encode(raw);
        assertThat(text).hasSize(43);
        assertThatThrownBy(() -> KeyId.parse(text))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
        assertThatThrownBy(() -> KeyId.of(raw))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
        assertThatThrownBy(() -> KeyId.fromDidKey(didOf(new byte[] {(byte) 0xed, 0x01}, raw)))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 31, 33, 64})
    void ofRejectsWrongLengths(int length) {
        assertThatThrownBy(() -> KeyId.of(new byte[length]))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void ofRejectsNull() {
        assertThatThrownBy(() -> KeyId.of(null)).isInstanceOf(RelayException.class);
    }

    @Test
    void ofCopiesItsInput() throws RelayException {
        byte[] raw = TestKeys.HEX.parseHex(TestKeys.RFC1_PUBLIC);
        KeyId id = KeyId.of(raw);
        raw[0] ^= 1;
        assertThat(id.toString()).isEqualTo(TestKeys.RFC1_KEY_ID);
        assertThat(id.raw()).isEqualTo(TestKeys.HEX.parseHex(TestKeys.RFC1_PUBLIC));
    }

    // ---------------------------------------------------------------- random keys

    @Test
    void acceptsAThousandGeneratedKeys() throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(20260101L);
        Set<String> seen = new HashSet<>();
        byte[] message = TestKeys.utf8("hello");
        for (int i = 0; i < 1000; i++) {
            RelayKeyPair key = RelayKeyPair.generate(random);
            String text = key.keyId().toString();
            KeyId parsed = KeyId.parse(text);

            assertThat(text).hasSize(43).matches("[A-Za-z0-9_-]{43}");
            assertThat(parsed).isEqualTo(key.keyId());
            assertThat(parsed.toString()).isEqualTo(text);
            assertThat(KeyId.of(parsed.raw())).isEqualTo(parsed);
            assertThat(KeyId.fromDidKey(parsed.didKey())).isEqualTo(parsed);
            assertThat(parsed.didKey()).startsWith("did:key:z6Mk");
            assertThat(parsed.verify(message, key.sign(message))).isTrue();
            assertThat(seen.add(text)).as("distinct keys").isTrue();
        }
    }

    // ---------------------------------------------------------------- verify

    static Stream<Arguments> tamperedSignatures() {
        RelayKeyPair alice = TestKeys.alice();
        byte[] message = TestKeys.utf8("the quick brown fox");
        byte[] sig = alice.sign(message);
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("message bit flipped", flip(message, 0), sig));
        out.add(Arguments.of("message last bit flipped", flip(message, message.length * 8 - 1), sig));
        out.add(Arguments.of("message extended", TestKeys.utf8("the quick brown fox."), sig));
        out.add(Arguments.of("message truncated", Arrays.copyOf(message, message.length - 1), sig));
        out.add(Arguments.of("empty message", new byte[0], sig));
        out.add(Arguments.of("signature R bit flipped", message, flip(sig, 3)));
        out.add(Arguments.of("signature S bit flipped", message, flip(sig, 8 * 40)));
        out.add(Arguments.of("signature last bit flipped", message, flip(sig, 511)));
        out.add(Arguments.of("signature all zero", message, new byte[64]));
        out.add(Arguments.of("signature 63 bytes", message, Arrays.copyOf(sig, 63)));
        out.add(Arguments.of("signature 65 bytes", message, Arrays.copyOf(sig, 65)));
        out.add(Arguments.of("signature empty", message, new byte[0]));
        out.add(Arguments.of("signature null", message, null));
        out.add(Arguments.of("another key's signature", message, TestKeys.bob().sign(message)));
        return out.stream();
    }

    private static byte[] flip(byte[] bytes, int bit) {
        byte[] copy = bytes.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        return copy;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tamperedSignatures")
    void verifyIsFalseForTamperedInput(String name, byte[] message, byte[] signature) throws RelayException {
        KeyId alice = KeyId.parse(TestKeys.RFC1_KEY_ID);
        byte[] original = TestKeys.utf8("the quick brown fox");
        assertThat(alice.verify(original, TestKeys.alice().sign(original))).as("control").isTrue();
        assertThat(alice.verify(message, signature)).isFalse();
    }

    @Test
    void equalityIsByText() throws RelayException {
        KeyId a = KeyId.parse(TestKeys.RFC1_KEY_ID);
        assertThat(a).isEqualTo(TestKeys.alice().keyId()).isNotEqualTo(TestKeys.bob().keyId())
                .isNotEqualTo(TestKeys.RFC1_KEY_ID);
    }
}
