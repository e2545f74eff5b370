package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Checks the checked-in vectors two ways: each vector verifies from its own data (as another implementation would use
 * it), and the generator still produces the files byte for byte (so code and vectors cannot drift apart).
 */
class VectorsTest {
    private static final Path DIR = Path.of("..", "vectors");
    private static final HexFormat HEX = HexFormat.of();

    private static JsonNode read(String file) throws Exception {
        return Json.MAPPER.readTree(Files.readAllBytes(DIR.resolve(file)));
    }

    @Test
    void filesMatchTheGenerator() throws Exception {
        for (Map.Entry<String, com.fasterxml.jackson.databind.node.ObjectNode> file : VectorGenerator.all().entrySet()) {
            String expected = new String(VectorGenerator.render(file.getValue()), StandardCharsets.UTF_8);
            String actual = Files.readString(DIR.resolve(file.getKey()));
            assertThat(actual).as(file.getKey() + " (rerun VectorGenerator.main if the change is deliberate)").isEqualTo(expected);
        }
    }

    @Test
    void everyFileSaysWhatItIsAndWhereTheSpecDefinesIt() throws Exception {
        for (String file : VectorGenerator.all().keySet()) {
            JsonNode doc = read(file);
            assertThat(doc.path("description").asText()).isNotBlank();
            assertThat(doc.path("spec_section").asText()).startsWith("SPEC.md section");
        }
    }

