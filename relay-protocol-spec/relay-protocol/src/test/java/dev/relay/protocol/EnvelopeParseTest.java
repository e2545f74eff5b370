package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The strict parser: each malformed input maps to one stable error code, and nothing but RelayException escapes. */
class EnvelopeParseTest {
    private static final String ALICE = TestKeys.RFC1_KEY_ID;
    private static final String BOB = TestKeys.bob().keyId().toString();
    private static final String SIG = Base64Url.encode(new byte[64]);

    /** Field name to raw JSON value text, in order. */
    private static Map<String, String> message() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("v", "1");
        f.put("id", q(TestKeys.messageId(1)));
        f.put("kind", q("message"));
        f.put("from", q(ALICE));
        f.put("to", q(BOB));
        f.put("ts", String.valueOf(TestKeys.T0));
        f.put("expires_in", "3600");
        f.put("thread_id", q(TestKeys.messageId(2)));
        f.put("content_type", q("text/plain"));
        f.put("body", q("aGk"));
        f.put("sig", q(SIG));
        return f;
    }

    private static Map<String, String> stream() {
        Map<String, String> f = message();
        f.put("kind", q("stream"));
        f.put("in_reply_to", q(TestKeys.messageId(3)));
        f.put("seq", "0");
        return f;
    }

    private static Map<String, String> receipt() {
        Map<String, String> f = message();
        f.put("kind", q("receipt"));
        f.put("in_reply_to", q(TestKeys.messageId(3)));
        return f;
    }

    private static Map<String, String> request() {
        Map<String, String> f = message();
        f.put("kind", q("request"));
        f.put("to", q("sys"));
        return f;
    }

    private static String q(String text) {
        return "\"" + text + "\"";
    }

    private static String json(Map<String, String> fields) {
        StringBuilder out = new StringBuilder("{");
        fields.forEach((name, value) -> out.append(out.length() > 1 ? "," : "").append(q(name)).append(':').append(value));
        return out.append('}').toString();
    }

    private static byte[] with(Map<String, String> base, Consumer<Map<String, String>> change) {
        Map<String, String> copy = new LinkedHashMap<>(base);
        change.accept(copy);
        return json(copy).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static Arguments c(String name, byte[] json, ErrorCode expected) {
        return Arguments.of(name, json, expected);
    }

    // ---------------------------------------------------------------- valid controls

    static Stream<Arguments> validControls() {
        String base = json(message());
        return Stream.of(
                Arguments.of("message", bytes(base)),
                Arguments.of("stream", with(stream(), f -> { })),
                Arguments.of("receipt", with(receipt(), f -> { })),
                Arguments.of("request", with(request(), f -> { })),
                Arguments.of("whitespace around tokens", bytes(" \n\t{ " + base.substring(1).replace(",", " ,\r\n ")
                        .replace("\":", "\" : ") + " \n")),
                Arguments.of("fields in another order", bytes(reversed(message()))),
                Arguments.of("optional fields absent", with(message(), f -> {
                    f.remove("expires_in");
                    f.remove("thread_id");
                    f.remove("content_type");
                })),
                Arguments.of("empty body", with(message(), f -> f.put("body", q("")))),
                Arguments.of("escaped chars in strings", with(message(), f -> f.put("kind", q("\\u006dessage")))),
                Arguments.of("content type with escaped slash", with(message(), f -> f.put("content_type", q("text\\/plain")))),
                Arguments.of("content type of 127 chars", with(message(), f -> f.put("content_type", q("x".repeat(127))))),
                Arguments.of("content type space", with(message(), f -> f.put("content_type", q(" ")))),
                Arguments.of("ts 0", with(message(), f -> f.put("ts", "0"))),
                Arguments.of("ts 2^53-1", with(message(), f -> f.put("ts", String.valueOf((1L << 53) - 1)))),
                Arguments.of("expires_in 1", with(message(), f -> f.put("expires_in", "1"))),
                Arguments.of("expires_in 2^31-1 (clamped later)", with(message(), f -> f.put("expires_in", "2147483647"))),
                Arguments.of("stream seq 2^31-1", with(stream(), f -> f.put("seq", "2147483647"))),
                Arguments.of("error without in_reply_to", with(message(), f -> f.put("kind", q("error")))),
                Arguments.of("body of exactly 131072 bytes", with(message(), f -> f.put("body", q(Base64Url.encode(
                        new byte[Envelope.MAX_BODY_BYTES]))))));
    }

    private static String reversed(Map<String, String> fields) {
        List<String> names = new ArrayList<>(fields.keySet());
        java.util.Collections.reverse(names);
        Map<String, String> out = new LinkedHashMap<>();
        names.forEach(n -> out.put(n, fields.get(n)));
        return json(out);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validControls")
    void parsesValidEnvelopes(String name, byte[] json) throws RelayException {
        Envelope e = Envelope.parse(json);
        assertThat(Envelope.parse(e.toJson())).isEqualTo(e);
    }

    @Test
    void parsedFieldsMatchTheJson() throws RelayException {
        Envelope e = Envelope.parse(with(stream(), f -> { }));
        assertThat(e.kind()).isEqualTo(Kind.STREAM);
        assertThat(e.id()).isEqualTo(TestKeys.messageId(1));
        assertThat(e.from()).isEqualTo(ALICE);
        assertThat(e.to()).isEqualTo(BOB);
        assertThat(e.ts()).isEqualTo(TestKeys.T0);
        assertThat(e.expiresIn()).isEqualTo(3600L);
        assertThat(e.threadId()).isEqualTo(TestKeys.messageId(2));
        assertThat(e.inReplyTo()).isEqualTo(TestKeys.messageId(3));
        assertThat(e.seq()).isZero();
        assertThat(e.contentType()).isEqualTo("text/plain");
        assertThat(e.body()).isEqualTo(bytes("hi"));
        assertThat(e.signature()).isEqualTo(new byte[64]);
    }

    @Test
    void payloadOfExactly262144BytesIsParsed() throws RelayException {
        String base = json(message());
        String padded = base + " ".repeat(Envelope.MAX_ENVELOPE_BYTES - base.length());
        assertThat(padded).hasSize(Envelope.MAX_ENVELOPE_BYTES);
        assertThat(Envelope.parse(bytes(padded)).id()).isEqualTo(TestKeys.messageId(1));
    }

    // ---------------------------------------------------------------- malformed table

    static Stream<Arguments> malformed() {
        String base = json(message());
        List<Arguments> out = new ArrayList<>();
        ErrorCode m = ErrorCode.MALFORMED;

        // Not an object at all.
        out.add(c("null input", null, m));
        out.add(c("empty", new byte[0], m));
        out.add(c("only whitespace", bytes(" \n\t"), m));
        out.add(c("not JSON", bytes("turn the fan on"), m));
        out.add(c("array", bytes("[" + base + "]"), m));
        out.add(c("empty array", bytes("[]"), m));
        out.add(c("string", bytes("\"" + base.replace("\"", "\\\"") + "\""), m));
        out.add(c("number", bytes("1"), m));
        out.add(c("true", bytes("true"), m));
        out.add(c("null literal", bytes("null"), m));
        out.add(c("empty object", bytes("{}"), m));
        out.add(c("truncated", bytes(base.substring(0, base.length() / 2)), m));
        out.add(c("missing closing brace", bytes(base.substring(0, base.length() - 1)), m));
        out.add(c("trailing comma", bytes(base.substring(0, base.length() - 1) + ",}"), m));
        out.add(c("single quotes", bytes(base.replace('"', '\'')), m));
        out.add(c("comment", bytes("/*x*/" + base), m));
        out.add(c("unquoted name", bytes(base.replace("\"v\":", "v:")), m));
        out.add(c("UTF-8 byte order mark", concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, bytes(base)), m));
        out.add(c("UTF-16BE", base.getBytes(StandardCharsets.UTF_16BE), m));
        out.add(c("UTF-16LE", base.getBytes(StandardCharsets.UTF_16LE), m));
        out.add(c("UTF-16 with byte order mark", base.getBytes(StandardCharsets.UTF_16), m));
        out.add(c("UTF-32BE", base.getBytes(java.nio.charset.Charset.forName("UTF-32BE")), m));
        out.add(c("NUL byte", concat(bytes(base), new byte[] {0}), m));

        // Trailing data.
        out.add(c("trailing garbage", bytes(base + "x"), m));
        out.add(c("trailing second object", bytes(base + "{}"), m));
        out.add(c("trailing same object", bytes(base + base), m));
        out.add(c("trailing number", bytes(base + " 1"), m));
        out.add(c("trailing closing brace", bytes(base + "}"), m));

        // Invalid UTF-8 inside strings.
        out.add(c("invalid UTF-8 (C3 28) in content_type", concat(bytes(base.substring(0, base.indexOf("text/plain"))),
                new byte[] {(byte) 0xc3, 0x28}, bytes(base.substring(base.indexOf("text/plain")))), m));
        out.add(c("invalid UTF-8 (lone FF) in body", concat(bytes(base.substring(0, base.indexOf("aGk"))),
                new byte[] {(byte) 0xff}, bytes(base.substring(base.indexOf("aGk")))), m));
        out.add(c("overlong UTF-8 (C0 AF) in kind", concat(bytes(base.substring(0, base.indexOf("message"))),
                new byte[] {(byte) 0xc0, (byte) 0xaf}, bytes(base.substring(base.indexOf("message")))), m));
        out.add(c("overlong UTF-8 (C1 A1 = 'a') in content_type", concat(bytes(base.substring(0, base.indexOf("text/pl") + 7)),
                new byte[] {(byte) 0xc1, (byte) 0xa1}, bytes(base.substring(base.indexOf("text/pl") + 8))), m));
        out.add(c("UTF-8 encoded surrogate (ED A0 80) in thread_id", concat(bytes(base.substring(0, base.indexOf(TestKeys.messageId(2)))),
                new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, bytes(base.substring(base.indexOf(TestKeys.messageId(2))))), m));
        out.add(c("code point above U+10FFFF (F4 90 80 80) in an unknown field", concat(bytes("{\"x"),
                new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, bytes("\":1}")), m));
        out.add(c("truncated UTF-8 (E2 82) in id", concat(bytes(base.substring(0, base.indexOf(TestKeys.messageId(1)))),
                new byte[] {(byte) 0xe2, (byte) 0x82}, bytes(base.substring(base.indexOf(TestKeys.messageId(1))))), m));
        out.add(c("invalid UTF-8 in a field name", concat(bytes("{\"v\":1,\""), new byte[] {(byte) 0xc3, 0x28},
                bytes("\":1," + base.substring(7))), m));
        out.add(c("lone surrogate escape in from", with(message(), f -> f.put("from", q("\\ud800" + ALICE.substring(1)))), m));
        out.add(c("raw control char in content_type", with(message(), f -> f.put("content_type", q("text\u0001plain"))), m));

        // Duplicates and unknown fields.
        out.add(c("duplicate v", bytes(base.replace("{\"v\":1,", "{\"v\":1,\"v\":1,")), m));
        out.add(c("duplicate id (same value)", bytes(base.replace("\"kind\":", "\"id\":" + q(TestKeys.messageId(1)) + ",\"kind\":")), m));
        out.add(c("duplicate body (different value)", bytes(base.replace("\"sig\":", "\"body\":\"\",\"sig\":")), m));
        out.add(c("duplicate sig", bytes(base.replace("}", ",\"sig\":" + q(SIG) + "}")), m));
        out.add(c("unknown field", with(message(), f -> f.put("admin", "true")), m));
        out.add(c("unknown field null", with(message(), f -> f.put("extra", "null")), m));
        out.add(c("field name differs in case", with(message(), f -> f.put("V", "1")), m));
        out.add(c("camelCase expiresIn", with(message(), f -> f.put("expiresIn", "60")), m));
        out.add(c("empty field name", with(message(), f -> f.put("", "1")), m));
        out.add(c("unknown field with nested object", with(message(), f -> f.put("meta", "{\"a\":{\"b\":1}}")), m));

        // Nested values.
        for (String field : List.of("v", "id", "kind", "from", "to", "ts", "expires_in", "thread_id", "content_type", "body", "sig")) {
            out.add(c(field + " is an object", with(message(), f -> f.put(field, "{}")), m));
            out.add(c(field + " is an array", with(message(), f -> f.put(field, "[" + message().get(field) + "]")), m));
        }

        // Wrong JSON types.
        for (String field : List.of("id", "kind", "from", "to", "thread_id", "content_type", "body", "sig")) {
            out.add(c(field + " is a number", with(message(), f -> f.put(field, "1")), m));
            out.add(c(field + " is true", with(message(), f -> f.put(field, "true")), m));
            out.add(c(field + " is null", with(message(), f -> f.put(field, "null")), m));
        }
        for (String field : List.of("v", "ts", "expires_in")) {
            String value = message().get(field);
            out.add(c(field + " is a string", with(message(), f -> f.put(field, q(value))), m));
            out.add(c(field + " is a float", with(message(), f -> f.put(field, value + ".0")), m));
            out.add(c(field + " is 1e3", with(message(), f -> f.put(field, "1e3")), m));
            out.add(c(field + " is 1E0", with(message(), f -> f.put(field, "1E0")), m));
            out.add(c(field + " is 1.5", with(message(), f -> f.put(field, "1.5")), m));
            out.add(c(field + " is true", with(message(), f -> f.put(field, "true")), m));
            out.add(c(field + " is null", with(message(), f -> f.put(field, "null")), m));
            // Integers beyond a long: malformed, except that any integer v other than 1 is unsupported_version (rule 8).
            ErrorCode huge = field.equals("v") ? ErrorCode.UNSUPPORTED_VERSION : m;
            out.add(c(field + " is 2^63", with(message(), f -> f.put(field, "9223372036854775808")), huge));
            out.add(c(field + " is -2^63-1", with(message(), f -> f.put(field, "-9223372036854775809")), huge));
            out.add(c(field + " is 20 nines", with(message(), f -> f.put(field, "9".repeat(20))), huge));
            if (!field.equals("v")) {
                // Beyond the JSON number-length limit (24 digits) the JSON layer refuses it.
                out.add(c(field + " is 400 digits", with(message(), f -> f.put(field, "9".repeat(400))), m));
            }
            out.add(c(field + " has a leading zero", with(message(), f -> f.put(field, "0" + value)), m));
            out.add(c(field + " is hex", with(message(), f -> f.put(field, "0x1")), m));
            out.add(c(field + " is NaN", with(message(), f -> f.put(field, "NaN")), m));
            out.add(c(field + " is Infinity", with(message(), f -> f.put(field, "Infinity")), m));
            out.add(c(field + " has a plus sign", with(message(), f -> f.put(field, "+" + value)), m));
        }
        out.add(c("seq is a string", with(stream(), f -> f.put("seq", q("0"))), m));
        out.add(c("seq is a float", with(stream(), f -> f.put("seq", "0.0")), m));
        out.add(c("seq is null", with(stream(), f -> f.put("seq", "null")), m));
        out.add(c("seq is 2^63", with(stream(), f -> f.put("seq", "9223372036854775808")), m));
        out.add(c("seq is 2^31", with(stream(), f -> f.put("seq", "2147483648")), m));
        out.add(c("seq is -1", with(stream(), f -> f.put("seq", "-1")), m));
        out.add(c("in_reply_to is a number", with(stream(), f -> f.put("in_reply_to", "3")), m));

        // Timestamps.
        out.add(c("negative ts", with(message(), f -> f.put("ts", "-1")), m));
        out.add(c("very negative ts", with(message(), f -> f.put("ts", String.valueOf(Long.MIN_VALUE))), m));
        out.add(c("ts 2^53", with(message(), f -> f.put("ts", String.valueOf(1L << 53))), m));
        out.add(c("ts Long.MAX", with(message(), f -> f.put("ts", String.valueOf(Long.MAX_VALUE))), m));

        // Missing required fields.
        for (String field : List.of("v", "id", "kind", "from", "to", "ts", "body", "sig")) {
            out.add(c("missing " + field, with(message(), f -> f.remove(field)), m));
        }

        // Version and kind.
        out.add(c("v 2", with(message(), f -> f.put("v", "2")), ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v 0", with(message(), f -> f.put("v", "0")), ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v -1", with(message(), f -> f.put("v", "-1")), ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v 2^32+1", with(message(), f -> f.put("v", String.valueOf((1L << 32) + 1))), ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v 2 with otherwise v1-invalid fields", with(message(), f -> {
            f.put("v", "2");
            f.put("id", q("x"));
        }), ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v 2 with an unknown field first", bytes("{\"future\":{\"a\":[1,2]}," + base.substring(1).replace("\"v\":1", "\"v\":2")),
                ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v 2 with a retyped field", with(message(), f -> {
            f.put("v", "2");
            f.put("ts", q("2026-01-01T00:00:00Z"));
            f.put("body", "{\"parts\":[]}");
        }), ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v 2^63 after an unknown field", bytes("{\"x\":1,\"v\":9223372036854775808}"), ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v 1 with an unknown field", bytes("{\"x\":1," + base.substring(1)), m));
        out.add(c("v as string \"2\" is not a version", with(message(), f -> f.put("v", q("2"))), m));
        out.add(c("v 10^20 (beyond 64 bits, within 24 digits)", with(message(), f -> f.put("v", "1" + "0".repeat(20))),
                ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v -10^20", with(message(), f -> f.put("v", "-1" + "0".repeat(20))), ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v of 24 digits", with(message(), f -> f.put("v", "9".repeat(24))), ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("v of 25 digits is beyond the number limit", with(message(), f -> f.put("v", "9".repeat(25))), m));
        out.add(c("v 10^20 with a retyped field and an unknown one", bytes("{\"x\":[1],"
                + json(message()).substring(1).replace("\"v\":1", "\"v\":1" + "0".repeat(20)).replace("\"ts\":", "\"ts\":\"now\",\"y\":")),
                ErrorCode.UNSUPPORTED_VERSION));
        out.add(c("unknown kind", with(message(), f -> f.put("kind", q("telepathy"))), ErrorCode.UNSUPPORTED_KIND));
        out.add(c("kind in upper case", with(message(), f -> f.put("kind", q("MESSAGE"))), ErrorCode.UNSUPPORTED_KIND));
        out.add(c("kind empty", with(message(), f -> f.put("kind", q(""))), ErrorCode.UNSUPPORTED_KIND));
        out.add(c("kind with trailing space", with(message(), f -> f.put("kind", q("message "))), ErrorCode.UNSUPPORTED_KIND));

        // Strings: an unpaired surrogate is never text (rule 2, before the version check); every v1 string is ASCII
        // (rule 7), which is checked with the JSON types, before unsupported_kind, bad_ttl and the other field rules.
        out.add(c("kind with a lone surrogate escape", with(message(), f -> f.put("kind", q("\\ud800"))), m));
        out.add(c("kind with a lone low surrogate escape", with(message(), f -> f.put("kind", q("mess\\udc00age"))), m));
        out.add(c("kind with an escaped non-ASCII letter", with(message(), f -> f.put("kind", q("mess\\u00e4ge"))), m));
        out.add(c("kind with a raw UTF-8 letter", with(message(), f -> f.put("kind", q("mess\u00e4ge"))), m));
        out.add(c("kind with an escaped surrogate pair (emoji)", with(message(), f -> f.put("kind", q("\\ud83d\\ude00"))), m));
        out.add(c("v as a lone surrogate string", with(message(), f -> f.put("v", q("\\ud800"))), m));
        out.add(c("v 2 with a lone surrogate in kind", with(message(), f -> {
            f.put("v", "2");
            f.put("kind", q("\\ud800"));
        }), m));
        out.add(c("v 2 with a lone surrogate in an unknown member's name", bytes("{\"v\":2,\"\\udfff\":1}"), m));
        out.add(c("v 2 with a lone surrogate deep in an unknown member", bytes("{\"v\":2,\"x\":[{\"y\":\"\\ud800\"}]}"), m));
        out.add(c("v 2 with a non-ASCII kind", with(message(), f -> {
            f.put("v", "2");
            f.put("kind", q("mess\u00e4ge"));
        }), ErrorCode.UNSUPPORTED_VERSION));
        for (String field : List.of("id", "from", "to", "thread_id", "in_reply_to", "content_type", "body", "sig")) {
            String value = stream().get(field);
            for (String bad : List.of("\\ud800", "\\u00e4", "\u00e4")) {
                String spoilt = q(bad + value.substring(2, value.length() - 1)); // first character replaced
                byte[] unknownKind = with(stream(), f -> {
                    f.put(field, spoilt);
                    f.put("kind", q("telepathy"));
                });
                out.add(c(field + " with " + bad + " and an unknown kind", unknownKind, m));
                byte[] zeroTtl = with(stream(), f -> {
                    f.put(field, spoilt);
                    f.put("expires_in", "0");
                });
                out.add(c(field + " with " + bad + " and expires_in 0", zeroTtl, m));
            }
        }

        // TTL.
        out.add(c("expires_in 0", with(message(), f -> f.put("expires_in", "0")), ErrorCode.BAD_TTL));
        out.add(c("expires_in -1", with(message(), f -> f.put("expires_in", "-1")), ErrorCode.BAD_TTL));
        out.add(c("expires_in -2^31", with(message(), f -> f.put("expires_in", "-2147483648")), ErrorCode.BAD_TTL));
        out.add(c("expires_in 2^31", with(message(), f -> f.put("expires_in", "2147483648")), ErrorCode.BAD_TTL));
        out.add(c("expires_in 2^32", with(message(), f -> f.put("expires_in", "4294967296")), ErrorCode.BAD_TTL));

        // Body encoding.
        out.add(c("body with padding", with(message(), f -> f.put("body", q("aGk="))), m));
        out.add(c("body with '+'", with(message(), f -> f.put("body", q("a+k"))), m));
        out.add(c("body with '/'", with(message(), f -> f.put("body", q("a/k"))), m));
        out.add(c("body with a space", with(message(), f -> f.put("body", q("aG k"))), m));
        out.add(c("body with escaped newline", with(message(), f -> f.put("body", q("aGk\\n"))), m));
        out.add(c("body non-canonical (AB)", with(message(), f -> f.put("body", q("AB"))), m));
        out.add(c("body non-canonical (aGl)", with(message(), f -> f.put("body", q("aGl"))), m));
        out.add(c("body length % 4 == 1", with(message(), f -> f.put("body", q("aGkaG"))), m));
        out.add(c("body non-ASCII", with(message(), f -> f.put("body", q("aGké"))), m));

        // Signature.
        out.add(c("sig 63 bytes", with(message(), f -> f.put("sig", q(Base64Url.encode(new byte[63])))), m));
        out.add(c("sig 65 bytes", with(message(), f -> f.put("sig", q(Base64Url.encode(new byte[65])))), m));
        out.add(c("sig empty", with(message(), f -> f.put("sig", q(""))), m));
        out.add(c("sig with padding", with(message(), f -> f.put("sig", q(SIG + "=="))), m));
        out.add(c("sig non-canonical", with(message(), f -> f.put("sig", q(TestKeys.bumpBase64Char(SIG, 85)))), m));
        out.add(c("sig in hex", with(message(), f -> f.put("sig", q("00".repeat(64)))), m));

        // Ids.
        out.add(c("id 21 chars", with(message(), f -> f.put("id", q(TestKeys.messageId(1).substring(1)))), m));
        out.add(c("id 23 chars", with(message(), f -> f.put("id", q(TestKeys.messageId(1) + "A"))), m));
        out.add(c("id 24 chars (with padding)", with(message(), f -> f.put("id", q(TestKeys.messageId(1) + "=="))), m));
        out.add(c("id non-canonical", with(message(), f -> f.put("id", q(TestKeys.bumpBase64Char(TestKeys.messageId(1), 21)))), m));
        out.add(c("id a UUID", with(message(), f -> f.put("id", q("0190b0a8-7c1e-7000-8000-000000000000"))), m));
        out.add(c("id empty", with(message(), f -> f.put("id", q(""))), m));
        out.add(c("thread_id 21 chars", with(message(), f -> f.put("thread_id", q(TestKeys.messageId(2).substring(1)))), m));
        out.add(c("thread_id non-canonical", with(message(), f -> f.put("thread_id",
                q(TestKeys.bumpBase64Char(TestKeys.messageId(2), 21)))), m));
        out.add(c("in_reply_to 23 chars", with(stream(), f -> f.put("in_reply_to", q(TestKeys.messageId(3) + "A"))), m));
        out.add(c("in_reply_to empty", with(receipt(), f -> f.put("in_reply_to", q(""))), m));

        // Keys.
        out.add(c("from sys", with(message(), f -> f.put("from", q("sys"))), m));
        out.add(c("from 42 chars", with(message(), f -> f.put("from", q(ALICE.substring(1)))), m));
        out.add(c("from 44 chars", with(message(), f -> f.put("from", q(ALICE + "A"))), m));
        out.add(c("from non-canonical", with(message(), f -> f.put("from", q(TestKeys.bumpBase64Char(ALICE, 42)))), m));
        out.add(c("from did:key", with(message(), f -> f.put("from", q(TestKeys.RFC1_DID))), m));
        out.add(c("from with '+'", with(message(), f -> f.put("from", q("+" + ALICE.substring(1)))), m));
        out.add(c("to 42 chars", with(message(), f -> f.put("to", q(BOB.substring(1)))), m));
        out.add(c("to empty", with(message(), f -> f.put("to", q(""))), m));
        out.add(c("to non-canonical", with(message(), f -> f.put("to", q(TestKeys.bumpBase64Char(BOB, 42)))), m));
        out.add(c("to SYS (upper case)", with(request(), f -> f.put("to", q("SYS"))), m));

        // Kind-specific rules.
        out.add(c("request not to sys", with(request(), f -> f.put("to", q(BOB))), m));
        out.add(c("message to sys", with(message(), f -> f.put("to", q("sys"))), m));
        out.add(c("receipt to sys", with(receipt(), f -> f.put("to", q("sys"))), m));
        out.add(c("stream without seq", with(stream(), f -> f.remove("seq")), m));
        out.add(c("stream without in_reply_to", with(stream(), f -> f.remove("in_reply_to")), m));
        out.add(c("seq on message", with(message(), f -> f.put("seq", "0")), m));
        out.add(c("seq on receipt", with(receipt(), f -> f.put("seq", "1")), m));
        out.add(c("seq on request", with(request(), f -> f.put("seq", "1")), m));
        out.add(c("receipt without in_reply_to", with(receipt(), f -> f.remove("in_reply_to")), m));
        out.add(c("response without in_reply_to", with(message(), f -> f.put("kind", q("response"))), m));

        // Content type.
        out.add(c("content_type empty", with(message(), f -> f.put("content_type", q(""))), m));
        out.add(c("content_type 128 chars", with(message(), f -> f.put("content_type", q("x".repeat(128)))), m));
        out.add(c("content_type control char (escaped)", with(message(), f -> f.put("content_type", q("text/plain\\u0001"))), m));
        out.add(c("content_type tab", with(message(), f -> f.put("content_type", q("text/\\tplain"))), m));
        out.add(c("content_type newline", with(message(), f -> f.put("content_type", q("text/plain\\n"))), m));
        out.add(c("content_type NUL", with(message(), f -> f.put("content_type", q("text/plain\\u0000"))), m));
        out.add(c("content_type DEL", with(message(), f -> f.put("content_type", q("text/plain\\u007f"))), m));
        out.add(c("content_type non-ASCII", with(message(), f -> f.put("content_type", q("text/plaïn"))), m));

        // Sizes.
        out.add(c("body 131073 bytes", with(message(), f -> f.put("body", q(Base64Url.encode(new byte[Envelope.MAX_BODY_BYTES + 1])))),
                ErrorCode.TOO_LARGE));
        out.add(c("body 200000 bytes", with(message(), f -> f.put("body", q(Base64Url.encode(new byte[200_000])))),
                ErrorCode.TOO_LARGE));
        out.add(c("payload 262145 bytes (valid envelope + spaces)", bytes(base + " ".repeat(Envelope.MAX_ENVELOPE_BYTES + 1 - base.length())),
                ErrorCode.TOO_LARGE));
        out.add(c("payload 262145 bytes of garbage", new byte[Envelope.MAX_ENVELOPE_BYTES + 1], ErrorCode.TOO_LARGE));
        out.add(c("payload 1 MiB of '['", bytes("[".repeat(1 << 20)), ErrorCode.TOO_LARGE));
        out.add(c("unknown field with a 250 kB string", with(message(), f -> f.put("pad", q("A".repeat(250_000)))), m));

        // Deep nesting.
        out.add(c("10000 '['", bytes("[".repeat(10_000)), m));
        out.add(c("10000 '{\"a\":'", bytes("{\"a\":".repeat(10_000)), m));
        out.add(c("v then 10000 '['", bytes("{\"v\":" + "[".repeat(10_000)), m));
        out.add(c("body then 10000 '['", bytes(base.replace("\"body\":\"aGk\"", "\"body\":" + "[".repeat(10_000))), m));
        out.add(c("unknown field then 10000 '['", bytes("{\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}"), m));
        out.add(c("balanced 100-deep array value", bytes(base.replace("\"body\":\"aGk\"",
                "\"body\":" + "[".repeat(100) + "]".repeat(100))), m));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void refusesWithTheStableCode(String name, byte[] json, ErrorCode expected) {
        Throwable thrown = catchAll(json);
        assertThat(thrown).as("nothing was thrown").isNotNull();
        assertThat(thrown).isInstanceOf(RelayException.class);
        assertThat(((RelayException) thrown).code()).as(((RelayException) thrown).getMessage()).isEqualTo(expected);
    }

    private static Throwable catchAll(byte[] json) {
        try {
            Envelope.parse(json);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    @Test
    void theIdIsReadableWheneverTheObjectIsWhateverElseFails() {
        String id = TestKeys.messageId(1);
        assertThat(Envelope.readableId(bytes(json(message())))).isEqualTo(id);
        assertThat(Envelope.readableId(with(message(), f -> f.put("expires_in", "0")))).isEqualTo(id);
        assertThat(Envelope.readableId(with(message(), f -> f.put("admin", "{\"x\":[1]}")))).isEqualTo(id);
        assertThat(Envelope.readableId(with(message(), f -> f.put("v", "2")))).isEqualTo(id);
        assertThat(Envelope.readableId(with(message(), f -> f.put("kind", q("mess\u00e4ge"))))).isEqualTo(id);
        assertThat(Envelope.readableId(bytes("{\"id\":" + q(id) + "}"))).isEqualTo(id);

        assertThat(Envelope.readableId(null)).isNull();
        assertThat(Envelope.readableId(bytes("turn the fan on"))).isNull();
        assertThat(Envelope.readableId(with(message(), f -> f.remove("id")))).isNull();
        assertThat(Envelope.readableId(with(message(), f -> f.put("id", q(id.substring(1)))))).isNull();
        assertThat(Envelope.readableId(with(message(), f -> f.put("id", "1")))).isNull();
        assertThat(Envelope.readableId(with(message(), f -> f.put("kind", q("\\ud800"))))).as("rule 2").isNull();
        assertThat(Envelope.readableId(bytes(json(message()).replace("\"kind\"", "\"id\":" + q(id) + ",\"kind\""))))
                .as("duplicate id").isNull();
        assertThat(Envelope.readableId(bytes(json(message()) + " ".repeat(Envelope.MAX_ENVELOPE_BYTES)))).isNull();
    }

    @Test
    void reasonStringsNameTheFaultAndStayShort() {
        RelayException e = (RelayException) catchAll(with(message(), f -> f.put("x".repeat(5000), "1")));
        assertThat(e.reasonString()).startsWith("malformed: ").contains("unknown field").hasSizeLessThan(200);
    }
}
