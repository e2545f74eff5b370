package dev.relay.protocol;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 key pair held as its 32-byte seed. Signs with Bouncy Castle's lightweight API, which is several times
 * faster than the JDK provider (see the platform notes).
 */
public final class RelayKeyPair {
    public static final int SEED_LENGTH = 32;

    private final byte[] seed;
    private final byte[] publicKey;
    private final KeyId keyId;

    private RelayKeyPair(byte[] seed) throws RelayException {
        this.seed = seed;
        this.publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(seed, 0, publicKey, 0);
        this.keyId = KeyId.of(publicKey);
    }

    public static RelayKeyPair generate() {
        return generate(new SecureRandom());
    }

    public static RelayKeyPair generate(SecureRandom random) {
        byte[] seed = new byte[SEED_LENGTH];
        Ed25519.generatePrivateKey(random, seed);
        try {
            return new RelayKeyPair(seed);
        } catch (RelayException e) {
            // A seed always yields a full-order point; this cannot happen.
            throw new IllegalStateException(e);
        }
    }

    /** From a 32-byte seed (the RFC 8032 "secret key"). */
    public static RelayKeyPair fromSeed(byte[] seed) throws RelayException {
        if (seed == null || seed.length != SEED_LENGTH) {
            throw new RelayException(ErrorCode.MALFORMED, "Ed25519 seed must be 32 bytes");
        }
        return new RelayKeyPair(seed.clone());
    }

    public KeyId keyId() {
        return keyId;
    }

    /** The seed (a copy); handle with care. */
    public byte[] seed() {
        return seed.clone();
    }

    /** A 64-byte Ed25519 signature over {@code message}. */
    public byte[] sign(byte[] message) {
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(seed, 0, publicKey, 0, message, 0, message.length, signature, 0);
        return signature;
    }

    @Override
    public String toString() {
        return "RelayKeyPair[" + keyId + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RelayKeyPair && Arrays.equals(((RelayKeyPair) other).seed, seed);
    }

    @Override
    public int hashCode() {
        return keyId.hashCode();
    }
}
