package dev.relay.protocol;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates the checked-in test vectors of {@code relay-protocol-spec/vectors/} deterministically (fixed keys, times,
 * nonces and ids; Ed25519 signatures are deterministic). Run {@code main} to rewrite them after a deliberate change;
 * {@link VectorsTest} fails when the files and this generator disagree.
 */
public final class VectorGenerator {
    static final HexFormat HEX = HexFormat.of();
    static final String REALM = "example-realm";
    static final long TOKEN_TIME = 1_767_225_600L; // 2026-01-01T00:00:00Z
    static final long ENVELOPE_TIME = TOKEN_TIME * 1000;
    static final long WINDOW = 120;

    /** RFC 8032 §7.1 test seeds 1..3. */
    static final List<String> SEEDS = List.of(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7");

    /** A point of order 8 on Ed25519 (one of the four, canonical encoding). */
    static final byte[] ORDER_8_POINT = HEX.parseHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05");

    private VectorGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "../vectors");
        Files.createDirectories(dir);
        for (Map.Entry<String, ObjectNode> file : all().entrySet()) {
            Files.write(dir.resolve(file.getKey()), render(file.getValue()));
            System.out.println("wrote " + dir.resolve(file.getKey()));
        }
    }

    static byte[] render(ObjectNode document) throws IOException {
        return (Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(document) + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, ObjectNode> all() throws RelayException {
        Map<String, ObjectNode> files = new LinkedHashMap<>();
        files.put("keys.json", keys());
        files.put("connect-tokens.json", tokens());
        files.put("envelopes.json", envelopes());
        files.put("envelopes-negative.json", negativeEnvelopes());
        return files;
    }

    static RelayKeyPair key(int index) throws RelayException {
        return RelayKeyPair.fromSeed(HEX.parseHex(SEEDS.get(index)));
    }

    static byte[] bytes(int start, int count) {
        byte[] out = new byte[count];
        for (int i = 0; i < count; i++) {
            out[i] = (byte) (start + i);
        }
        return out;
    }

    static String id(int n) {
        byte[] raw = bytes(n * 16, 16);
        raw[6] = (byte) ((raw[6] & 0x0f) | 0x70);
        raw[8] = (byte) ((raw[8] & 0x3f) | 0x80);
        return Base64Url.encode(raw);
    }

    private static ObjectNode header(String what, String section) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("description", what);
        doc.put("spec_section", section);
        doc.put("generated_by", "relay-protocol tests: dev.relay.protocol.VectorGenerator");
        return doc;
    }

    static ObjectNode keys() throws RelayException {
        ObjectNode doc = header("Identities from the RFC 8032 section 7.1 Ed25519 test seeds: seed, raw public key, key id "
                + "(base64url, no padding) and did:key display form.", "SPEC.md section 1 (Identity)");
        ArrayNode vectors = doc.putArray("vectors");
        for (int i = 0; i < SEEDS.size(); i++) {
            RelayKeyPair key = key(i);
            ObjectNode v = vectors.addObject();
            v.put("name", "rfc8032-test-" + (i + 1));
            v.put("seed_hex", SEEDS.get(i));
            v.put("public_key_hex", HEX.formatHex(key.keyId().raw()));
            v.put("key_id", key.keyId().toString());
            v.put("did_key", key.keyId().didKey());
        }
        ArrayNode invalid = doc.putArray("invalid_key_ids");
        invalid(invalid, "too-short", key(0).keyId().toString().substring(1), "malformed");
        invalid(invalid, "padding", key(0).keyId().toString().substring(0, 42) + "=", "malformed");
        invalid(invalid, "standard-base64-alphabet", "+" + key(0).keyId().toString().substring(1), "malformed");
        invalid(invalid, "identity-point (small order)", Base64Url.encode(bytes1(1)), "malformed");
        invalid(invalid, "point of order 8 (small order)", Base64Url.encode(ORDER_8_POINT), "malformed");
        // Decodes canonically and is not of small order, but is not in the prime-order subgroup: [L]A != identity.
        byte[] mixed = Edwards25519.decode(key(0).keyId().raw()).plus(Edwards25519.decode(ORDER_8_POINT)).encode();
        invalid(invalid, "mixed order (rfc8032-test-1 key + the point of order 8)", Base64Url.encode(mixed), "malformed");
        String canonical = key(0).keyId().toString();
        char last = canonical.charAt(42);
        String nonCanonical = canonical.substring(0, 42) + (char) (last + 1);
        invalid(invalid, "non-canonical trailing bits", nonCanonical, "malformed");
        return doc;
    }

    private static byte[] bytes1(int first) {
        byte[] raw = new byte[32];
        raw[0] = (byte) first;
        return raw;
    }

    private static void invalid(ArrayNode list, String name, String keyId, String error) {
        ObjectNode v = list.addObject();
        v.put("name", name);
        v.put("key_id", keyId);
        v.put("error", error);
    }

    static ObjectNode tokens() throws RelayException {
        ObjectNode doc = header("Connect tokens: username = key id, password = v1.<ts>.<nonce>.<sig>. The signing string is "
                + "'relay-connect-v1' LF realm LF key_id LF ts LF nonce (UTF-8). Valid when |now - ts| <= window_seconds.",
                "SPEC.md section 2 (Connect token)");
        doc.put("realm", REALM);
        doc.put("window_seconds", WINDOW);
        ArrayNode vectors = doc.putArray("vectors");
        for (int i = 0; i < SEEDS.size(); i++) {
            RelayKeyPair key = key(i);
            byte[] nonce = bytes(i * 32, i == 2 ? 32 : 16);
            ConnectToken token = ConnectToken.create(key, REALM, TOKEN_TIME + i, nonce);
            byte[] signing = ConnectToken.signingString(REALM, key.keyId().toString(), token.timestampSeconds(), token.nonce());
            ObjectNode v = vectors.addObject();
            v.put("name", "token-key-" + (i + 1) + (nonce.length == 32 ? "-32-byte-nonce" : ""));
            v.put("seed_hex", SEEDS.get(i));
            v.put("key_id", key.keyId().toString());
            v.put("ts", token.timestampSeconds());
            v.put("nonce_hex", HEX.formatHex(nonce));
            v.put("nonce", token.nonce());
            v.put("signing_string", new String(signing, StandardCharsets.UTF_8));
            v.put("signing_string_hex", HEX.formatHex(signing));
            v.put("signature_hex", HEX.formatHex(token.signature()));
            v.put("username", key.keyId().toString());
            v.put("password", token.password());
            v.put("verify_at", token.timestampSeconds());
        }
        ArrayNode negative = doc.putArray("negative");
        RelayKeyPair a = key(0);
        RelayKeyPair b = key(1);
        String good = ConnectToken.create(a, REALM, TOKEN_TIME, bytes(0, 16)).password();
        String user = a.keyId().toString();
        badToken(negative, "other-realm", user, ConnectToken.create(a, "other-realm", TOKEN_TIME, bytes(0, 16)).password(), TOKEN_TIME, "bad_signature");
        badToken(negative, "signed-by-other-key", user, ConnectToken.create(b, REALM, TOKEN_TIME, bytes(0, 16)).password(), TOKEN_TIME, "bad_signature");
        badToken(negative, "stale (now = ts + 121)", user, good, TOKEN_TIME + WINDOW + 1, "expired_token");
        badToken(negative, "future (now = ts - 121)", user, good, TOKEN_TIME - WINDOW - 1, "expired_token");
        badToken(negative, "edge (now = ts + 120) is valid", user, good, TOKEN_TIME + WINDOW, "none");
        badToken(negative, "tampered-ts", user, good.replace("v1." + TOKEN_TIME, "v1." + (TOKEN_TIME + 1)), TOKEN_TIME, "bad_signature");
        badToken(negative, "leading-zero-ts", user, good.replace("v1.", "v1.0"), TOKEN_TIME, "bad_credentials");
        badToken(negative, "missing-part", user, good.substring(0, good.lastIndexOf('.')), TOKEN_TIME, "bad_credentials");
        badToken(negative, "wrong-prefix", user, "v2" + good.substring(2), TOKEN_TIME, "bad_credentials");
        badToken(negative, "short-nonce (15 bytes)", user, ConnectTokenForgery.withNonce(good, Base64Url.encode(bytes(0, 15))), TOKEN_TIME, "bad_credentials");
        badToken(negative, "username-not-a-key-id", "device-1", good, TOKEN_TIME, "bad_credentials");
        ObjectNode replay = negative.addObject();
        replay.put("name", "replay: the first use of a valid token succeeds, the second use fails");
        replay.put("username", user);
        replay.put("password", good);
        replay.put("now", TOKEN_TIME);
        replay.put("uses", 2);
        replay.put("error", "replay");
        return doc;
    }

    private static void badToken(ArrayNode list, String name, String username, String password, long now, String error) {
        ObjectNode v = list.addObject();
        v.put("name", name);
        v.put("username", username);
        v.put("password", password);
        v.put("now", now);
        v.put("error", error);
    }

    /** Builds tokens that the library itself refuses to create. */
    static final class ConnectTokenForgery {
        static String withNonce(String password, String nonce) {
            String[] parts = password.split("\\.");
            return parts[0] + "." + parts[1] + "." + nonce + "." + parts[3];
        }
    }

    static List<Envelope> sampleEnvelopes() throws RelayException {
        RelayKeyPair alice = key(0);
        RelayKeyPair bob = key(1);
        RelayKeyPair relay = key(2);
        Envelope message = Envelope.builder(Kind.MESSAGE).id(id(1)).to(bob.keyId()).ts(ENVELOPE_TIME)
                .expiresIn(3600L).threadId(id(1)).contentType("text/plain").body("turn the fan on").sign(alice);
        Envelope defaults = Envelope.builder(Kind.MESSAGE).id(id(2)).to(bob.keyId()).ts(ENVELOPE_TIME)
                .body(new byte[0]).sign(alice);
        Envelope receipt = Receipt.create(bob, message, "delivered");
        receipt = Envelope.builder(Kind.RECEIPT).id(id(3)).to(alice.keyId()).ts(ENVELOPE_TIME + 1000)
                .inReplyTo(message.id()).threadId(message.threadId()).contentType(JsonBodies.CONTENT_TYPE)
                .body(receipt.body()).sign(bob);
        Envelope stream = Envelope.builder(Kind.STREAM).id(id(4)).to(alice.keyId()).ts(ENVELOPE_TIME + 2000)
                .threadId(message.threadId()).inReplyTo(message.id()).seq(0).contentType("text/plain")
                .body("Turning ").sign(bob);
        Envelope request = Envelope.builder(Kind.REQUEST).id(id(5)).to(Envelope.SYSTEM_RECIPIENT).ts(ENVELOPE_TIME)
                .expiresIn(60L).contentType(JsonBodies.CONTENT_TYPE)
                .body(SystemRequest.body(SystemOp.POLICY_SET, policyArgs(bob)))
                .sign(alice);
        Envelope response = Envelope.builder(Kind.RESPONSE).id(id(6)).to(alice.keyId()).ts(ENVELOPE_TIME + 5)
                .inReplyTo(request.id()).contentType(JsonBodies.CONTENT_TYPE)
                .body(JsonBodies.response(SystemOp.POLICY_SET, policyResult(bob)))
                .sign(relay);
        Envelope error = Envelope.builder(Kind.ERROR).id(id(7)).to(alice.keyId()).ts(ENVELOPE_TIME + 5)
                .inReplyTo(id(1)).contentType(JsonBodies.CONTENT_TYPE)
                .body(JsonBodies.error(ErrorCode.ACL_DENIED, "recipient's inbox policy does not accept this sender"))
                .sign(relay);
        return List.of(message, defaults, receipt, stream, request, response, error);
    }

    private static Map<String, Object> policyArgs(RelayKeyPair allowed) {
        Map<String, Object> args = new LinkedHashMap<>(); // ordered, so the vector bytes are stable
        args.put("mode", "allowlist");
        args.put("allow", List.of(allowed.keyId().toString()));
        return args;
    }

    private static ObjectNode policyResult(RelayKeyPair allowed) {
        ObjectNode result = Json.MAPPER.createObjectNode().put("mode", "allowlist");
        result.putArray("allow").add(allowed.keyId().toString());
        result.putArray("block");
        return result;
    }

    static ObjectNode envelopes() throws RelayException {
        ObjectNode doc = header("Valid envelopes of every kind: the JSON as sent, the exact signing input (hex), the Ed25519 "
                + "signature and SHA-256 of the signing input (the digest a receipt quotes). Keys: rfc8032-test-1 is "
                + "alice, rfc8032-test-2 is bob, rfc8032-test-3 is the relay's own key.", "SPEC.md section 3 (Envelope)");
        ArrayNode vectors = doc.putArray("vectors");
        String[] names = {"message-with-thread-and-ttl", "message-defaults-empty-body", "receipt", "stream-chunk",
                "request-policy-set", "response-from-relay", "error-from-relay"};
        List<Envelope> samples = sampleEnvelopes();
        for (int i = 0; i < samples.size(); i++) {
            Envelope e = samples.get(i);
            ObjectNode v = vectors.addObject();
            v.put("name", names[i]);
            v.put("signer_key_id", e.from());
            v.put("json", e.toJsonString());
            v.put("body_utf8", new String(e.body(), StandardCharsets.UTF_8));
            v.put("signing_input_hex", HEX.formatHex(e.signingInput()));
            v.put("signature_hex", HEX.formatHex(e.signature()));
            v.put("digest_hex", HEX.formatHex(e.digest()));
            v.put("effective_expires_at_ms", e.expiresAtMillis(Ttl.MAX_SECONDS));
        }
        return doc;
    }

    static ObjectNode negativeEnvelopes() throws RelayException {
        ObjectNode doc = header("Envelopes a relay must refuse, each with the error code it must produce. A relay checks "
                + "in the order of SPEC section 3.7: parse, sender = connection, signature, recipient = inbox, timestamp, "
                + "expiry. 'connection' is the publishing identity, 'inbox' the key id (or sys) published to, 'now_ms' the "
                + "relay's clock.", "SPEC.md sections 3.3, 3.7 and 10");
        RelayKeyPair alice = key(0);
        RelayKeyPair bob = key(1);
        RelayKeyPair mallory = key(2);
        Envelope message = sampleEnvelopes().get(0);
        String json = message.toJsonString();
        String a = alice.keyId().toString();
        String b = bob.keyId().toString();
        long now = ENVELOPE_TIME + 1000;
        ArrayNode vectors = doc.putArray("vectors");
        negative(vectors, "valid (control)", json, a, b, now, "none");
        negative(vectors, "tampered body", json.replace(Base64Url.encode("turn the fan on".getBytes(StandardCharsets.UTF_8)),
                Base64Url.encode("turn the fan off".getBytes(StandardCharsets.UTF_8))), a, b, now, "bad_signature");
        negative(vectors, "tampered expires_in", json.replace("\"expires_in\":3600", "\"expires_in\":7200"), a, b, now, "bad_signature");
        Envelope forged = Envelope.builder(Kind.MESSAGE).id(id(8)).to(bob.keyId()).ts(ENVELOPE_TIME).body("hi").sign(mallory);
        String claimsAlice = forged.toJsonString().replace(mallory.keyId().toString(), a);
        negative(vectors, "wrong signer (from alice, signed by another key)", claimsAlice, a, b, now, "bad_signature");
        negative(vectors, "sender is not the connection", json, mallory.keyId().toString(), b, now, "sender_mismatch");
        negative(vectors, "wrong recipient inbox", json, a, mallory.keyId().toString(), now, "recipient_mismatch");
        negative(vectors, "expired (now = ts + expires_in)", json, a, b, ENVELOPE_TIME + 3_600_000, "expired");
        negative(vectors, "timestamp too far ahead (ts = now + 301 s)", json, a, b, ENVELOPE_TIME - 301_000, "bad_timestamp");
        negative(vectors, "not json", "turn the fan on", a, b, now, "malformed");
        negative(vectors, "unknown field", json.replace("{\"v\":1,", "{\"v\":1,\"admin\":true,"), a, b, now, "malformed");
        negative(vectors, "duplicate field", json.replace("{\"v\":1,", "{\"v\":1,\"v\":1,"), a, b, now, "malformed");
        negative(vectors, "ts as string", json.replace("\"ts\":" + ENVELOPE_TIME, "\"ts\":\"" + ENVELOPE_TIME + "\""), a, b, now, "malformed");
        negative(vectors, "body with padding", json.replace("\"body\":\"dHVybiB0aGUgZmFuIG9u\"", "\"body\":\"dHVybiB0aGUgZmFuIG9u=\""), a, b, now, "malformed");
        negative(vectors, "version 2", json.replace("{\"v\":1,", "{\"v\":2,"), a, b, now, "unsupported_version");
        negative(vectors, "version 10^20 (beyond 64 bits, within 24 digits)", json.replace("{\"v\":1,",
                "{\"v\":100000000000000000000,"), a, b, now, "unsupported_version");
        negative(vectors, "unknown kind", json.replace("\"kind\":\"message\"", "\"kind\":\"telepathy\""), a, b, now, "unsupported_kind");
        // Strings: an escaped unpaired surrogate is malformed (rule 2), and so is any non-ASCII text in a v1 member
        // (rule 7), before the field-specific codes unsupported_kind and bad_ttl.
        negative(vectors, "kind with a lone surrogate escape", json.replace("\"kind\":\"message\"", "\"kind\":\"\\ud800\""),
                a, b, now, "malformed");
        negative(vectors, "kind with an escaped non-ASCII letter", json.replace("\"kind\":\"message\"",
                "\"kind\":\"mess\\u00e4ge\""), a, b, now, "malformed");
        negative(vectors, "kind with a raw non-ASCII letter (UTF-8)", json.replace("\"kind\":\"message\"",
                "\"kind\":\"mess\u00e4ge\""), a, b, now, "malformed");
        negative(vectors, "non-ASCII content_type and zero ttl", json.replace("text/plain", "text/pl\\u00e4in")
                .replace("\"expires_in\":3600", "\"expires_in\":0"), a, b, now, "malformed");
        negative(vectors, "zero ttl", json.replace("\"expires_in\":3600", "\"expires_in\":0"), a, b, now, "bad_ttl");
        negative(vectors, "truncated", json.substring(0, json.length() / 2), a, b, now, "malformed");
        String sig = Base64Url.encode(message.signature());
        negative(vectors, "truncated signature (82 of 86 chars)", json.replace(sig, sig.substring(0, 82)), a, b, now,
                "malformed");
        negative(vectors, "signature with 4 chars prepended (90 chars)", json.replace(sig, "AAAA" + sig), a, b, now,
                "malformed");
        return doc;
    }

    private static void negative(ArrayNode list, String name, String json, String connection, String inbox, long now,
                                 String error) {
        ObjectNode v = list.addObject();
        v.put("name", name);
        v.put("json", json);
        v.put("connection", connection);
        v.put("inbox", inbox);
        v.put("now_ms", now);
        v.put("error", error);
    }
}
