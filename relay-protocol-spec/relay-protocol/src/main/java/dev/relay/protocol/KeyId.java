package dev.relay.protocol;

import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An identity: a raw 32-byte Ed25519 public key, written as 43 chars of base64url without padding (SPEC §1).
 * Only canonical text of a valid, full-order point is accepted, so each identity has exactly one key id.
 * The decoded point is kept, so verifying many signatures of one sender decodes its key once.
 */
public final class KeyId {
    public static final int TEXT_LENGTH = 43;
    public static final int RAW_LENGTH = 32;
    private static final String DID_KEY_PREFIX = "did:key:z";
    private static final byte[] ED25519_MULTICODEC = {(byte) 0xed, 0x01};

    private final String text;
    private final byte[] raw;
    private final Ed25519.PublicPoint point;

    private KeyId(String text, byte[] raw, Ed25519.PublicPoint point) {
        this.text = text;
        this.raw = raw;
        this.point = point;
    }

    /** Parses a key id; errors carry {@link ErrorCode#MALFORMED}. */
    public static KeyId parse(String text) throws RelayException {
        return fromValidatedText(text, requireSyntax(text, "key id"));
    }

    /**
     * The text rule alone (43 chars of canonical base64url, 32 bytes), without the point check of {@link #parse}: for
     * names and lists that hold key ids but verify nothing with them. {@code field} names the value in the error.
     */
    static byte[] requireSyntax(String text, String field) throws RelayException {
        if (text == null || text.length() != TEXT_LENGTH) {
            throw new RelayException(ErrorCode.MALFORMED, field + " must be " + TEXT_LENGTH
                    + " chars of base64url, got " + (text == null ? "nothing" : text.length() + " chars"));
        }
        return Base64Url.decode(text, field, RAW_LENGTH);
    }

    /** Wraps a raw 32-byte public key. */
    public static KeyId of(byte[] rawPublicKey) throws RelayException {
        if (rawPublicKey == null || rawPublicKey.length != RAW_LENGTH) {
            throw new RelayException(ErrorCode.MALFORMED, "public key must be 32 bytes");
        }
        byte[] raw = rawPublicKey.clone();
        return fromValidatedText(Base64Url.encode(raw), raw);
    }

    /** Parses the did:key display form {@code did:key:z<base58btc(0xed 0x01 || key)>}. */
    public static KeyId fromDidKey(String did) throws RelayException {
        if (did == null || !did.startsWith(DID_KEY_PREFIX) || did.length() > 80) {
            throw new RelayException(ErrorCode.MALFORMED, "not a did:key with a base58btc ('z') multibase value");
        }
        byte[] decoded = Base58.decode(did.substring(DID_KEY_PREFIX.length()));
        if (decoded.length != RAW_LENGTH + 2 || decoded[0] != ED25519_MULTICODEC[0] || decoded[1] != ED25519_MULTICODEC[1]) {
            throw new RelayException(ErrorCode.MALFORMED, "did:key is not an Ed25519 public key (multicodec 0xed01)");
        }
        KeyId id = of(Arrays.copyOfRange(decoded, 2, decoded.length));
        if (!id.didKey().equals(did)) {
            throw new RelayException(ErrorCode.MALFORMED, "did:key is not canonical");
        }
        return id;
    }

    private static KeyId fromValidatedText(String text, byte[] raw) throws RelayException {
        Ed25519.PublicPoint point;
        try {
            point = Ed25519.validatePublicKeyFullExport(raw, 0);
        } catch (RuntimeException e) {
            point = null;
        }
        if (point == null) {
            throw new RelayException(ErrorCode.MALFORMED,
                    "key id is not a valid Ed25519 public key (non-canonical or small-order point)");
        }
        return new KeyId(text, raw, point);
    }

    /** Verifies an Ed25519 signature by this key over {@code message}. */
    public boolean verify(byte[] message, byte[] signature) {
        if (signature == null || signature.length != Ed25519.SIGNATURE_SIZE) {
            return false;
        }
        return Ed25519.verify(signature, 0, point, message, 0, message.length);
    }

    /** The 32 raw key bytes (a copy). */
    public byte[] raw() {
        return raw.clone();
    }

    /** The did:key display form. */
    public String didKey() {
        byte[] multicodec = new byte[RAW_LENGTH + 2];
        multicodec[0] = ED25519_MULTICODEC[0];
        multicodec[1] = ED25519_MULTICODEC[1];
        System.arraycopy(raw, 0, multicodec, 2, RAW_LENGTH);
        return DID_KEY_PREFIX + Base58.encode(multicodec);
    }

    /** The 43-char key id. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyId && ((KeyId) other).text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
