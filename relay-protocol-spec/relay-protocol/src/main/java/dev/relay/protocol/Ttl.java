package dev.relay.protocol;

/**
 * Message lifetime rules (SPEC §6): {@code expires_in} is what the sender signed; the relay clamps it to its maximum
 * without touching the signed value, and computes the absolute expiry from the envelope's own timestamp.
 */
public final class Ttl {
    public static final long MIN_SECONDS = 1;
    public static final long DEFAULT_SECONDS = 7L * 24 * 3600;
    public static final long MAX_SECONDS = 30L * 24 * 3600;
    /** Largest value the envelope may carry (u32 in the signing input, kept to a Java int for simplicity). */
    public static final long MAX_SIGNED_SECONDS = Integer.MAX_VALUE;

    private Ttl() {
    }

    /** Effective lifetime in seconds: the signed value or the default, clamped to {@code maxSeconds}. */
    public static long effectiveSeconds(Long expiresIn, long maxSeconds) {
        long requested = expiresIn == null ? DEFAULT_SECONDS : expiresIn;
        return Math.max(MIN_SECONDS, Math.min(requested, maxSeconds));
    }

    /** Absolute expiry in epoch milliseconds. */
    public static long expiresAtMillis(long timestampMillis, Long expiresIn, long maxSeconds) {
        return timestampMillis + effectiveSeconds(expiresIn, maxSeconds) * 1000L;
    }

    /** Seconds left, rounded up, for the broker's message expiry; 0 when already expired. */
    public static long remainingSeconds(long expiresAtMillis, long nowMillis) {
        long left = expiresAtMillis - nowMillis;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }
}
