package dev.relay.protocol;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The one-time connect token (SPEC §2): username = key id, password = {@code v1.<ts>.<nonce>.<sig>}, where the
 * signature covers {@code relay-connect-v1 LF realm LF key id LF ts LF nonce}. The realm binds a token to one relay;
 * the timestamp bounds its life; the nonce makes it single-use (the relay's replay cache enforces that).
 */
public final class ConnectToken {
    public static final String PREFIX = "v1.";
    public static final String SIGNING_DOMAIN = "relay-connect-v1";
    public static final int MIN_NONCE_BYTES = 16;
    public static final int MAX_NONCE_BYTES = 32;
    /** Longest password a v1 token can be; longer input is refused before any parsing work. */
    public static final int MAX_TOKEN_LENGTH = 3 + 12 + 1 + 43 + 1 + 86;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final long timestampSeconds;
    private final String nonce;
    private final byte[] signature;

    private ConnectToken(long timestampSeconds, String nonce, byte[] signature) {
        this.timestampSeconds = timestampSeconds;
        this.nonce = nonce;
        this.signature = signature;
    }

    /** A fresh token with a random 16-byte nonce. */
    public static ConnectToken create(RelayKeyPair key, String realm, long epochSeconds) throws RelayException {
        byte[] nonce = new byte[MIN_NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return create(key, realm, epochSeconds, nonce);
    }

    /** A token over a given nonce: the server's challenge nonce in the challenge-response variants. */
    public static ConnectToken create(RelayKeyPair key, String realm, long epochSeconds, byte[] nonce)
            throws RelayException {
        Realm.requireValid(realm);
        if (nonce.length < MIN_NONCE_BYTES || nonce.length > MAX_NONCE_BYTES) {
            throw new RelayException(ErrorCode.MALFORMED, "nonce must be 16..32 bytes");
        }
        if (epochSeconds < 0 || epochSeconds > 999_999_999_999L) {
            throw new RelayException(ErrorCode.MALFORMED, "timestamp out of range");
        }
        String nonceText = Base64Url.encode(nonce);
        byte[] signature = key.sign(signingString(realm, key.keyId().toString(), epochSeconds, nonceText));
        return new ConnectToken(epochSeconds, nonceText, signature);
    }

    /** The exact bytes that are signed. */
    public static byte[] signingString(String realm, String keyId, long epochSeconds, String nonce) {
        return (SIGNING_DOMAIN + "\n" + realm + "\n" + keyId + "\n" + epochSeconds + "\n" + nonce)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Parses the password form; any deviation is {@link ErrorCode#BAD_CREDENTIALS}. */
    public static ConnectToken parse(String password) throws RelayException {
        if (password == null || password.length() > MAX_TOKEN_LENGTH || !password.startsWith(PREFIX)) {
            throw new RelayException(ErrorCode.BAD_CREDENTIALS, "password is not a v1 Relay connect token");
        }
        String[] parts = password.substring(PREFIX.length()).split("\\.", -1);
        if (parts.length != 3) {
            throw new RelayException(ErrorCode.BAD_CREDENTIALS, "connect token must be v1.<ts>.<nonce>.<sig>");
        }
        long ts = parseTimestamp(parts[0]);
        try {
            byte[] nonce = Base64Url.decode(parts[1], "token nonce");
            if (nonce.length < MIN_NONCE_BYTES || nonce.length > MAX_NONCE_BYTES) {
                throw new RelayException(ErrorCode.BAD_CREDENTIALS, "token nonce must be 16..32 bytes");
            }
            byte[] signature = Base64Url.decode(parts[2], "token signature", 64);
            return new ConnectToken(ts, parts[1], signature);
        } catch (RelayException e) {
            throw new RelayException(ErrorCode.BAD_CREDENTIALS, e.getMessage());
        }
    }

    private static long parseTimestamp(String text) throws RelayException {
        boolean digits = !text.isEmpty() && text.length() <= 12 && text.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digits || (text.length() > 1 && text.charAt(0) == '0')) {
            throw new RelayException(ErrorCode.BAD_CREDENTIALS, "token timestamp must be decimal seconds without leading zeros");
        }
        return Long.parseLong(text);
    }

    /**
     * Verifies username and password against this relay's realm and clock. The nonce replay check is the caller's
     * (it needs the shared store) and must come after this succeeds, so that a bad token never burns a nonce.
     */
    public static Verified verify(String username, String password, String realm, long nowSeconds, long windowSeconds)
            throws RelayException {
        KeyId keyId;
        try {
            keyId = KeyId.parse(username);
        } catch (RelayException e) {
            throw new RelayException(ErrorCode.BAD_CREDENTIALS, "username must be a key id: " + e.getMessage());
        }
        ConnectToken token = parse(password);
        if (Math.abs(nowSeconds - token.timestampSeconds) > windowSeconds) {
            throw new RelayException(ErrorCode.EXPIRED_TOKEN, "token time " + token.timestampSeconds + " is more than "
                    + windowSeconds + " s from relay time " + nowSeconds + "; check the client's clock");
        }
        if (!keyId.verify(signingString(realm, keyId.toString(), token.timestampSeconds, token.nonce), token.signature)) {
            throw new RelayException(ErrorCode.BAD_SIGNATURE, "token signature does not verify for key " + keyId
                    + " and realm " + realm);
        }
        return new Verified(keyId, token.timestampSeconds, token.nonce, token.timestampSeconds + windowSeconds + 1);
    }

    /** The password text. */
    public String password() {
        return PREFIX + timestampSeconds + "." + nonce + "." + Base64Url.encode(signature);
    }

    public long timestampSeconds() {
        return timestampSeconds;
    }

    public String nonce() {
        return nonce;
    }

    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public String toString() {
        return password();
    }

    /**
     * A token that passed realm, clock and signature checks. {@code rememberUntilSeconds} is how long the replay
     * cache must keep the nonce: after that the clock window refuses the token anyway.
     */
    public record Verified(KeyId keyId, long timestampSeconds, String nonce, long rememberUntilSeconds) {
    }
}
