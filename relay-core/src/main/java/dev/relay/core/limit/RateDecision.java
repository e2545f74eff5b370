package dev.relay.core.limit;

/**
  * Outcome of {@link TokenBucketRateLimiter#tryAcquire}.
  *
  * @param allowed           whether the action may proceed
  * @param retryAfterSeconds 0 when allowed; otherwise whole seconds (rounded up) until one token is available
  */
public record RateDecision(boolean allowed, long retryAfterSeconds) {

    public static final RateDecision ALLOWED = new RateDecision(true, 0);

    public static RateDecision deniedFor(long retryAfterSeconds) {
        return new RateDecision(false, retryAfterSeconds);
    }
}
