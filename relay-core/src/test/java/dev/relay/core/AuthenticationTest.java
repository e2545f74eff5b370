package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.core.ConnectFacts.Transport;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** SPEC §2: connect tokens, the clock window, the realm, client ids, single-use nonces and challenges. */
class AuthenticationTest extends EngineTestSupport {
    private static final SecureRandom RANDOM = new SecureRandom();

    private long nowSeconds() {
        return Math.floorDiv(clock.millis(), 1000);
    }

    private static byte[] nonce() {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    private static String token(RelayKeyPair key, String realm, long tsSeconds, byte[] nonce) {
        try {
            return ConnectToken.create(key, realm, tsSeconds, nonce).password();
        } catch (RelayException e) {
            throw new AssertionError(e);
        }
    }

    private String token(RelayKeyPair key) {
        return token(key, REALM, nowSeconds(), nonce());
    }

    private static ConnectFacts mqtt(String clientId) {
        return new ConnectFacts(Transport.MQTT5, clientId, "192.0.2.7:50000");
    }

    private KeyId authenticate(RelayKeyPair key, String password) throws RelayException {
        return engine.authenticate(id(key), password, mqtt(id(key)));
    }

    @Test
    void validTokenAuthenticatesItsKey() throws Exception {
        assertThat(authenticate(alice, token(alice))).isEqualTo(alice.keyId());
        assertThat(engine.authenticate(id(bob), token(bob), null)).as("no connect facts").isEqualTo(bob.keyId());
    }

    @Test
    void sameTokenTwiceIsReplay() throws Exception {
        String password = token(alice);
        authenticate(alice, password);

        assertThat(failureCode(() -> authenticate(alice, password))).isEqualTo(ErrorCode.REPLAY);
        assertThat(failureCode(() -> engine.authenticate(id(alice), password, mqtt(id(alice) + ".phone"))))
                .as("another session with the same token").isEqualTo(ErrorCode.REPLAY);
        assertThat(authenticate(alice, token(alice))).as("a fresh token still works").isEqualTo(alice.keyId());
    }

    @Test
    void sameNonceOfAnotherKeyIsNoReplay() throws Exception {
        byte[] shared = nonce();
        authenticate(alice, token(alice, REALM, nowSeconds(), shared));
        assertThat(authenticate(bob, token(bob, REALM, nowSeconds(), shared))).isEqualTo(bob.keyId());
    }

    @Test
    void forgedTokenDoesNotBurnTheNonce() throws Exception {
        RelayKeyPair mallory = RelayKeyPair.generate();
        byte[] nonce = nonce();
        String forged = token(mallory, REALM, nowSeconds(), nonce);

        assertThat(failureCode(() -> engine.authenticate(id(alice), forged, mqtt(id(alice)))))
                .isEqualTo(ErrorCode.BAD_SIGNATURE);

        String genuine = token(alice, REALM, nowSeconds(), nonce);
        assertThat(authenticate(alice, genuine)).as("the genuine token with that nonce").isEqualTo(alice.keyId());
        assertThat(failureCode(() -> authenticate(alice, genuine))).isEqualTo(ErrorCode.REPLAY);
    }

    @Test
    void tokenForAnotherRealmIsBadSignatureAndBurnsNothing() throws Exception {
        byte[] nonce = nonce();
        assertThat(failureCode(() -> authenticate(alice, token(alice, "other-realm", nowSeconds(), nonce))))
                .isEqualTo(ErrorCode.BAD_SIGNATURE);
        assertThat(authenticate(alice, token(alice, REALM, nowSeconds(), nonce))).isEqualTo(alice.keyId());
    }

    @Test
    void engineOfAnotherRealmRefusesThisRealmsToken() {
        RelayEngine other = engineWith(config().withRealm("other-realm"));
        String password = token(alice);
        assertThat(failureCode(() -> other.authenticate(id(alice), password, null))).isEqualTo(ErrorCode.BAD_SIGNATURE);
    }

    @Test
    void tokenOfAnotherKeyUnderThisUsernameIsBadSignature() {
        String bobsToken = token(bob);
        assertThat(failureCode(() -> engine.authenticate(id(alice), bobsToken, null))).isEqualTo(ErrorCode.BAD_SIGNATURE);
    }

    @Test
    void clockWindowIsEnforcedOnBothSides() throws Exception {
        long t = nowSeconds();
        String password = token(alice, REALM, t, nonce());

        clock.setMillis((t + 121) * 1000);
        assertThat(failureCode(() -> authenticate(alice, password))).as("token too old").isEqualTo(ErrorCode.EXPIRED_TOKEN);

        clock.setMillis((t - 121) * 1000);
        assertThat(failureCode(() -> authenticate(alice, password))).as("token from the future")
                .isEqualTo(ErrorCode.EXPIRED_TOKEN);

        clock.setMillis((t + 120) * 1000 + 999);
        assertThat(authenticate(alice, password)).as("at the edge of the window, and not burnt before")
                .isEqualTo(alice.keyId());

        String early = token(alice, REALM, t, nonce());
        clock.setMillis((t - 120) * 1000);
        assertThat(authenticate(alice, early)).as("120 s ahead of relay time").isEqualTo(alice.keyId());
    }

    @Test
    void configuredWindowApplies() throws Exception {
        RelayEngine narrow = engineWith(new RelayConfig(REALM, dataDir, 5, 2_592_000, 300,
                config().defaultPolicyMode(), 30, 30, false, 1000));
        long t = nowSeconds();
        String password = token(alice, REALM, t, nonce());
        clock.setMillis((t + 6) * 1000);
        assertThat(failureCode(() -> narrow.authenticate(id(alice), password, null))).isEqualTo(ErrorCode.EXPIRED_TOKEN);
        assertThat(engine.authenticate(id(alice), password, null)).as("default window of 120 s").isEqualTo(alice.keyId());
    }

    @Test
    void usernameThatIsNotAKeyIdIsBadCredentials() {
        String password = token(alice);
        for (String username : new String[] {"alice", "", null, id(alice) + "x", id(alice).substring(1)}) {
            assertThat(failureCode(() -> engine.authenticate(username, password, null)))
                    .as("username %s", username).isEqualTo(ErrorCode.BAD_CREDENTIALS);
        }
    }

    @Test
    void passwordThatIsNotATokenIsBadCredentials() {
        for (String password : new String[] {"secret", "", null, "v1.1.2.3", "v2." + token(alice).substring(3)}) {
            assertThat(failureCode(() -> engine.authenticate(id(alice), password, null)))
                    .as("password %s", password).isEqualTo(ErrorCode.BAD_CREDENTIALS);
        }
    }

    @Test
    void clientIdMustBeTheKeyIdOrKeyIdWithSuffix() throws Exception {
        String key = id(alice);
        assertThat(engine.authenticate(key, token(alice), mqtt(key))).isEqualTo(alice.keyId());
        assertThat(engine.authenticate(key, token(alice), mqtt(key + ".phone"))).isEqualTo(alice.keyId());
        assertThat(engine.authenticate(key, token(alice), mqtt(key + ".A_b-9"))).isEqualTo(alice.keyId());
        assertThat(engine.authenticate(key, token(alice), mqtt(key + "." + "x".repeat(20)))).isEqualTo(alice.keyId());
        assertThat(engine.authenticate(key, token(alice), mqtt(""))).as("empty: assigned").isEqualTo(alice.keyId());
        assertThat(engine.authenticate(key, token(alice), new ConnectFacts(Transport.AMQP, null, null)))
                .isEqualTo(alice.keyId());

        for (String clientId : new String[] {id(bob), id(bob) + ".phone", key + ".", key + ".a/b", key + "phone",
                key + "." + "x".repeat(21), "phone"}) {
            String password = token(alice);
            assertThat(failureCode(() -> engine.authenticate(key, password, mqtt(clientId))))
                    .as("client id %s", clientId).isEqualTo(ErrorCode.BAD_CLIENT_ID);
        }
    }

    @Test
    void badClientIdDoesNotBurnTheNonce() throws Exception {
        String password = token(alice);
        assertThat(failureCode(() -> engine.authenticate(id(alice), password, mqtt(id(bob)))))
                .isEqualTo(ErrorCode.BAD_CLIENT_ID);

        assertThat(engine.authenticate(id(alice), password, mqtt(id(alice)))).isEqualTo(alice.keyId());
        assertThat(failureCode(() -> engine.authenticate(id(alice), password, mqtt(id(alice)))))
                .isEqualTo(ErrorCode.REPLAY);
    }

    @Test
    void challengeNoncesAreFreshAndFullSize() {
        byte[] first = engine.newChallenge();
        byte[] second = engine.newChallenge();
        assertThat(first).hasSize(RelayEngine.CHALLENGE_NONCE_BYTES).isNotEqualTo(second);
        assertThat(second).hasSize(32);
    }

    @Test
    void tokenOverTheChallengeNonceAuthenticatesOnce() throws Exception {
        byte[] challenge = engine.newChallenge();
        String answer = token(alice, REALM, nowSeconds(), challenge);

        assertThat(engine.authenticateChallenge(id(alice), challenge, answer, mqtt(id(alice)))).isEqualTo(alice.keyId());
        assertThat(failureCode(() -> engine.authenticateChallenge(id(alice), challenge, answer, mqtt(id(alice)))))
                .as("the same answer again").isEqualTo(ErrorCode.REPLAY);
        assertThat(failureCode(() -> engine.authenticate(id(alice), answer, mqtt(id(alice)))))
                .as("the answer as a plain token").isEqualTo(ErrorCode.REPLAY);
    }

    @Test
    void tokenOverAnotherNonceDoesNotAnswerTheChallenge() throws Exception {
        byte[] issued = engine.newChallenge();
        byte[] other = engine.newChallenge();
        String answer = token(alice, REALM, nowSeconds(), other);

        assertThat(failureCode(() -> engine.authenticateChallenge(id(alice), issued, answer, null)))
                .isEqualTo(ErrorCode.BAD_CREDENTIALS);
        String plain = token(alice);
        assertThat(failureCode(() -> engine.authenticateChallenge(id(alice), issued, plain, null)))
                .as("a token with its own random nonce").isEqualTo(ErrorCode.BAD_CREDENTIALS);

        assertThat(engine.authenticateChallenge(id(alice), other, answer, null))
                .as("refused answer did not burn its nonce").isEqualTo(alice.keyId());
    }

    @Test
    void challengeAnswerIsCheckedLikeAToken() {
        byte[] challenge = engine.newChallenge();
        RelayKeyPair mallory = RelayKeyPair.generate();
        assertThat(failureCode(() -> engine.authenticateChallenge(id(alice), challenge,
                token(mallory, REALM, nowSeconds(), challenge), null))).isEqualTo(ErrorCode.BAD_SIGNATURE);
        assertThat(failureCode(() -> engine.authenticateChallenge(id(alice), challenge,
                token(alice, "other-realm", nowSeconds(), challenge), null))).isEqualTo(ErrorCode.BAD_SIGNATURE);
        assertThat(failureCode(() -> engine.authenticateChallenge(id(alice), challenge,
                token(alice, REALM, nowSeconds() - 121, challenge), null))).isEqualTo(ErrorCode.EXPIRED_TOKEN);
        assertThat(failureCode(() -> engine.authenticateChallenge(id(alice), challenge,
                token(alice, REALM, nowSeconds(), challenge), mqtt(id(bob))))).isEqualTo(ErrorCode.BAD_CLIENT_ID);
        assertThat(failureCode(() -> engine.authenticateChallenge("not-a-key", challenge,
                token(alice, REALM, nowSeconds(), challenge), null))).isEqualTo(ErrorCode.BAD_CREDENTIALS);
    }

    @Test
    void nonceIsRememberedUnderItsWireText() throws Exception {
        byte[] nonce = nonce();
        authenticate(alice, token(alice, REALM, nowSeconds(), nonce));
        assertThat(store.rememberNonce(id(alice), Base64Url.encode(nonce), Long.MAX_VALUE))
                .as("the engine stored (key id, nonce)").isFalse();
    }

    @Test
    void aStoreFaultDuringTheReplayCheckRefusesAsInternal() throws Exception {
        RelayEngine faulty = RelayEngine.create(config(), storeFailingOn("rememberNonce"), relayKey, clock);
        String password = ConnectToken.create(alice, REALM, clock.millis() / 1000).password();

        assertThat(failureCode(() -> faulty.authenticate(id(alice), password, null))).isEqualTo(ErrorCode.INTERNAL);
    }

    @Test
    void presenceHooksNeverThrowIntoTheBroker() {
        RelayEngine faulty = RelayEngine.create(config(), storeFailingOn("recordConnected"), relayKey, clock);
        faulty.onConnected(alice.keyId());
        RelayEngine faultyDisconnect = RelayEngine.create(config(), storeFailingOn("recordDisconnected"), relayKey, clock);
        faultyDisconnect.onDisconnected(alice.keyId());
        assertThat(store.presence(id(alice))).as("nothing was recorded by the failing stores").isEmpty();
    }

    @Test
    void connectsAndRefusalsOfSignedTokensAreAudited() throws Exception {
        String password = ConnectToken.create(alice, REALM, clock.millis() / 1000).password();
        ConnectFacts facts = new ConnectFacts(Transport.MQTT5, id(alice), "127.0.0.1");
        engine.onConnected(engine.authenticate(id(alice), password, facts), facts);
        assertThat(failureCode(() -> engine.authenticate(id(alice), password, facts))).isEqualTo(ErrorCode.REPLAY);
        assertThat(failureCode(() -> engine.authenticate(id(alice), "v1.garbage", facts)))
                .isEqualTo(ErrorCode.BAD_CREDENTIALS);

        assertThat(audit()).extracting(r -> r.type() + " " + r.subject() + " " + r.detail()).containsExactly(
                "session.connected mqtt5 " + id(alice),
                "identity.first_seen  ",
                "connect.refused mqtt5 replay");
    }
}
