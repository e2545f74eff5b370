package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.store.Presence;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.InboxPolicy;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.KeyFiles;
import dev.relay.protocol.Kind;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operator settings (docs/operations.md) and opening the engine on its data folder. */
class RelayConfigTest {
    @TempDir
    Path dir;

    private static RelayConfigException configFailure(ThrowingCallable call) {
        RelayConfigException e = catchThrowableOfType(RelayConfigException.class, call);
        assertThat(e).as("expected a RelayConfigException").isNotNull();
        return e;
    }

    /** Reads properties as an operator wrote them, plus the required realm where the test does not set one. */
    private static RelayConfig withRealm(Map<String, String> properties, Path fallbackDataDir) {
        Map<String, String> complete = new HashMap<>(properties);
        complete.putIfAbsent(RelayConfig.REALM, "relay");
        return RelayConfig.fromProperties(complete, fallbackDataDir);
    }

    @Test
    void realmIsRequired() {
        RelayConfigException e = configFailure(() -> RelayConfig.fromProperties(Map.of(), dir));
        assertThat(e.key()).isEqualTo(RelayConfig.REALM);
        assertThat(e.getMessage()).contains("required");
    }

    private void assertRefused(Map<String, String> properties, String key) {
        RelayConfigException e = configFailure(() -> withRealm(properties, dir));
        assertThat(e.key()).as("%s", properties).isEqualTo(key);
        assertThat(e.getMessage()).contains(key);
        String value = properties.get(key);
        if (value != null) {
            assertThat(e.getMessage()).contains("'" + value + "'");
        }
    }

    // ------------------------------------------------------------ values

    @Test
    void theStoreIsSqliteUnlessTheOperatorNamesAnother() {
        RelayConfig defaults = withRealm(Map.of(), dir);
        assertThat(defaults.store()).isEqualTo("sqlite");
        assertThat(defaults.storeSettings().properties()).isEmpty();
        assertThat(withRealm(Map.of(RelayConfig.STORE, " Postgres "), dir).store()).isEqualTo("postgres");
        assertRefused(Map.of(RelayConfig.STORE, " "), RelayConfig.STORE);
    }

    @Test
    void storeSettingsAreLeftToTheStoreAndKeptByTheCopies() {
        // relay.store.* keys are not refused here: only the chosen store knows its keys, and refuses the rest at start.
        Map<String, String> store = Map.of("relay.store.sqlite.sync", "normal", "relay.store.postgres.pool-size", "4");
        RelayConfig config = withRealm(store, dir);
        assertThat(config.storeSettings().properties()).isEqualTo(store);
        assertThat(config.storeSettings().dataDir()).isEqualTo(dir);
        assertThat(config.withRealm("other").withRate(5, 5).withMaxParkedPerRecipient(7).withDataDir(dir.resolve("x"))
                .storeSettings().properties()).as("kept by the with* copies").isEqualTo(store);
    }

    @Test
    void defaultsAreThoseOfSpecV1() {
        RelayConfig config = RelayConfig.defaults("relay", dir);
        assertThat(config.realm()).isEqualTo("relay");
        assertThat(config.dataDir()).isEqualTo(dir);
        assertThat(config.tokenWindowSeconds()).isEqualTo(120);
        assertThat(config.maxTtlSeconds()).isEqualTo(2_592_000);
        assertThat(config.maxClockSkewSeconds()).isEqualTo(300);
        assertThat(config.defaultPolicyMode()).isEqualTo(PolicyMode.BLOCKLIST);
        assertThat(config.defaultPolicy()).isEqualTo(InboxPolicy.of(PolicyMode.BLOCKLIST));
        assertThat(config.sendsPerMinute()).isEqualTo(30);
        assertThat(config.sendBurst()).isEqualTo(30);
        assertThat(config.allowOutsideNamespace()).isFalse();
        assertThat(config.maxParkedPerRecipient()).isEqualTo(1000);
    }

    @Test
    void emptyPropertiesGiveTheDefaults() {
        assertThat(withRealm(Map.of(), dir)).isEqualTo(RelayConfig.defaults("relay", dir));
        assertThat(withRealm(Map.of("other.setting", "x", "relayish", "y"), dir))
                .as("keys outside relay.* are not ours").isEqualTo(RelayConfig.defaults("relay", dir));
    }

