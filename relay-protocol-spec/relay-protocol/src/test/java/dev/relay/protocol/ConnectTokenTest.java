package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectTokenTest {
    private static final String REALM = "example-realm";
    private static final long NOW = 1_767_225_600L;
    private static final long WINDOW = 120;
    private static final byte[] NONCE16 = TestKeys.HEX.parseHex("000102030405060708090a0b0c0d0e0f");

    private static String alice() {
        return TestKeys.alice().keyId().toString();
    }

    private static String password(long ts) throws RelayException {
        return ConnectToken.create(TestKeys.alice(), REALM, ts, NONCE16).password();
    }

    /** A token signed correctly over arbitrary (possibly invalid) field texts. */
    private static String forge(String ts, String nonceText) {
        byte[] input = (ConnectToken.SIGNING_DOMAIN + "\n" + REALM + "\n" + alice() + "\n" + ts + "\n" + nonceText)
                .getBytes(StandardCharsets.UTF_8);
        return "v1." + ts + "." + nonceText + "." + Base64Url.encode(TestKeys.alice().sign(input));
    }

    private static ErrorCode codeOf(String username, String password, String realm, long now) {
        try {
            ConnectToken.verify(username, password, realm, now, WINDOW);
            return null;
        } catch (RelayException e) {
            return e.code();
        }
    }

    // ---------------------------------------------------------------- round trip and layout

    @Test
    void createThenVerifyRoundTrips() throws RelayException {
        ConnectToken token = ConnectToken.create(TestKeys.alice(), REALM, NOW);
        ConnectToken.Verified verified = ConnectToken.verify(alice(), token.password(), REALM, NOW, WINDOW);

        assertThat(verified.keyId()).isEqualTo(TestKeys.alice().keyId());
        assertThat(verified.timestampSeconds()).isEqualTo(NOW);
        assertThat(verified.nonce()).isEqualTo(token.nonce());
        assertThat(token.nonce()).hasSize(22);
        assertThat(verified.rememberUntilSeconds()).isEqualTo(NOW + WINDOW + 1);
    }

    @ParameterizedTest(name = "ts={0} window={1}")
    @CsvSource({"1767225600, 120", "1767225500, 120", "0, 0", "1000, 30", "999999999999, 5"})
    void rememberUntilIsTsPlusWindowPlusOne(long ts, long window) throws RelayException {
        ConnectToken.Verified verified = ConnectToken.verify(alice(), password(ts), REALM, ts, window);
        assertThat(verified.rememberUntilSeconds()).isEqualTo(ts + window + 1);
    }

    @Test
    void randomNoncesDiffer() throws RelayException {
        assertThat(ConnectToken.create(TestKeys.alice(), REALM, NOW).nonce())
                .isNotEqualTo(ConnectToken.create(TestKeys.alice(), REALM, NOW).nonce());
    }

    @Test
    void passwordHasTheDesignedShape() throws RelayException {
        ConnectToken token = ConnectToken.create(TestKeys.alice(), REALM, NOW, NONCE16);
        String expectedSig = Base64Url.encode(TestKeys.alice().sign(ConnectToken.signingString(REALM, alice(), NOW,
                Base64Url.encode(NONCE16))));

        assertThat(token.password()).isEqualTo("v1.1767225600.AAECAwQFBgcICQoLDA0ODw." + expectedSig);
        assertThat(token.toString()).isEqualTo(token.password());
        assertThat(expectedSig).hasSize(86);
        assertThat(token.timestampSeconds()).isEqualTo(NOW);
        assertThat(token.nonce()).isEqualTo("AAECAwQFBgcICQoLDA0ODw");
        assertThat(token.signature()).isEqualTo(Base64Url.decode(expectedSig, "sig"));
        assertThat(ConnectToken.parse(token.password()).password()).isEqualTo(token.password());
    }

    @Test
    void signingStringExactBytes() {
        byte[] actual = ConnectToken.signingString("realm.A_b-1", "KEY", 1767225600L, "NONCE");
        byte[] expected = ("relay-connect-v1" + (char) 0x0a + "realm.A_b-1" + (char) 0x0a + "KEY" + (char) 0x0a
                + "1767225600" + (char) 0x0a + "NONCE").getBytes(StandardCharsets.US_ASCII);
        assertThat(actual).isEqualTo(expected);
        assertThat(actual).hasSize(16 + 1 + 11 + 1 + 3 + 1 + 10 + 1 + 5);
        assertThat(actual[actual.length - 1]).as("no trailing LF").isEqualTo((byte) 'E');
        assertThat(TestKeys.HEX.formatHex(ConnectToken.signingString("r", "k", 0, "n")))
                .isEqualTo("72656c61792d636f6e6e6563742d76310a720a6b0a300a6e");
    }

    @Test
    void tokenSignatureCoversTheSigningString() throws RelayException {
        ConnectToken token = ConnectToken.create(TestKeys.alice(), REALM, NOW, NONCE16);
        assertThat(TestKeys.alice().keyId().verify(ConnectToken.signingString(REALM, alice(), NOW, token.nonce()),
                token.signature())).isTrue();
    }

    @ParameterizedTest(name = "{0} nonce bytes")
    @ValueSource(ints = {16, 17, 24, 31, 32})
    void acceptsNonceLengths16To32(int length) throws RelayException {
        byte[] nonce = new byte[length];
        nonce[0] = 7;
        String password = ConnectToken.create(TestKeys.alice(), REALM, NOW, nonce).password();
        assertThat(ConnectToken.verify(alice(), password, REALM, NOW, WINDOW).nonce()).isEqualTo(Base64Url.encode(nonce));
    }

    @Test
    void timestampZeroIsAllowed() throws RelayException {
        assertThat(ConnectToken.verify(alice(), password(0), REALM, 0, WINDOW).timestampSeconds()).isZero();
        assertThat(password(0)).startsWith("v1.0.");
    }

    // ---------------------------------------------------------------- clock window

    @ParameterizedTest(name = "ts offset {0} s")
    @ValueSource(longs = {-120, -119, -1, 0, 1, 119, 120})
    void clockWindowEdgesPass(long offset) throws RelayException {
        assertThat(ConnectToken.verify(alice(), password(NOW + offset), REALM, NOW, WINDOW).timestampSeconds())
                .isEqualTo(NOW + offset);
    }

    @ParameterizedTest(name = "ts offset {0} s")
    @ValueSource(longs = {-121, 121, -3600, 3600, -NOW})
    void outsideTheWindowIsExpiredToken(long offset) throws RelayException {
        assertThat(codeOf(alice(), password(NOW + offset), REALM, NOW)).isEqualTo(ErrorCode.EXPIRED_TOKEN);
    }

    @Test
    void windowIsTheOperatorSetting() throws RelayException {
        String password = password(NOW - 30);
        assertThat(ConnectToken.verify(alice(), password, REALM, NOW, 30).timestampSeconds()).isEqualTo(NOW - 30);
        assertThatThrownBy(() -> ConnectToken.verify(alice(), password, REALM, NOW, 29))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPIRED_TOKEN));
    }

    // ---------------------------------------------------------------- refusals

    static Stream<Arguments> refusals() throws RelayException {
        String a = TestKeys.alice().keyId().toString();
        String good = password(NOW);
        String[] parts = good.split("\\.");
        String ts = parts[1];
        String nonce = parts[2];
        String sig = parts[3];
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("control", a, good, REALM, null));
        // realm / signature
        out.add(Arguments.of("wrong realm", a, good, "other-realm", ErrorCode.BAD_SIGNATURE));
        out.add(Arguments.of("realm differs in case", a, good, "Example-realm", ErrorCode.BAD_SIGNATURE));
        out.add(Arguments.of("realm is a prefix", a, good, "example", ErrorCode.BAD_SIGNATURE));
        out.add(Arguments.of("signed by another key", TestKeys.bob().keyId().toString(), good, REALM, ErrorCode.BAD_SIGNATURE));
        out.add(Arguments.of("tampered signature", a, "v1." + ts + "." + nonce + "." + TestKeys.bumpBase64Char(sig, 10),
                REALM, ErrorCode.BAD_SIGNATURE));
        out.add(Arguments.of("tampered signature first char", a, "v1." + ts + "." + nonce + "." + TestKeys.bumpBase64Char(sig, 0),
                REALM, ErrorCode.BAD_SIGNATURE));
        out.add(Arguments.of("tampered nonce", a, "v1." + ts + "." + TestKeys.bumpBase64Char(nonce, 0) + "." + sig,
                REALM, ErrorCode.BAD_SIGNATURE));
        out.add(Arguments.of("tampered ts (+1 s)", a, "v1." + (NOW + 1) + "." + nonce + "." + sig, REALM, ErrorCode.BAD_SIGNATURE));
        out.add(Arguments.of("tampered ts (-1 s)", a, "v1." + (NOW - 1) + "." + nonce + "." + sig, REALM, ErrorCode.BAD_SIGNATURE));
        out.add(Arguments.of("all-zero signature", a, "v1." + ts + "." + nonce + "." + Base64Url.encode(new byte[64]),
                REALM, ErrorCode.BAD_SIGNATURE));
        // timestamp text
        out.add(Arguments.of("leading zero", a, "v1.0" + ts + "." + nonce + "." + sig, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("leading zero (validly signed)", a, forge("0" + ts, nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("00", a, forge("00", nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("plus sign", a, forge("+" + ts, nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("minus sign", a, forge("-" + ts, nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("hex digits", a, forge("69557e00", nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("space", a, forge(" " + ts, nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("exponent", a, forge("1.7e9", nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("arabic-indic digits", a, forge("\u0661\u0667\u0666", nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("milliseconds (13 digits)", a, forge(ts + "000", nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("empty ts", a, forge("", nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("19-digit ts", a, forge("9".repeat(19), nonce), REALM, ErrorCode.BAD_CREDENTIALS));
        // nonce
        out.add(Arguments.of("nonce 15 bytes", a, forge(ts, Base64Url.encode(new byte[15])), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("nonce 33 bytes", a, forge(ts, Base64Url.encode(new byte[33])), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("nonce empty", a, forge(ts, ""), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("nonce with padding", a, forge(ts, nonce + "=="), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("nonce non-canonical", a, forge(ts, TestKeys.bumpBase64Char(nonce, nonce.length() - 1)),
                REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("nonce standard alphabet", a, forge(ts, "+" + nonce.substring(1)), REALM, ErrorCode.BAD_CREDENTIALS));
        // signature field
        out.add(Arguments.of("signature 63 bytes", a, "v1." + ts + "." + nonce + "." + Base64Url.encode(new byte[63]),
                REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("signature with padding", a, good + "==", REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("signature non-canonical", a, "v1." + ts + "." + nonce + "." + TestKeys.bumpBase64Char(sig, 85),
                REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("signature empty", a, "v1." + ts + "." + nonce + ".", REALM, ErrorCode.BAD_CREDENTIALS));
        // structure
        out.add(Arguments.of("missing signature part", a, "v1." + ts + "." + nonce, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("missing nonce part", a, "v1." + ts + "." + sig, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("only prefix", a, "v1.", REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("no prefix", a, ts + "." + nonce + "." + sig, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("v2 prefix", a, "v2." + ts + "." + nonce + "." + sig, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("upper-case prefix", a, "V1." + ts + "." + nonce + "." + sig, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("extra part", a, good + ".x", REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("extra empty part", a, good + ".", REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("extra dot inside", a, "v1." + ts + ".." + nonce + "." + sig, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("trailing newline", a, good + "\n", REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("leading space", a, " " + good, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("too long", a, good + "A".repeat(200), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("very long", a, "v1." + "1".repeat(100_000), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("empty password", a, "", REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("null password", a, null, REALM, ErrorCode.BAD_CREDENTIALS));
        // username
        out.add(Arguments.of("null username", null, good, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("empty username", "", good, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("username is did:key", TestKeys.RFC1_DID, good, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("username 42 chars", a.substring(0, 42), good, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("username with client suffix", a + ".phone", good, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("username non-canonical", TestKeys.bumpBase64Char(a, 42), good, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("username small-order point", Base64Url.encode(identity()), good, REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("username is the token", good, good, REALM, ErrorCode.BAD_CREDENTIALS));
        // order: credentials before clock before signature
        out.add(Arguments.of("bad username and expired", "x", password(NOW - 1000), REALM, ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("bad token and wrong realm", a, "v1.01.x.y", "other", ErrorCode.BAD_CREDENTIALS));
        out.add(Arguments.of("expired and wrong realm", a, password(NOW - 1000), "other", ErrorCode.EXPIRED_TOKEN));
        out.add(Arguments.of("expired and other key", TestKeys.bob().keyId().toString(), password(NOW + 1000), REALM,
                ErrorCode.EXPIRED_TOKEN));
        return out.stream();
    }

    private static byte[] identity() {
        byte[] b = new byte[32];
        b[0] = 1;
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void verifyRefuses(String name, String username, String password, String realm, ErrorCode expected) {
        assertThat(codeOf(username, password, realm, NOW)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "realm \"{0}\"")
    @ValueSource(strings = {"", "has space", "slash/realm", "ünïcode", "colon:x"})
    void createRejectsInvalidRealms(String realm) {
        assertThatThrownBy(() -> ConnectToken.create(TestKeys.alice(), realm, NOW))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void createRejectsATooLongOrNullRealmButAccepts64Chars() throws RelayException {
        assertThat(ConnectToken.create(TestKeys.alice(), "r".repeat(64), NOW).password()).startsWith("v1.");
        assertThatThrownBy(() -> ConnectToken.create(TestKeys.alice(), "r".repeat(65), NOW)).isInstanceOf(RelayException.class);
        assertThatThrownBy(() -> ConnectToken.create(TestKeys.alice(), null, NOW)).isInstanceOf(RelayException.class);
    }

    @ParameterizedTest(name = "{0} nonce bytes")
    @ValueSource(ints = {0, 15, 33, 64})
    void createRejectsBadNonceLengths(int length) {
        assertThatThrownBy(() -> ConnectToken.create(TestKeys.alice(), REALM, NOW, new byte[length]))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @ParameterizedTest(name = "ts {0}")
    @ValueSource(longs = {-1, 1_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE})
    void createRejectsTimestampsOutOfRange(long ts) {
        assertThatThrownBy(() -> ConnectToken.create(TestKeys.alice(), REALM, ts, NONCE16))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void largestTimestampRoundTrips() throws RelayException {
        long ts = 999_999_999_999L;
        String password = password(ts);
        assertThat(password.length()).isLessThanOrEqualTo(ConnectToken.MAX_TOKEN_LENGTH);
        assertThat(ConnectToken.verify(alice(), password, REALM, ts, WINDOW).timestampSeconds()).isEqualTo(ts);
    }

    @Test
    void longestValidTokenFitsTheLengthLimit() throws RelayException {
        String password = ConnectToken.create(TestKeys.alice(), REALM, 999_999_999_999L, new byte[32]).password();
        assertThat(password).hasSize(ConnectToken.MAX_TOKEN_LENGTH);
        assertThat(ConnectToken.parse(password).password()).isEqualTo(password);
    }
}
