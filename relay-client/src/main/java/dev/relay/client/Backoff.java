package dev.relay.client;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Jittered exponential backoff for reconnects: the n-th delay is uniform in [min, min·2ⁿ] with the upper bound capped
 * at max ("full jitter" above the floor). The jitter spreads the reconnects of many agents after a gateway restart;
 * the floor keeps even an unlucky draw from hammering the gateway. Not thread-safe; the agent uses it under a lock.
 */
public final class Backoff {
    private final long minMillis;
    private final long maxMillis;
    private final DoubleSupplier random;
    private int attempt;

    /** Delays drawn by {@code random} (0..1) between {@code min} and a cap that doubles from {@code min} to {@code max}. */
    public Backoff(Duration min, Duration max, DoubleSupplier random) {
        if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < min <= max, got " + min + " and " + max);
        }
        this.minMillis = min.toMillis();
        this.maxMillis = max.toMillis();
        this.random = random;
    }

    /** The delay before the next attempt; each call doubles the cap until it reaches max. */
    public Duration next() {
        long cap = currentCapMillis();
        attempt++;
        return Duration.ofMillis(minMillis + (long) (random.getAsDouble() * (cap - minMillis)));
    }

    /** After a successful connection: start from min again. */
    public void reset() {
        attempt = 0;
    }

    /** The largest delay the next attempt can get, in milliseconds. */
    public long currentCapMillis() {
        // Shift only while it cannot overflow; beyond 2^30 · min the cap is max anyway.
        return attempt >= 30 ? maxMillis : Math.min(maxMillis, minMillis << attempt);
    }
}