    @Test
    void fromPropertiesParsesEveryKey() {
        Map<String, String> properties = new HashMap<>();
        properties.put(RelayConfig.REALM, "home.lab-1");
        properties.put(RelayConfig.DATA_DIR, dir.resolve("relay-data").toString());
        properties.put(RelayConfig.TOKEN_WINDOW, "60");
        properties.put(RelayConfig.MAX_TTL, "86400");
        properties.put(RelayConfig.MAX_CLOCK_SKEW, " 30 ");
        properties.put(RelayConfig.DEFAULT_POLICY, "allowlist");
        properties.put(RelayConfig.SENDS_PER_MINUTE, "120");
        properties.put(RelayConfig.SEND_BURST, "10");
        properties.put(RelayConfig.ALLOW_OUTSIDE_NAMESPACE, "TRUE");
        properties.put(RelayConfig.MAX_PARKED, "5");

        RelayConfig config = withRealm(properties, Path.of("/unused"));

        assertThat(config).isEqualTo(new RelayConfig("home.lab-1", dir.resolve("relay-data"), 60, 86_400, 30,
                PolicyMode.ALLOWLIST, 120, 10, true, 5));
        assertThat(config.defaultPolicy()).isEqualTo(InboxPolicy.of(PolicyMode.ALLOWLIST));
    }

    @Test
    void burstFollowsSendsPerMinuteUnlessSet() {
        RelayConfig config = withRealm(Map.of(RelayConfig.SENDS_PER_MINUTE, "90"), dir);
        assertThat(config.sendsPerMinute()).isEqualTo(90);
        assertThat(config.sendBurst()).isEqualTo(90);
        assertThat(withRealm(Map.of(RelayConfig.SEND_BURST, "7"), dir).sendsPerMinute()).isEqualTo(30);
    }

    @Test
    void dataDirFromPropertiesNeedsNoFallback() {
        Path configured = dir.resolve("configured");
        RelayConfig config = withRealm(Map.of(RelayConfig.DATA_DIR, configured.toString()), null);
        assertThat(config.dataDir()).isEqualTo(configured);
        assertThat(configFailure(() -> withRealm(Map.of(), null)).key()).isEqualTo(RelayConfig.DATA_DIR);
    }

    @Test
    void unknownRelayKeyIsRefused() {
        assertRefused(Map.of("relay.rate.sends-per-minut", "30"), "relay.rate.sends-per-minut");
        assertRefused(Map.of("relay.realm", "ok", "relay.colour", "blue"), "relay.colour");
    }

    @Test
    void badNumbersAreRefused() {
        assertRefused(Map.of(RelayConfig.TOKEN_WINDOW, "two minutes"), RelayConfig.TOKEN_WINDOW);
        assertRefused(Map.of(RelayConfig.MAX_TTL, "1.5"), RelayConfig.MAX_TTL);
        assertRefused(Map.of(RelayConfig.MAX_CLOCK_SKEW, ""), RelayConfig.MAX_CLOCK_SKEW);
        assertRefused(Map.of(RelayConfig.SENDS_PER_MINUTE, "30/min"), RelayConfig.SENDS_PER_MINUTE);
        assertRefused(Map.of(RelayConfig.SEND_BURST, "0x10"), RelayConfig.SEND_BURST);
        assertRefused(Map.of(RelayConfig.MAX_PARKED, "99999999999999999999"), RelayConfig.MAX_PARKED);
    }

    @Test
    void badBooleanIsRefused() {
        assertRefused(Map.of(RelayConfig.ALLOW_OUTSIDE_NAMESPACE, "yes"), RelayConfig.ALLOW_OUTSIDE_NAMESPACE);
        assertRefused(Map.of(RelayConfig.ALLOW_OUTSIDE_NAMESPACE, "1"), RelayConfig.ALLOW_OUTSIDE_NAMESPACE);
    }

    @Test
    void badPolicyModeIsRefused() {
        assertRefused(Map.of(RelayConfig.DEFAULT_POLICY, "strict"), RelayConfig.DEFAULT_POLICY);
        assertRefused(Map.of(RelayConfig.DEFAULT_POLICY, "Open"), RelayConfig.DEFAULT_POLICY);
    }

