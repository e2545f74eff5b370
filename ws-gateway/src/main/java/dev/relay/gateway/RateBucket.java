package dev.relay.gateway;

/**
 * A token bucket: {@code capacity} tokens, refilled at {@code perSecond}. Used for frames per connection and, keyed by
 * remote address, for handshakes. Not thread-safe on its own: callers hold it under their lock.
 */
final class RateBucket {
    private final double capacity;
    private final double perNano;
    private double tokens;
    private long last;

    RateBucket(double capacity, double perSecond, long nowNanos) {
        this.capacity = capacity;
        this.perNano = perSecond / 1_000_000_000d;
        this.tokens = capacity;
        this.last = nowNanos;
    }

    boolean tryTake(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Whole seconds until one token is there (at least 1). */
    long secondsUntilToken(long nowNanos) {
        refill(nowNanos);
        double missing = Math.max(0, 1 - tokens);
        return Math.max(1, (long) Math.ceil(missing / perNano / 1_000_000_000d));
    }

    /** Whether the bucket is full again (an idle entry that can be forgotten). */
    boolean isFull(long nowNanos) {
        refill(nowNanos);
        return tokens >= capacity;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - last;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * perNano);
            last = nowNanos;
        }
    }
}