    @Test
    void keys() throws Exception {
        JsonNode doc = read("keys.json");
        assertThat(doc.get("vectors")).hasSize(3);
        for (JsonNode v : doc.get("vectors")) {
            RelayKeyPair key = RelayKeyPair.fromSeed(HEX.parseHex(v.get("seed_hex").asText()));
            assertThat(HEX.formatHex(key.keyId().raw())).isEqualTo(v.get("public_key_hex").asText());
            assertThat(key.keyId().toString()).isEqualTo(v.get("key_id").asText()).hasSize(43);
            assertThat(key.keyId().didKey()).isEqualTo(v.get("did_key").asText()).startsWith("did:key:z6Mk");
            assertThat(KeyId.fromDidKey(v.get("did_key").asText())).isEqualTo(key.keyId());
        }
        // RFC 8032 test 1 public key, independent of the library.
        assertThat(doc.get("vectors").get(0).get("public_key_hex").asText())
                .isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        for (JsonNode v : doc.get("invalid_key_ids")) {
            assertThatThrownBy(() -> KeyId.parse(v.get("key_id").asText())).as(v.get("name").asText())
                    .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code().code()).isEqualTo(v.get("error").asText()));
        }
    }

    @Test
    void connectTokens() throws Exception {
        JsonNode doc = read("connect-tokens.json");
        String realm = doc.get("realm").asText();
        long window = doc.get("window_seconds").asLong();
        for (JsonNode v : doc.get("vectors")) {
            String signing = "relay-connect-v1\n" + realm + "\n" + v.get("key_id").asText() + "\n" + v.get("ts").asLong()
                    + "\n" + v.get("nonce").asText();
            assertThat(v.get("signing_string").asText()).isEqualTo(signing);
            assertThat(HEX.formatHex(signing.getBytes(StandardCharsets.UTF_8))).isEqualTo(v.get("signing_string_hex").asText());
            assertThat(Base64Url.encode(HEX.parseHex(v.get("nonce_hex").asText()))).isEqualTo(v.get("nonce").asText());
            String password = "v1." + v.get("ts").asLong() + "." + v.get("nonce").asText() + "."
                    + Base64Url.encode(HEX.parseHex(v.get("signature_hex").asText()));
            assertThat(v.get("password").asText()).isEqualTo(password);
            ConnectToken.Verified ok = ConnectToken.verify(v.get("username").asText(), password, realm,
                    v.get("verify_at").asLong(), window);
            assertThat(ok.keyId().toString()).isEqualTo(v.get("key_id").asText());
        }
        for (JsonNode v : doc.get("negative")) {
            String name = v.get("name").asText();
            String error = v.get("error").asText();
            Set<String> seenNonces = new HashSet<>();
            int uses = v.path("uses").asInt(1);
            RelayException failure = null;
            for (int use = 0; use < uses && failure == null; use++) {
                try {
                    ConnectToken.Verified ok = ConnectToken.verify(v.get("username").asText(), v.get("password").asText(),
                            realm, v.get("now").asLong(), window);
                    if (!seenNonces.add(ok.keyId() + " " + ok.nonce())) {
                        failure = new RelayException(ErrorCode.REPLAY, "nonce used before");
                    }
                } catch (RelayException e) {
                    failure = e;
                }
            }
            if (error.equals("none")) {
                assertThat(failure).as(name).isNull();
            } else {
                assertThat(failure).as(name).isNotNull();
                assertThat(failure.code().code()).as(name).isEqualTo(error);
            }
        }
    }

    @Test
    void envelopes() throws Exception {
        JsonNode doc = read("envelopes.json");
        assertThat(doc.get("vectors")).hasSizeGreaterThanOrEqualTo(6);
        Set<String> kinds = new HashSet<>();
        for (JsonNode v : doc.get("vectors")) {
            Envelope e = Envelope.parse(v.get("json").asText().getBytes(StandardCharsets.UTF_8));
            kinds.add(e.kind().wireName());
            assertThat(HEX.formatHex(e.signingInput())).as(v.get("name").asText()).isEqualTo(v.get("signing_input_hex").asText());
            assertThat(HEX.formatHex(e.signature())).isEqualTo(v.get("signature_hex").asText());
            assertThat(HEX.formatHex(Envelope.sha256(e.signingInput()))).isEqualTo(v.get("digest_hex").asText());
            assertThat(new String(e.body(), StandardCharsets.UTF_8)).isEqualTo(v.get("body_utf8").asText());
            assertThat(e.verify().toString()).isEqualTo(v.get("signer_key_id").asText());
            assertThat(e.toJsonString()).isEqualTo(v.get("json").asText());
            assertThat(e.expiresAtMillis(Ttl.MAX_SECONDS)).isEqualTo(v.get("effective_expires_at_ms").asLong());
            // The signing input starts with the layout tag and ends with SHA-256(body).
            String input = v.get("signing_input_hex").asText();
            assertThat(input).startsWith(HEX.formatHex("RELAY-ENVELOPE/1\0".getBytes(StandardCharsets.US_ASCII)));
            assertThat(input).endsWith(HEX.formatHex(Envelope.sha256(e.body())));
        }
        assertThat(kinds).containsExactlyInAnyOrder("message", "receipt", "stream", "request", "response", "error");
    }

    @Test
    void negativeEnvelopes() throws Exception {
        JsonNode doc = read("envelopes-negative.json");
        Set<String> codes = new HashSet<>();
        for (JsonNode v : doc.get("vectors")) {
            String name = v.get("name").asText();
            String error = v.get("error").asText();
            codes.add(error);
            byte[] payload = v.get("json").asText().getBytes(StandardCharsets.UTF_8);
            KeyId connection = KeyId.parse(v.get("connection").asText());
            try {
                InboundCheck.check(payload, connection, v.get("inbox").asText(), v.get("now_ms").asLong(), Ttl.MAX_SECONDS,
                        InboundCheck.DEFAULT_MAX_SKEW_MILLIS);
                assertThat(error).as(name + " was accepted").isEqualTo("none");
            } catch (RelayException e) {
                assertThat(e.code().code()).as(name + ": " + e.getMessage()).isEqualTo(error);
            }
        }
        assertThat(codes).contains("bad_signature", "sender_mismatch", "recipient_mismatch", "expired", "malformed");
    }
}