    @Test
    void outOfRangeValuesAreRefused() {
        assertRefused(Map.of(RelayConfig.TOKEN_WINDOW, "4"), RelayConfig.TOKEN_WINDOW);
        assertRefused(Map.of(RelayConfig.TOKEN_WINDOW, "3601"), RelayConfig.TOKEN_WINDOW);
        assertRefused(Map.of(RelayConfig.MAX_TTL, "0"), RelayConfig.MAX_TTL);
        assertRefused(Map.of(RelayConfig.MAX_TTL, "2592001"), RelayConfig.MAX_TTL);
        assertRefused(Map.of(RelayConfig.MAX_CLOCK_SKEW, "-1"), RelayConfig.MAX_CLOCK_SKEW);
        assertRefused(Map.of(RelayConfig.MAX_CLOCK_SKEW, "3601"), RelayConfig.MAX_CLOCK_SKEW);
        assertRefused(Map.of(RelayConfig.SENDS_PER_MINUTE, "0"), RelayConfig.SENDS_PER_MINUTE);
        assertRefused(Map.of(RelayConfig.SEND_BURST, "0"), RelayConfig.SEND_BURST);
        assertRefused(Map.of(RelayConfig.MAX_PARKED, "0"), RelayConfig.MAX_PARKED);
        assertRefused(Map.of(RelayConfig.MAX_PARKED, "-5"), RelayConfig.MAX_PARKED);
    }

    @Test
    void valuesBeyondAnIntAreRefusedNotWrapped() {
        long wrapsTo30 = (1L << 32) + 30;
        assertRefused(Map.of(RelayConfig.SENDS_PER_MINUTE, Long.toString(wrapsTo30)), RelayConfig.SENDS_PER_MINUTE);
        assertRefused(Map.of(RelayConfig.SEND_BURST, Long.toString(wrapsTo30)), RelayConfig.SEND_BURST);
        assertRefused(Map.of(RelayConfig.MAX_PARKED, Long.toString((1L << 32) + 1000)), RelayConfig.MAX_PARKED);
    }

    @Test
    void badRealmIsRefused() {
        assertRefused(Map.of(RelayConfig.REALM, "my realm"), RelayConfig.REALM);
        assertRefused(Map.of(RelayConfig.REALM, ""), RelayConfig.REALM);
        assertRefused(Map.of(RelayConfig.REALM, "x".repeat(65)), RelayConfig.REALM);
        assertThat(configFailure(() -> RelayConfig.defaults("realm/1", dir)).key()).isEqualTo(RelayConfig.REALM);
        assertThat(RelayConfig.defaults("x".repeat(64), dir).realm()).hasSize(64);
    }

    @Test
    void constructorRefusesMissingValues() {
        assertThat(configFailure(() -> new RelayConfig("r", null, 120, 60, 300, PolicyMode.OPEN, 1, 1, false, 1)).key())
                .isEqualTo(RelayConfig.DATA_DIR);
        assertThat(configFailure(() -> new RelayConfig("r", dir, 120, 60, 300, null, 1, 1, false, 1)).key())
                .isEqualTo(RelayConfig.DEFAULT_POLICY);
        assertThat(configFailure(() -> new RelayConfig(null, dir, 120, 60, 300, PolicyMode.OPEN, 1, 1, false, 1)).key())
                .isEqualTo(RelayConfig.REALM);
    }

    @Test
    void withersChangeOneSettingAndValidate() {
        RelayConfig base = RelayConfig.defaults("relay", dir);
        assertThat(base.withRealm("other")).isEqualTo(new RelayConfig("other", dir, 120, 2_592_000, 300,
                PolicyMode.BLOCKLIST, 30, 30, false, 1000));
        assertThat(base.withRate(5, 7)).isEqualTo(new RelayConfig("relay", dir, 120, 2_592_000, 300,
                PolicyMode.BLOCKLIST, 5, 7, false, 1000));
        assertThat(base.withDefaultPolicy(PolicyMode.CLOSED).defaultPolicyMode()).isEqualTo(PolicyMode.CLOSED);
        assertThat(base.withAllowOutsideNamespace(true).allowOutsideNamespace()).isTrue();
        assertThat(base.withMaxParkedPerRecipient(3).maxParkedPerRecipient()).isEqualTo(3);
        assertThat(configFailure(() -> base.withRate(0, 1)).key()).isEqualTo(RelayConfig.SENDS_PER_MINUTE);
        assertThat(configFailure(() -> base.withMaxParkedPerRecipient(0)).key()).isEqualTo(RelayConfig.MAX_PARKED);
        assertThat(configFailure(() -> base.withRealm("bad realm")).key()).isEqualTo(RelayConfig.REALM);
    }

    // ------------------------------------------------------------ open

