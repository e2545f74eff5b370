package dev.relay.protocol;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

/** Message ids (SPEC §3.2): 16 bytes as 22 chars of base64url. New ids use the UUIDv7 layout, so they sort by time. */
public final class MessageId {
    public static final int BYTES = 16;
    public static final int TEXT_LENGTH = 22;
    private static final SecureRandom RANDOM = new SecureRandom();

    private MessageId() {
    }

    /** A new UUIDv7-shaped id: 48-bit millisecond time, version 7, variant 10, random rest. */
    public static String generate(long epochMillis) {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        ByteBuffer.wrap(bytes).putShort(0, (short) (epochMillis >>> 32)).putInt(2, (int) epochMillis);
        bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x70);
        bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80);
        return Base64Url.encode(bytes);
    }

    public static String generate() {
        return generate(System.currentTimeMillis());
    }

    /** Checks the text form; {@code field} names the JSON field in the error. */
    public static String requireValid(String text, String field) throws RelayException {
        if (text == null || text.length() != TEXT_LENGTH) {
            throw new RelayException(ErrorCode.MALFORMED, field + " must be 22 chars of base64url (16 bytes)");
        }
        Base64Url.decode(text, field, BYTES);
        return text;
    }
}
