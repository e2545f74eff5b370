package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RelayKeyPairTest {

    /** RFC 8032 section 7.1, TEST 1..3: secret key, public key, message, signature. */
    @ParameterizedTest(name = "RFC 8032 test {0}")
    @CsvSource({
            "1, 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60, "
                    + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, '', "
                    + "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            "2, 4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb, "
                    + "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c, 72, "
                    + "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            "3, c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7, "
                    + "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025, af82, "
                    + "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    })
    void rfc8032Vectors(int test, String seedHex, String publicHex, String messageHex, String signatureHex)
            throws RelayException {
        RelayKeyPair key = RelayKeyPair.fromSeed(TestKeys.HEX.parseHex(seedHex));
        byte[] message = TestKeys.HEX.parseHex(messageHex);

        assertThat(TestKeys.HEX.formatHex(key.keyId().raw())).isEqualTo(publicHex);
        assertThat(key.keyId().toString()).isEqualTo(Base64Url.encode(TestKeys.HEX.parseHex(publicHex)));
        assertThat(TestKeys.HEX.formatHex(key.sign(message))).isEqualTo(signatureHex);
        assertThat(key.keyId().verify(message, TestKeys.HEX.parseHex(signatureHex))).isTrue();
        assertThat(TestKeys.HEX.formatHex(key.seed())).isEqualTo(seedHex);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 16, 31, 33, 64})
    void fromSeedRejectsWrongLengths(int length) {
        assertThatThrownBy(() -> RelayKeyPair.fromSeed(new byte[length]))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void fromSeedRejectsNull() {
        assertThatThrownBy(() -> RelayKeyPair.fromSeed(null))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void fromSeedCopiesItsInputAndSeedReturnsACopy() throws RelayException {
        byte[] seed = TestKeys.HEX.parseHex(TestKeys.RFC1_SEED);
        RelayKeyPair key = RelayKeyPair.fromSeed(seed);
        seed[0] ^= 1;
        key.seed()[1] ^= 1;
        assertThat(TestKeys.HEX.formatHex(key.seed())).isEqualTo(TestKeys.RFC1_SEED);
        assertThat(key.keyId().toString()).isEqualTo(TestKeys.RFC1_KEY_ID);
    }

    @Test
    void signaturesVerifyWithTheJdkProvider() throws Exception {
        // Independent implementation: the JDK's EdDSA provider must accept what we sign (X.509 SPKI prefix + raw key).
        byte[] spkiPrefix = TestKeys.HEX.parseHex("302a300506032b6570032100");
        Random random = new Random(8032);
        KeyFactory factory = KeyFactory.getInstance("Ed25519");
        for (int i = 0; i < 20; i++) {
            byte[] seed = new byte[32];
            random.nextBytes(seed);
            RelayKeyPair key = RelayKeyPair.fromSeed(seed);
            byte[] message = new byte[random.nextInt(200)];
            random.nextBytes(message);

            byte[] spki = new byte[spkiPrefix.length + 32];
            System.arraycopy(spkiPrefix, 0, spki, 0, spkiPrefix.length);
            System.arraycopy(key.keyId().raw(), 0, spki, spkiPrefix.length, 32);
            PublicKey jdkKey = factory.generatePublic(new X509EncodedKeySpec(spki));
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(jdkKey);
            verifier.update(message);
            assertThat(verifier.verify(key.sign(message))).as("round %d", i).isTrue();
        }
    }

    @Test
    void signingIsDeterministic() {
        RelayKeyPair key = TestKeys.alice();
        byte[] message = TestKeys.utf8("same");
        assertThat(key.sign(message)).isEqualTo(key.sign(message)).hasSize(64);
    }

    @Test
    void generateGivesDistinctWorkingKeys() {
        RelayKeyPair a = RelayKeyPair.generate();
        RelayKeyPair b = RelayKeyPair.generate();
        assertThat(a).isNotEqualTo(b);
        assertThat(a.keyId()).isNotEqualTo(b.keyId());
        byte[] message = TestKeys.utf8("m");
        assertThat(a.keyId().verify(message, a.sign(message))).isTrue();
        assertThat(b.keyId().verify(message, a.sign(message))).isFalse();
    }

    @Test
    void equalityIsBySeedAndToStringHidesTheSeed() {
        assertThat(TestKeys.alice()).isEqualTo(TestKeys.alice()).hasSameHashCodeAs(TestKeys.alice())
                .isNotEqualTo(TestKeys.bob());
        assertThat(TestKeys.alice().toString()).contains(TestKeys.RFC1_KEY_ID)
                .doesNotContain(TestKeys.RFC1_SEED)
                .doesNotContain(Base64Url.encode(TestKeys.HEX.parseHex(TestKeys.RFC1_SEED)));
    }
}