    private Envelope request(RelayKeyPair requester, MutableClock clock, SystemOp op, Map<String, ?> args) {
        return EngineTestSupport.sign(Envelope.builder(Kind.REQUEST).to(Envelope.SYSTEM_RECIPIENT).ts(clock.millis())
                .contentType(JsonBodies.CONTENT_TYPE).body(SystemRequest.body(op, args)), requester);
    }

    private JsonNode answer(RelayEngine engine, RelayKeyPair requester, MutableClock clock, SystemOp op,
                            Map<String, ?> args) throws Exception {
        PublishOutcome outcome = engine.onPublish(requester.keyId(), EngineTestSupport.LASTING, EngineTestSupport.systemAddress(),
                request(requester, clock, op, args).toJson());
        assertThat(outcome).isInstanceOf(PublishOutcome.Reply.class);
        Envelope reply = ((PublishOutcome.Reply) outcome).reply();
        assertThat(reply.verify()).isEqualTo(engine.relayKeyId());
        assertThat(reply.kind()).isEqualTo(Kind.RESPONSE);
        return EngineTestSupport.body(reply).get("result");
    }

    @Test
    void openCreatesAPrivateRelayKeyAndReusesIt() throws Exception {
        Path data = dir.resolve("data");
        RelayConfig config = RelayConfig.defaults("relay", data);
        MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();

        String firstKey;
        try (RelayEngine engine = RelayEngine.open(config, clock)) {
            Path keyFile = data.resolve("relay-key.json");
            assertThat(keyFile).isRegularFile();
            assertThat(data.resolve("relay.db")).isRegularFile();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
            assertThat(KeyFiles.load(keyFile).keyId()).isEqualTo(engine.relayKeyId());
            firstKey = engine.relayKeyId().toString();

            assertThat(answer(engine, alice, clock, SystemOp.POLICY_SET, Map.of("mode", "closed")).get("mode").asText())
                    .isEqualTo("closed");
            engine.onConnected(alice.keyId());
            assertThat(answer(engine, bob, clock, SystemOp.RELAY_INFO, Map.of()).get("relay_key").asText())
                    .isEqualTo(firstKey);
        }

        clock.advanceSeconds(5);
        try (RelayEngine reopened = RelayEngine.open(config, clock)) {
            assertThat(reopened.relayKeyId().toString()).as("same relay identity").isEqualTo(firstKey);
            assertThat(answer(reopened, alice, clock, SystemOp.POLICY_GET, Map.of()).get("mode").asText())
                    .as("policy survived the restart").isEqualTo("closed");
            Envelope toAlice = EngineTestSupport.sign(Envelope.builder(Kind.MESSAGE).to(alice.keyId()).ts(clock.millis())
                    .body("hi"), bob);
            PublishOutcome refused = reopened.onPublish(bob.keyId(), EngineTestSupport.LASTING, EngineTestSupport.inboxOf(alice), toAlice.toJson());
            assertThat(refused).isInstanceOf(PublishOutcome.Reject.class);
            assertThat(((PublishOutcome.Reject) refused).code()).isEqualTo(ErrorCode.ACL_DENIED);

            Presence presence = reopened.store().presence(alice.keyId().toString()).orElseThrow();
            assertThat(presence.online()).as("sessions of the last run are gone").isFalse();
            assertThat(presence.lastSeenMs()).isEqualTo(clock.millis());
            assertThat(reopened.store().verifyAuditChain().intact()).isTrue();
        }
    }

    @Test
    void openRefusesAKeyFileOthersCanRead() throws IOException {
        Path data = dir.resolve("shared");
        Files.createDirectories(data);
        Path keyFile = data.resolve("relay-key.json");
        KeyFiles.save(keyFile, RelayKeyPair.generate(), false);
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));

        RelayConfigException e = configFailure(() -> RelayEngine.open(RelayConfig.defaults("relay", data),
                new MutableClock(Instant.now())));
        assertThat(e.key()).isEqualTo(RelayConfig.DATA_DIR);
        assertThat(e.getMessage()).contains("relay-key.json");
    }

    @Test
    void openUsesAnExistingKeyFile() throws Exception {
        Path data = dir.resolve("provisioned");
        RelayKeyPair provisioned = RelayKeyPair.generate();
        KeyFiles.save(data.resolve("relay-key.json"), provisioned, false);
        try (RelayEngine engine = RelayEngine.open(RelayConfig.defaults("relay", data), new MutableClock(Instant.now()))) {
            assertThat(engine.relayKeyId()).isEqualTo(provisioned.keyId());
        }
    }
}
