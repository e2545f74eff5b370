package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.store.sqlite.SqliteRelayStore;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Json;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzzing of system requests (SPEC §8.5) from the client's side: the fuzzer writes the body of a
 * correctly signed request envelope, which is all a connected client controls once its envelope verifies. The relay
 * must answer every such body with a response or a precise error; an {@code internal} error means a
 * RuntimeException escaped the argument checks (SystemRequests turns those into {@code internal}), and anything
 * else thrown (StackOverflowError...) escapes the test: both are findings. Runs against the real SQLite store.
 *
 * <p>The input is the raw request body. Seeds ({@code SystemRequestsFuzzTestsInputs/answerIsTotal/}) hold one valid
 * request per operation plus near misses; they run in every build.
 *
 * <p>Fuzz it (30 s, or as long as {@code JAZZER_MAX_DURATION} says, e.g. {@code 10m}); a finding fails the build and
 * is written as {@code crash-<sha1>} into the inputs directory, where it then runs in every build:
 * {@code JAZZER_FUZZ=1 ./mvnw -B test -pl relay-core -am -Dtest='SystemRequestsFuzzTests#answerIsTotal' -Dsurefire.failIfNoSpecifiedTests=false}
 */
class SystemRequestsFuzzTests {
    /** RFC 8032 test key 1 (key id {@code 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo}): seeds name it as owner. */
    private static final RelayKeyPair REQUESTER = key("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    private static final RelayKeyPair RELAY_KEY = key("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7");

    @TempDir
    static Path dataDir;

    private static SqliteRelayStore store;
    private static MutableClock clock;
    private static SystemRequests requests;

    private static RelayKeyPair key(String seedHex) {
        try {
            return RelayKeyPair.fromSeed(HexFormat.of().parseHex(seedHex));
        } catch (RelayException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeAll
    static void openRelay() {
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        store = SqliteRelayStore.open(dataDir.resolve("relay.db"));
        requests = new SystemRequests(RelayConfig.defaults("fuzz-realm", dataDir), store, RELAY_KEY, new KeyIdCache(1024),
                clock);
    }

    @AfterAll
    static void closeRelay() {
        store.close();
    }

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"\"op\"", "\"args\"", "\"relay.info\"", "\"policy.get\"", "\"policy.set\"",
            "\"policy.add\"", "\"policy.remove\"", "\"profile.set\"", "\"profile.get\"", "\"discover\"",
            "\"presence.get\"", "\"thread.history\"", "\"owner\"", "\"mode\"", "\"allow\"", "\"block\"",
            "\"list\"", "\"keys\"", "\"card\"", "\"key_id\"", "\"key_ids\"", "\"tag\"", "\"capability\"",
            "\"text\"", "\"limit\"", "\"cursor\"", "\"thread_id\"", "\"before\"", "\"name\"",
            "\"description\"", "\"capabilities\"", "\"tags\"", "\"visibility\"", "\"version\"", "\"public\"",
            "\"private\"", "\"allowlist\"", "\"blocklist\"", "\"open\"", "\"closed\"",
            "\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"", "\"PUAXw-hDiVqStwqnTRt-vJyYLM8uxJaMwM1V8Sr0Zgw\""})
    void answerIsTotal(byte[] body) throws Exception {
        Envelope request;
        try {
            request = Envelope.builder(Kind.REQUEST).to(Envelope.SYSTEM_RECIPIENT).ts(clock.millis())
                    .contentType(JsonBodies.CONTENT_TYPE).body(body).sign(REQUESTER);
        } catch (RelayException e) {
            assertThat(e.code()).as("only an oversized body cannot be signed").isEqualTo(ErrorCode.TOO_LARGE);
            return;
        }
        Envelope answer = requests.answer(REQUESTER.keyId(), request);

        assertThat(answer.kind()).isIn(Kind.RESPONSE, Kind.ERROR);
        assertThat(answer.to()).isEqualTo(REQUESTER.keyId().toString());
        assertThat(answer.inReplyTo()).isEqualTo(request.id());
        assertThat(answer.verify()).isEqualTo(RELAY_KEY.keyId());
        byte[] wire = answer.toJson();
        assertThat(wire.length).as("the answer fits an envelope").isLessThanOrEqualTo(Envelope.MAX_ENVELOPE_BYTES);
        assertThat(Envelope.parse(wire)).isEqualTo(answer);
        JsonNode answerBody = Json.readObject(answer.body(), "answer body");
        if (answer.kind() == Kind.ERROR) {
            assertThat(answerBody.path("code").asText())
                    .as("error for request body %s: %s", new String(body, StandardCharsets.UTF_8), answerBody)
                    .isNotEqualTo(ErrorCode.INTERNAL.code());
        } else {
            assertThat(answerBody.path("result").isMissingNode()).as("a response carries a result").isFalse();
        }
    }
}
