package dev.relay.protocol;

import java.util.Base64;

/**
 * Base64url without padding (RFC 4648 §5), strict: only the URL-safe alphabet, no padding, no whitespace, and
 * canonical (unused trailing bits must be zero), so that each byte string has exactly one text form.
 */
public final class Base64Url {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private Base64Url() {
    }

    public static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /** Decodes strictly; {@code what} names the field in the error message. */
    public static byte[] decode(String text, String what) throws RelayException {
        if (text == null) {
            throw new RelayException(ErrorCode.MALFORMED, what + " is missing");
        }
        int length = text.length();
        if (length % 4 == 1) {
            throw new RelayException(ErrorCode.MALFORMED, what + " is not valid base64url (bad length)");
        }
        int last = 0;
        for (int i = 0; i < length; i++) {
            last = sextet(text.charAt(i));
            if (last < 0) {
                throw new RelayException(ErrorCode.MALFORMED,
                        what + " is not base64url without padding (bad character at " + i + ")");
            }
        }
        // The JDK decoder ignores the unused low bits of the last char (4 bits after 2 chars, 2 after 3); checking
        // them here is what makes the text canonical, without re-encoding a body of up to 128 KiB to compare.
        int unusedBits = length % 4 == 2 ? 0x0f : length % 4 == 3 ? 0x03 : 0;
        if ((last & unusedBits) != 0) {
            throw new RelayException(ErrorCode.MALFORMED, what + " is not canonical base64url (non-zero trailing bits)");
        }
        return DECODER.decode(text);
    }

    /** The 6-bit value of a base64url char, or -1 for any other char. */
    private static int sextet(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    }

    /** Decodes and requires an exact decoded length. */
    public static byte[] decode(String text, String what, int expectedBytes) throws RelayException {
        byte[] bytes = decode(text, what);
        if (bytes.length != expectedBytes) {
            throw new RelayException(ErrorCode.MALFORMED,
                    what + " must decode to " + expectedBytes + " bytes, got " + bytes.length);
        }
        return bytes;
    }
}
