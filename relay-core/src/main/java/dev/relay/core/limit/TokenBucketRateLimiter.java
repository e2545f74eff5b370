package dev.relay.core.limit;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
  * Per-key token buckets (one key per identity): up to {@code capacity} actions at once, refilled continuously at
  * {@code refillTokens} per {@code refillPeriod}.
  *
  * <p>Tokens are kept in integer units of 1/periodNanos token, so refill is exact (no floating-point drift) and a
  * fraction of a token accrues from every elapsed nanosecond. A full bucket behaves exactly like a missing one, so full
  * buckets are dropped by an occasional sweep: memory follows the keys active within one refill time, not every key
  * ever seen. Thread-safe without a shared lock: each bucket state is immutable and replaced atomically by
  * {@link ConcurrentHashMap#compute}, which serialises callers of the same key only.
  */
public final class TokenBucketRateLimiter {

    static final int DEFAULT_SWEEP_THRESHOLD = 10_000;

    /** Immutable bucket state; replaced, never mutated, so a sweep can remove it only if nobody changed it meanwhile. */
    private record Bucket(long units, long atNanos) {}

    private final long unitsPerToken; // = refill period in nanos
    private final long capacityUnits;
    private final long refillUnitsPerNano; // = refillTokens
    private final long nanosToFill; // time in which an empty bucket becomes full
    private final LongSupplier nanoClock;
    private final int sweepThreshold;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile int nextSweepSize;
    private volatile long lastSweepNanos;

    /**
      * @param capacity     bucket size: the burst allowed after a quiet period
      * @param refillTokens tokens added per {@code refillPeriod}
      * @param refillPeriod the refill period
      * @param nanoClock    monotonic clock in nanoseconds (System::nanoTime; injectable for tests)
      */
    public TokenBucketRateLimiter(int capacity, int refillTokens, Duration refillPeriod, LongSupplier nanoClock) {
        this(capacity, refillTokens, refillPeriod, nanoClock, DEFAULT_SWEEP_THRESHOLD);
    }

    TokenBucketRateLimiter(
            int capacity, int refillTokens, Duration refillPeriod, LongSupplier nanoClock, int sweepThreshold) {
        if (capacity < 1 || refillTokens < 1) {
            throw new IllegalArgumentException("capacity and refillTokens must be at least 1");
        }
        Objects.requireNonNull(refillPeriod, "refillPeriod");
        if (refillPeriod.isNegative() || refillPeriod.isZero()) {
            throw new IllegalArgumentException("refillPeriod must be positive, was " + refillPeriod);
        }
        try {
            this.unitsPerToken = refillPeriod.toNanos();
            this.capacityUnits = Math.multiplyExact(capacity, unitsPerToken);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("capacity x refillPeriod too large: " + capacity + " x " + refillPeriod, e);
        }
        this.refillUnitsPerNano = refillTokens;
        this.nanosToFill = ceilDiv(capacityUnits, refillUnitsPerNano);
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.sweepThreshold = sweepThreshold;
        this.nextSweepSize = sweepThreshold;
        this.lastSweepNanos = nanoClock.getAsLong();
    }

    /** {@code sendsPerMinute} actions per minute, with a burst of the same size. */
    public static TokenBucketRateLimiter perMinute(int sendsPerMinute) {
        return new TokenBucketRateLimiter(sendsPerMinute, sendsPerMinute, Duration.ofMinutes(1), System::nanoTime);
    }

    /** Takes one token from the bucket of {@code key}, if there is one. */
    public RateDecision tryAcquire(String key) {
        Objects.requireNonNull(key, "key");
        long now = nanoClock.getAsLong();
        long[] missingUnits = {0};
        buckets.compute(key, (k, bucket) -> {
            long units = bucket == null ? capacityUnits : refilled(bucket, now);
            if (units >= unitsPerToken) {
                missingUnits[0] = 0;
                return new Bucket(units - unitsPerToken, now);
            }
            missingUnits[0] = unitsPerToken - units;
            return new Bucket(units, now);
        });
        maybeSweep(now);
        if (missingUnits[0] == 0) {
            return RateDecision.ALLOWED;
        }
        long waitNanos = ceilDiv(missingUnits[0], refillUnitsPerNano);
        return RateDecision.deniedFor(ceilDiv(waitNanos, 1_000_000_000L));
    }

    /** Number of keys currently holding a bucket (for monitoring and tests). */
    public int trackedKeys() {
        return buckets.size();
    }

    private long refilled(Bucket bucket, long now) {
        long elapsed = Math.max(0, now - bucket.atNanos()); // an injected clock might step back
        if (elapsed >= nanosToFill) {
            return capacityUnits; // also avoids overflow of elapsed * rate
        }
        long added = elapsed * refillUnitsPerNano; // < capacityUnits + rate, cannot overflow
        return added >= capacityUnits - bucket.units() ? capacityUnits : bucket.units() + added;
    }

    /**
      * Sweeps when the map grew past a threshold, or when it is large and a full refill time has passed since the last
      * sweep (so a burst of one-off keys is released even if no new keys arrive). Only one caller sweeps at a time.
      */
    private void maybeSweep(long now) {
        int size = buckets.size();
        if (size <= sweepThreshold) {
            return;
        }
        if (size <= nextSweepSize && now - lastSweepNanos < nanosToFill) {
            return;
        }
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            for (Map.Entry<String, Bucket> entry : buckets.entrySet()) {
                Bucket bucket = entry.getValue();
                if (refilled(bucket, now) == capacityUnits) {
                    buckets.remove(entry.getKey(), bucket); // no-op if the bucket was used meanwhile
                }
            }
            // If most keys are active, wait for the map to double before the next size-triggered sweep: amortised O(1).
            nextSweepSize = Math.max(sweepThreshold, buckets.size() * 2);
            lastSweepNanos = now;
        } finally {
            sweeping.set(false);
        }
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
