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
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                throw new RelayException(ErrorCode.MALFORMED,
                        what + " is not base64url without padding (bad character at " + i + ")");
            }
        }
        byte[] bytes = DECODER.decode(text);
        if (!ENCODER.encodeToString(bytes).equals(text)) {
            throw new RelayException(ErrorCode.MALFORMED, what + " is not canonical base64url (non-zero trailing bits)");
        }
        return bytes;
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
