package dev.relay.protocol;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Fixed keys (RFC 8032 section 7.1 tests 1..3) and small helpers shared by the unit tests. */
final class TestKeys {
    static final HexFormat HEX = HexFormat.of();

    static final String RFC1_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static final String RFC1_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    static final String RFC1_KEY_ID = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    static final String RFC1_DID = "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw";

    static final String RFC2_SEED = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
    static final String RFC3_SEED = "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7";

    /** 2026-01-01T00:00:00Z in epoch milliseconds. */
    static final long T0 = 1_767_225_600_000L;

    private TestKeys() {
    }

    static RelayKeyPair alice() {
        return fromHex(RFC1_SEED);
    }

    static RelayKeyPair bob() {
        return fromHex(RFC2_SEED);
    }

    static RelayKeyPair mallory() {
        return fromHex(RFC3_SEED);
    }

    static RelayKeyPair fromHex(String seedHex) {
        try {
            return RelayKeyPair.fromSeed(HEX.parseHex(seedHex));
        } catch (RelayException e) {
            throw new AssertionError(e);
        }
    }

    /** A valid, canonical message id whose 16 bytes are all {@code fill}. */
    static String messageId(int fill) {
        byte[] bytes = new byte[MessageId.BYTES];
        java.util.Arrays.fill(bytes, (byte) fill);
        return Base64Url.encode(bytes);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String str(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** Same text with the character at {@code index} replaced by the next char of the base64url alphabet. */
    static String bumpBase64Char(String text, int index) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int value = alphabet.indexOf(text.charAt(index));
        char replacement = alphabet.charAt((value + 1) % 64);
        return text.substring(0, index) + replacement + text.substring(index + 1);
    }
}
